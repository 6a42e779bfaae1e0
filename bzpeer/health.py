"""Liveness, readiness, and the site's answer when a dependency is down.

- ``/livez`` (and ``/healthz``, kept for existing probes): the process answers; touches nothing.
- ``/readyz``: the database and Redis each answer within READY_TIMEOUT seconds; 200 or 503. The
  body only says which dependency is unavailable, never a host, port, name or error text (those
  go to the log).
- A page whose database or Redis call fails gets the site's own 503 page (an API call, the API's
  JSON error body) with Retry-After, instead of a 500 or a hang.
"""

from __future__ import annotations

import logging
import sys

import psycopg
import redis
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from kombu.exceptions import OperationalError as BrokerError

from bzpeer.api import error_body
from bzpeer.errors import server_error as page_server_error

logger = logging.getLogger(__name__)

READY_TIMEOUT = 2  # seconds, per dependency
RETRY_AFTER = "30"
OUTAGE_ERRORS = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    BrokerError,
)


def livez(request: HttpRequest) -> JsonResponse:
    """Liveness: this process serves requests. No dependency is checked (see /readyz)."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: the database and Redis answer. 503 when either does not."""
    checks = {"database": _check_database(), "redis": _check_redis()}
    ready = all(state in {"ok", "not configured"} for state in checks.values())
    body = {"status": "ready" if ready else "unavailable", **checks}
    response = JsonResponse(body, status=200 if ready else 503)
    if not ready:
        response["Retry-After"] = RETRY_AFTER
    response["Cache-Control"] = "no-store"
    return response


def _check_database() -> str:
    # A fresh connection with Django's parameters (TLS options included), short timeouts.
    params = {
        **connection.get_connection_params(),
        "connect_timeout": READY_TIMEOUT,
        "options": f"-c statement_timeout={READY_TIMEOUT * 1000}",
    }
    try:
        with psycopg.connect(**params) as conn:
            conn.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready; details to the log
        logger.warning("readiness: database unavailable: %s", exc)
        return "unavailable"


def _check_redis() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=READY_TIMEOUT, socket_timeout=READY_TIMEOUT
        )
        try:
            client.ping()
        finally:
            client.close()
        return "ok"
    except Exception as exc:  # noqa: BLE001
        logger.warning("readiness: redis unavailable: %s", exc)
        return "unavailable"


def outage_response(request: HttpRequest) -> HttpResponse:
    """The site's 503: rendered without the request, so no session, user or query is needed."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            error_body(503, "unavailable", "Service temporarily unavailable; try again shortly."),
            status=503,
        )
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = RETRY_AFTER
    response["Cache-Control"] = "no-store"
    return response


def _is_outage(exc: BaseException | None) -> bool:
    return isinstance(exc, OUTAGE_ERRORS)


class DependencyOutageMiddleware:
    """A view (or its template) failing on the database or Redis answers the 503 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not _is_outage(exception):
            return None
        logger.error(
            "%s %s: dependency unavailable (%s: %s)",
            request.method,
            request.path,
            type(exception).__name__,
            exception,
        )
        return outage_response(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an outage raised outside a view (a middleware reading the session) is a 503
    too; anything else is the usual server error."""
    if _is_outage(sys.exc_info()[1]):
        return outage_response(request)
    return page_server_error(request)
