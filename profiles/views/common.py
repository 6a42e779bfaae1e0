"""What the signed-in actions on author records share: JSON for fetch requests (Accept:
application/json) so the profile updates without a reload, the login redirect that comes back to
the profile, and the refusal of a write that a service rejected."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from publications import selectors as publication_selectors
from publications.models import Author


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def login_url(next_url: str) -> str:
    return f"{reverse('account_login')}?{urlencode({'next': next_url})}"


def live_author(slug: str, *, with_open_proposals: bool = False) -> Author:
    author = publication_selectors.author_get(slug=slug, with_open_proposals=with_open_proposals)
    if author.merged_into_id:
        raise Http404("This record was merged into another one.")
    return author


def error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def refuse(request: HttpRequest, exc: ValidationError, back: str) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"error": error_text(exc)}, status=400)
    messages.error(request, error_text(exc))
    return redirect(back)
