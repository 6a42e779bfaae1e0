"""Full-page cache of the researcher profile for anonymous visitors.

What: the rendered HTML of ``/authors/<slug>/?page=N`` for visitors who are not signed in and have
no flash message to show (signed-in users always get a fresh page: it shows their own follow,
claim and invitation state). The anonymous page holds nothing per visitor (no CSRF token), so one
copy serves everybody and a hit touches neither the database nor the template engine.

Keys: ``profile-page:<slug>:<page>:<author id>:<generation>``. The slug resolves to the record id
through ``profile-page-id:<slug>`` (remembered on the first anonymous view, which is not stored), and each record has a generation token
``profile-page-gen:<author id>``. Invalidation deletes the generation token of the changed records
(:func:`bump`), so every stored page of theirs stops matching; the next visitor renders the page
under a fresh token. A page rendered concurrently with a change is stored under the token it read
before rendering, which the change deleted, so it is never served. Pages also expire after
``PAGE_TTL`` seconds as a safety net for changes that send no signal.

Who bumps: receivers of ``publications.signals.authors_changed`` and
``profiles.signals.author_records_changed`` (connected in ``PublicationsConfig.ready``; they are
sent after commit by imports, curation, follows, claims and owner edits) and the graph recompute,
after commit, for the records whose counters or scores it rewrote.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.core.cache import cache

PAGE_TTL = 60  # seconds
_META_TTL = 24 * 3600


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


def bump(author_ids: Iterable[int]) -> None:
    """Invalidate every cached page of these records. Safe to call twice."""
    keys = [_gen_key(pk) for pk in author_ids]
    if keys:
        cache.delete_many(keys)


def on_records_changed(sender, author_ids=(), **kwargs) -> None:
    bump(author_ids)
