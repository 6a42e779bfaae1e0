"""Requests the database could never store: a NUL character in the path, the query string or a
form field is refused with 400 before any view reads it (PostgreSQL text cannot hold NUL, and a
view passing one to a query would answer 500).

Uploaded files and JSON bodies are left alone: files may hold any byte, and the API's serializers
refuse NUL in JSON strings field by field, with the field named in the error.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError

NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(data: QueryDict) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in data.lists())


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path_info or _has_nul(request.GET):
            raise BadRequest("The address holds a NUL character.")
        if request.method == "POST" and request.content_type in FORM_TYPES:
            try:
                post = request.POST
            except MultiPartParserError as exc:
                raise BadRequest("The form data could not be read.") from exc
            if _has_nul(post):
                raise BadRequest("A form field holds a NUL character.")
        return self.get_response(request)
