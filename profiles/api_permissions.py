"""The API's rule for writes, the site's rule too: a verified e-mail address. DRF's settings name
it as every view's default permission (``DEFAULT_PERMISSION_CLASSES``), so this module is imported
while ``rest_framework.views`` itself is loading: it must not import DRF's views, generics or
anything that does (profiles/api.py does)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from profiles.selectors import has_verified_email


class VerifiedEmailForWrites(BasePermission):
    """Reads are public; every write (POST, PUT, PATCH, DELETE) needs a verified e-mail address,
    whether the client signs in with a token or the site's session: the same rule as the site's
    pages. Views that need a signed-in user add IsAuthenticated before this."""

    message = "Verify your e-mail address first: follow the link we sent you when you signed up."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS or not request.user.is_authenticated:
            return True  # anonymous writes are refused by IsAuthenticated, with a 401
        return has_verified_email(request.user)
