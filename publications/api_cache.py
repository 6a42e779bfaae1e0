"""Anonymous answers of the read API, cached like the catalogue pages (publications/page_cache.py).

An anonymous JSON answer holds nothing per client, so one copy serves every anonymous client until
the catalogue changes (the same generation token as the pages: imports, curation, hides, claims,
changed counters) or `page_cache.PAGE_TTL` passes. Keyed by the site's address, the path and
the sorted query parameters. Throttles still count every request (DRF checks them before the handler runs);
signed-in clients, other formats (the browsable API) and answers other than 200 are never cached.
A hit answers conditional GETs from the stored ETag.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.http import HttpResponse, HttpResponseNotModified
from rest_framework.request import Request

from publications import page_cache

_KEPT_HEADERS = ("ETag", "Cache-Control")


def _answer(request: Request, content: bytes, content_type: str, headers: dict) -> HttpResponse:
    etag = headers.get("ETag")
    held = [
        t.strip().removeprefix("W/") for t in request.headers.get("If-None-Match", "").split(",")
    ]
    if etag and (etag in held or "*" in held):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(content, content_type=content_type)
    for name, value in headers.items():
        response[name] = value
    return response


def cached_for_visitors(kind: str) -> Callable:
    """Decorate a DRF view's `get`: anonymous JSON answers come from the cache when they can."""

    def decorate(method: Callable) -> Callable:
        @functools.wraps(method)
        def get(view, request: Request, *args, **kwargs):
            renderer = getattr(request, "accepted_renderer", None)
            if request.user.is_authenticated or renderer is None or renderer.format != "json":
                return method(view, request, *args, **kwargs)
            generation = page_cache.catalogue_generation()  # before the data
            params = sorted((k, tuple(v)) for k, v in request.query_params.lists())
            # The site's own address too: answers hold absolute links (pagination).
            where = (request.build_absolute_uri("/"), request.path, params)
            key = page_cache.catalogue_key(f"api-{kind}", where, generation)
            hit = page_cache.catalogue_get(key)
            if hit is not None:
                return _answer(request, *hit)
            response = method(view, request, *args, **kwargs)
            if response.status_code != 200 or not hasattr(response, "data"):
                return response
            content_type = renderer.media_type
            content = renderer.render(
                response.data,
                content_type,
                {"request": request, "response": response, "view": view},
            )
            headers = {name: response[name] for name in _KEPT_HEADERS if response.has_header(name)}
            page_cache.catalogue_put(key, (content, content_type, headers))
            return _answer(request, content, content_type, headers)

        return get

    return decorate
