"""django-allauth adapters: how sign-in providers behave when they are not configured."""

from __future__ import annotations

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.http import Http404


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_app(self, request, provider, client_id=None):
        """A provider with no client configured (ORCID without BZPEER_ORCID_CLIENT_ID) is not
        there: its log-in and callback URLs answer 404 instead of failing."""
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise Http404("Sign-in with this provider is not available here.") from None
