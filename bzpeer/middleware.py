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


class NulInInput(BadRequest):
    """A NUL character in the address or a form field (``field``: which one, when known)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def _field_with_nul(data: QueryDict) -> str | None:
    for key, values in data.lists():
        if NUL in key:
            return "non_field_errors"
        if any(NUL in value for value in values):
            return key
    return None


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path_info:
            raise NulInInput("The address holds a NUL character.")
        field = _field_with_nul(request.GET)
        if field:
            raise NulInInput("The address holds a NUL character.", field)
        if request.method == "POST" and request.content_type in FORM_TYPES:
            try:
                post = request.POST
            except MultiPartParserError as exc:
                raise BadRequest("The form data could not be read.") from exc
            field = _field_with_nul(post)
            if field:
                raise NulInInput("A form field holds a NUL character.", field)
        return self.get_response(request)
