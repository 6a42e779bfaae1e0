"""What every endpoint of the REST API shares: the error body, cursor pagination, throttles,
conditional GET (ETags), query-parameter parsing. The OpenAPI additions that document them are in
bzpeer/api_schema.py; who may write (a verified e-mail address) is profiles/api_permissions.py, the
token endpoint is in profiles/api.py.

DRF's settings name classes of this module (negotiation, pagination, throttles, the exception
handler), so it is imported while ``rest_framework.views`` is loading, and it imports no app: the
apps' API modules import it.

Error body, for every 4xx the API answers::

    {"status": 400, "code": "invalid", "detail": "Invalid input.", "errors": {"page_size": ["..."]}}

``errors`` maps a parameter or field to its messages; it is empty when the error is not about one.
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any
from urllib.parse import quote

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, OpenApiParameter
from rest_framework import exceptions, serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

# ---------------------------------------------------------------------------------------------
# Errors


def error_body(status_code: int, code: str, detail: str, errors: dict | None = None) -> dict:
    return {"status": status_code, "code": code, "detail": detail, "errors": errors or {}}


def _field_errors(data: Any) -> dict[str, list[str]]:
    if isinstance(data, dict):
        return {
            str(key): [str(m) for m in (value if isinstance(value, list) else [value])]
            for key, value in data.items()
        }
    if isinstance(data, list):
        return {"non_field_errors": [str(m) for m in data]}
    return {"non_field_errors": [str(data)]}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler, with Django's and services' exceptions mapped and one body shape for all."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail)
    from rest_framework.views import exception_handler as drf_exception_handler  # a cycle at import

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a server error: Django logs it and answers 500
    assert isinstance(exc, exceptions.APIException)
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(
            response.status_code, "invalid", "Invalid input.", _field_errors(exc.detail)
        )
    else:
        codes = exc.get_codes()
        response.data = error_body(
            response.status_code, codes if isinstance(codes, str) else "error", str(exc.detail)
        )
    return response


# ---------------------------------------------------------------------------------------------
# Pagination


class Cursor(CursorPagination):
    """Opaque cursors: pages stay stable while new works arrive, and no page costs a COUNT."""

    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"
    ordering: tuple[str, ...] = ("-id",)

    invalid_cursor_message = "Invalid cursor: use the next or previous link of a page."

    def decode_cursor(self, request: Request):
        """A bad cursor is a 400 naming the parameter (never a query with a NUL or a position of
        the wrong type, which the database would refuse with a 500)."""
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            cursor = None
            valid = False
        else:
            valid = cursor is None or self._position_is_valid(cursor.position)
        if not valid:
            raise exceptions.ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}
            )
        return cursor

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list | None:
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValueError, DjangoValidationError):
            # A position the ordering field cannot take (a date that is not one): only a forged
            # cursor gets here.
            if request.query_params.get(self.cursor_query_param) is None:
                raise
            raise exceptions.ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}
            ) from None

    def _position_is_valid(self, position: str | None) -> bool:
        if position is None:
            return True
        if "\x00" in position:
            return False
        if self.ordering and self.ordering[0].lstrip("-") == "id":
            return position.isdigit() and len(position) < 19
        return True

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if not 1 <= value <= self.max_page_size:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"An integer from 1 to {self.max_page_size}."]}
            )
        return value

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                }
        return parameters


# ---------------------------------------------------------------------------------------------
# Throttles: rates are read on each request, so settings (and tests) can change them.


class AnonThrottle(AnonRateThrottle):
    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class UserThrottle(UserRateThrottle):
    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        # DRF's version also counts anonymous clients by address, against the signed-in rate;
        # they have AnonThrottle for that.
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)


# ---------------------------------------------------------------------------------------------
# What the API answers


class JsonOnlyNegotiation(DefaultContentNegotiation):
    """The API answers JSON only: an Accept header or ?format= asking for anything else is a 406
    with the error body, not a 404 or an HTML page."""

    def select_renderer(self, request: Request, renderers: list, format_suffix: str | None = None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except (Http404, exceptions.NotAcceptable):
            raise exceptions.NotAcceptable(
                "This API answers JSON only (format=json); browse it at /api/docs/."
            ) from None


# ---------------------------------------------------------------------------------------------
# Conditional GET


def conditional_response(request: Request, data: Any) -> Response:
    """200 with a strong ETag of the body, or 304 when the client already holds that body.

    The ETag hashes the serialized data, so it changes with anything the body shows (a renamed
    co-author included), which a row's updated_at alone would miss."""
    payload = json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder).encode()
    etag = '"' + hashlib.sha256(payload).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=60"}
    held = [
        tag.strip().removeprefix("W/")
        for tag in request.headers.get("If-None-Match", "").split(",")
    ]
    if etag in held or "*" in held:
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(data, headers=headers)


# ---------------------------------------------------------------------------------------------
# OpenAPI


class StrictBooleanField(serializers.BooleanField):
    """A query flag: exactly ``true`` or ``false`` (anything else is a 400, not a silent False)."""

    TRUE_VALUES = {"true", True}
    FALSE_VALUES = {"false", False}
    NULL_VALUES: set = set()


class QueryTextField(serializers.CharField):
    """Free text in a query parameter. PostgreSQL cannot store NUL, so it is refused up front."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)


def parse_query(serializer_class: type[serializers.Serializer], request: Request) -> dict:
    """Validate query parameters with a serializer; bad ones are a 400 with the error body."""
    # A plain dict, not the QueryDict: DRF reads "?param=" from a QueryDict as "not given", and an
    # empty date or number is an error, not a missing filter.
    serializer = serializer_class(data=dict(request.query_params.items()))
    serializer.is_valid(raise_exception=True)
    return {k: v for k, v in serializer.validated_data.items() if v not in (None, "")}


def path_parameter(name: str, pattern: str, example: str, description: str):
    """A documented path parameter with its pattern and a real example (the fuzzer starts there)."""
    return OpenApiParameter(
        name,
        str,
        OpenApiParameter.PATH,
        pattern=f"^{pattern}$",
        description=description,
        examples=[OpenApiExample(example, value=example)],
    )


# ---------------------------------------------------------------------------------------------
# Links


_SAMPLES = {"slug": "x", "arxiv_id": "0000.00000", "claim_id": "1", "code": "x"}


@functools.cache
def _link_template(name: str, kwarg: str) -> tuple[str, str]:
    sample = _SAMPLES[kwarg]
    path = reverse(name, kwargs={kwarg: sample})
    cut = path.rindex(sample)
    return path[:cut], path[cut + len(sample) :]


def link(name: str, **kwargs: Any) -> str:
    """reverse() for a route with one parameter, as a string join: a page of works links every
    author line, and reverse() per link was a quarter of the page's time. Quotes like reverse()."""
    ((kwarg, value),) = kwargs.items()
    before, after = _link_template(name, kwarg)
    return before + quote(str(value), safe="!$&'()*+,;=/~:@") + after
