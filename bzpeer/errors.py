"""Error answers. Pages get templates/<status>.html, which extend templates/error_layout.html
(the site's header with its search, the account links and the footer); under /api/ every error
is the API's JSON body (bzpeer/api.py). DRF's own errors keep their JSON body: these handlers only
see what Django answers.

To add a page for another status: write templates/<status>.html extending "error_layout.html"
(blocks ``title`` and ``message``; ``message_text`` holds the reason when there is one to show)
and answer it with :func:`error_page`.
"""

from __future__ import annotations

from django.core.exceptions import BadRequest, PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader

from bzpeer.api import error_body

API_CODES = {
    400: "invalid",
    403: "permission_denied",
    404: "not_found",
    429: "throttled",
    500: "server_error",
}


def _under_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _api_error(status: int, detail: str) -> JsonResponse:
    return JsonResponse(error_body(status, API_CODES.get(status, "error"), detail), status=status)


def error_page(request: HttpRequest, status: int, *, message_text: str = "") -> HttpResponse:
    """templates/<status>.html in the site's layout, with the request's context."""
    return render(request, f"{status}.html", {"message_text": message_text}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Our own BadRequest messages are written for people; other reasons (a forged Host header,
    # too many fields) are not repeated back.
    reason = str(exception) if isinstance(exception, BadRequest) else ""
    if _under_api(request):
        field = getattr(exception, "field", "")
        errors = {field: [reason]} if field else {}
        return JsonResponse(
            error_body(400, "invalid", reason or "Bad request.", errors), status=400
        )
    return error_page(request, 400, message_text=reason)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception) if isinstance(exception, PermissionDenied) else ""
    if _under_api(request):
        return _api_error(403, reason or "You do not have permission to do this.")
    return error_page(request, 403, message_text=reason)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _under_api(request):
        return _api_error(404, "Not found.")
    return error_page(request, 404)


def too_many_requests(request: HttpRequest, message_text: str = "") -> HttpResponse:
    """429 for the site's own limits (claims, invitations), and allauth's (its handler429)."""
    return error_page(request, 429, message_text=message_text)


def server_error(request: HttpRequest) -> HttpResponse:
    if _under_api(request):
        return _api_error(500, "Server error.")
    # Rendered without the request's context: the session, the user or the database may be what
    # failed. The layout then shows the header for a visitor.
    return HttpResponse(loader.get_template("500.html").render(), status=500)
