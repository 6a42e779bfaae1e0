"""The page cache, one helper for every cached page: the researcher profile, the catalogue pages
(work, home, topic, search) for anonymous visitors, and the read API's answers, the same for every
client (see below); and its one invalidation, :func:`invalidate`, run by one receiver of the "author records changed"
signals and by the graph recompute. The cache itself is Redis, failing open (bzpeer/cache.py).

What: the rendered HTML of ``/authors/<slug>/?page=N`` for visitors who are not signed in and have
no flash message to show. The anonymous page holds nothing per visitor (no CSRF token), so one
copy serves everybody and a hit touches neither the database nor the template engine. Signed-in
users get the same copy with their own header and follow, claim and invitation cards rendered
into it (bzpeer/personal.py).

Keys: ``profile-page:<slug>:<page>:<author id>:<generation>``. The slug resolves to the record id
through ``profile-page-id:<slug>`` (remembered on the first anonymous view, which is not stored),
and each record has a generation token ``profile-page-gen:<author id>``. Invalidation deletes the
generation token of the changed records (:func:`invalidate`), so every stored page of theirs
stops matching; the next visitor renders the page
under a fresh token. A page rendered concurrently with a change is stored under the token it read
before rendering, which the change deleted, so it is never served. Pages also expire after
``PAGE_TTL`` seconds as a safety net for changes that send no signal.

Who invalidates: :func:`on_author_records_changed`, the one receiver of
``publications.signals.author_records_changed``
(connected in ``PublicationsConfig.ready``; they are sent after commit by imports, curation,
follows, claims and owner edits), and the graph recompute, after commit, for the records whose
counters or scores it rewrote (it receives those signals itself, so it calls :func:`invalidate`
rather than sending them).
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from rest_framework.request import Request

PAGE_TTL = 60  # seconds
_META_TTL = 24 * 3600

T = TypeVar("T")


def _id_key(slug: str) -> str:
    return f"profile-page-id:{slug}"


def _gen_key(author_id: int) -> str:
    return f"profile-page-gen:{author_id}"


def _page_key(slug: str, page: str, author_id: int, generation: str) -> str:
    return f"profile-page:{slug}:{page}:{author_id}:{generation}"


def author_id(*, slug: str) -> int | None:
    """The record id last served under this slug, if the cache remembers it (1 cache read)."""
    return cache.get(_id_key(slug))


def remember(*, slug: str, author_id: int) -> None:
    cache.set(_id_key(slug), author_id, _META_TTL)


def generation(*, author_id: int) -> str:
    """The record's current generation token, created if missing. Read it BEFORE reading the data
    the page shows and store the page under it: a change committed in between deletes the token,
    so the page stored under it is never served."""
    key = _gen_key(author_id)
    token = cache.get(key)
    if token is None:
        cache.add(key, uuid.uuid4().hex, _META_TTL)
        token = cache.get(key)
    return token


def get(*, slug: str, page: str, author_id: int, generation: str) -> bytes | None:
    return cache.get(_page_key(slug, page, author_id, generation))


def put(*, slug: str, page: str, author_id: int, generation: str, content: bytes) -> None:
    cache.set(_page_key(slug, page, author_id, generation), content, PAGE_TTL)


def invalidate(author_ids: Iterable[int]) -> None:
    """Invalidate every cached page of these records, and the catalogue pages and API answers
    (which show them; also when no record is named: a hidden work without authors). Safe to
    call twice."""
    cache.delete_many([*(_gen_key(pk) for pk in author_ids), _CATALOGUE_GEN_KEY])


def on_author_records_changed(sender, author_ids=(), **kwargs) -> None:
    """The receiver of the "author records changed" signals."""
    invalidate(author_ids)


# --- Catalogue pages -----------------------------------------------------------------------------
# The work page (and its full author list), the home page, topic pages and search results show
# the catalogue, not one record: they share one generation token, deleted by the same
# invalidation as the records' tokens (imports, curation, hides, claims, owner edits, changed
# counters), so any such change drops them all. Same protocol as the profile: read the token
# before the data, store under it. Signed-in users get the same page with their own header
# (bzpeer/personal.py); with a flash message to show, the page's content comes from a template
# fragment keyed the same way (the page's `{% cache %}` block).

SEARCH_TTL = 30  # seconds: results of a query, kept briefly (popular queries, paging back)
_CATALOGUE_GEN_KEY = "catalogue-page-gen"


def catalogue_generation() -> str:
    """The catalogue pages' generation token, created if missing (1 cache read)."""
    token = cache.get(_CATALOGUE_GEN_KEY)
    if token is None:
        cache.add(_CATALOGUE_GEN_KEY, uuid.uuid4().hex, _META_TTL)
        token = cache.get(_CATALOGUE_GEN_KEY)
    return token


def catalogue_key(kind: str, parts: Iterable[object], generation: str) -> str:
    """The key of one catalogue page: its kind, its normalised parameters (hashed: search
    queries are user text) and the generation token."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]
    return f"catalogue-page:{kind}:{digest}:{generation}"


def catalogue_get(key: str):
    return cache.get(key)


def catalogue_put(key: str, content, ttl: int = PAGE_TTL) -> None:
    cache.set(key, content, ttl)


# --- Read API answers ----------------------------------------------------------------------------
# The public read endpoints answer the same JSON to every client: anonymous or signed in, owner of
# a hidden record, curator or staff (hidden records are 404/410 and hidden authors' lines null
# for everybody; no field depends on who asks). So one copy serves every client until the
# catalogue changes (the catalogue pages' generation token) or PAGE_TTL passes. Keyed by the
# site's address, the path and the sorted query parameters, never by anything of the client.
#
# What keeps one client's answer from another: the answer is always computed as an anonymous
# visitor (the handler runs with request.user set to AnonymousUser, the signed-in client's miss
# included), so nothing of a signed-in user can be stored; only GET (and HEAD) reach the
# decorated handler, and only 200 JSON answers are stored, with their ETag and Cache-Control and
# no other header (no cookie). Authentication, permissions and throttles still run on every
# request before the handler (DRF's `initial`): a bad token is still a 401, each client's
# throttle still counts every request at its own rate. Other formats (the browsable API) are
# never cached. A hit answers conditional GETs from the stored ETag.

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


def _as_anonymous(request: Request, answer: Callable[[], T]) -> T:
    """Run the handler as an anonymous client would: the answer stored for everybody."""
    user = request.user
    request.user = AnonymousUser()  # DRF's setter also sets the Django request's user
    try:
        return answer()
    finally:
        request.user = user


def cached_for_visitors(kind: str) -> Callable:
    """Decorate a public DRF view's `get` whose answer holds nothing per client: every client,
    signed in or not, gets the anonymous JSON answer, from the cache when it can."""

    def decorate(method: Callable) -> Callable:
        @functools.wraps(method)
        def get(view, request: Request, *args, **kwargs):
            renderer = getattr(request, "accepted_renderer", None)
            if (
                request.method not in ("GET", "HEAD")
                or renderer is None
                or renderer.format != "json"
            ):
                return method(view, request, *args, **kwargs)
            generation = catalogue_generation()  # before the data
            params = sorted((k, tuple(v)) for k, v in request.query_params.lists())
            # The site's own address too: answers hold absolute links (pagination).
            where = (request.build_absolute_uri("/"), request.path, params)
            key = catalogue_key(f"api-{kind}", where, generation)
            hit = catalogue_get(key)
            if hit is not None:
                return _answer(request, *hit)
            response = _as_anonymous(request, lambda: method(view, request, *args, **kwargs))
            if response.status_code != 200 or not hasattr(response, "data"):
                return response
            content_type = renderer.media_type
            content = renderer.render(
                response.data,
                content_type,
                {"request": request, "response": response, "view": view},
            )
            headers = {name: response[name] for name in _KEPT_HEADERS if response.has_header(name)}
            catalogue_put(key, (content, content_type, headers))
            return _answer(request, content, content_type, headers)

        return get

    return decorate
