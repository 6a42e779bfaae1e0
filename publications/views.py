"""Publication, topic, home and search pages and the exports: parse input, call the page's
selector, render or stream.

Each page holds nothing per visitor but its header, so anonymous visitors get it whole from the
catalogue page cache, and signed-in users get the same stored page with their own header
(bzpeer/page_cache.py, bzpeer/personal.py)."""

import re
from collections.abc import Callable, Collection
from typing import cast
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from bzpeer import page_cache, personal
from profiles.views.profile import author_gone
from publications import exports, pages, selectors
from publications.selectors import author_get, page_number

MAX_QUERY_LENGTH = 200
# The visitor's own record on a work page: `?author=<slug>` (profiles link works so), or the
# profile page they came from.
_AUTHOR_SLUG = re.compile(r"^[-\w]{1,320}$")
_PROFILE_PATH = re.compile(r"^/authors/([-\w]{1,320})/$")


def _anonymous_cacheable(request: HttpRequest, params: Collection[str]) -> bool:
    """Anonymous GET with only the page's own parameters and no flash message to show: the same
    HTML for every such visitor."""
    return (
        request.method == "GET"
        and not request.user.is_authenticated
        and set(request.GET) <= set(params)
        and not len(messages.get_messages(request))
    )


def _catalogue_page(
    request: HttpRequest,
    kind: str,
    parts: tuple,
    params: Collection[str],
    build: Callable[[str, int], HttpResponse],
    *,
    ttl: int = page_cache.PAGE_TTL,
    generation: str | None = None,
) -> HttpResponse:
    """Serve a catalogue page: whole from the cache for anonymous visitors (no query), else
    built by `build(fragment_key, fragment_ttl)`, whose template caches its content under that
    key. `parts` are the page's normalised parameters."""
    generation = generation or page_cache.catalogue_generation()  # read before the data
    key = page_cache.catalogue_key(kind, parts, generation)
    cached = _cached_page(request, key, params)
    if cached is not None:
        return cached
    if _anonymous_cacheable(request, params):
        response = build(key, ttl)
        if response.status_code == 200:
            page_cache.catalogue_put(key, response.content, ttl)
        return response
    if request.user.is_authenticated and personal.shareable(request, params):
        # Render the page everybody shares once, store it, and fill in this visitor's parts.
        response = personal.as_anonymous(request, lambda: build(key, ttl))
        if response.status_code == 200:
            page_cache.catalogue_put(key, response.content, ttl)
            mine = personal.for_visitor(request, response.content)
            if mine is not None:
                return mine
    return build(key, ttl)


def _cached_page(request: HttpRequest, key: str, params: Collection[str]) -> HttpResponse | None:
    """The stored page under `key` for this visitor: whole for anonymous visitors (no query),
    with their own header for signed-in ones (bzpeer/personal.py); None on a miss."""
    if not personal.shareable(request, params):
        return None
    content = page_cache.catalogue_get(key)
    if content is None:
        return None
    if not request.user.is_authenticated:
        return HttpResponse(content)
    return personal.for_visitor(request, content)


def _context_author_slug(request: HttpRequest) -> str | None:
    """The record the visitor came from: `?author=<slug>`, else a profile page of this site in
    the Referer."""
    slug = request.GET.get("author", "")
    if _AUTHOR_SLUG.match(slug):
        return slug
    referer = urlsplit(request.headers.get("Referer", ""))
    if referer.netloc and referer.netloc == request.get_host():
        match = _PROFILE_PATH.match(referer.path)
        if match:
            return match.group(1)
    return None


def _canonical(request: HttpRequest, url: str) -> HttpResponse:
    """301 to the canonical page, keeping the query string."""
    query = request.META.get("QUERY_STRING", "")
    return redirect(f"{url}?{query}" if query else url, permanent=True)


def work_version(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    return _canonical(
        request,
        reverse("publications:work", kwargs={"arxiv_id": selectors.canonical_arxiv_id(arxiv_id)}),
    )


def work_detail(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    canonical = selectors.canonical_arxiv_id(arxiv_id)
    if canonical != arxiv_id:
        return _canonical(request, reverse("publications:work", kwargs={"arxiv_id": canonical}))
    slug = _context_author_slug(request)
    if not slug:
        return _catalogue_page(
            request,
            "work",
            (arxiv_id, None),
            {"author"},
            lambda key, ttl: _render_work(request, pages.work_page(arxiv_id=arxiv_id), key, ttl),
        )
    generation = page_cache.catalogue_generation()
    cached = _cached_page(
        request, page_cache.catalogue_key("work", (arxiv_id, slug), generation), {"author"}
    )
    if cached is not None:
        return cached
    page = pages.work_page(arxiv_id=arxiv_id, author_slug=slug)
    # Only a record the page shows apart gets its own entry; any other slug is the plain page.
    context = slug if page.context_position is not None else None
    return _catalogue_page(
        request,
        "work",
        (arxiv_id, context),
        {"author"},
        lambda key, ttl: _render_work(request, page, key, ttl),
        generation=generation,
    )


def _render_work(request: HttpRequest, page: pages.WorkPage, key: str, ttl: int) -> HttpResponse:
    return render(
        request,
        "publications/work_detail.html",
        {"work": page.work, "page": page, "fragment_key": key, "fragment_ttl": ttl},
    )


def work_authors(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    def build(key: str, ttl: int) -> HttpResponse:
        page = pages.work_authors_page(arxiv_id=arxiv_id)
        return render(
            request,
            "publications/work_authors.html",
            {"work": page.work, "page": page, "fragment_key": key, "fragment_ttl": ttl},
        )

    return _catalogue_page(request, "work-authors", (arxiv_id,), (), build)


def topic_detail(request: HttpRequest, code: str) -> HttpResponse:
    number = page_number(request.GET.get("page", 1))

    def build(key: str, ttl: int) -> HttpResponse:
        page = pages.topic_page(code=code, page=number)
        return render(
            request,
            "publications/topic_detail.html",
            {
                "topic": page.topic,
                "works": page.works,
                "page": page,
                "fragment_key": key,
                "fragment_ttl": ttl,
            },
        )

    try:
        return _catalogue_page(request, "topic", (code, number), {"page"}, build)
    except Http404:
        canonical = selectors.topic_canonical_code(code=code)
        if canonical is None or canonical == code:
            raise
        return _canonical(request, reverse("publications:topic", kwargs={"code": canonical}))


def home(request: HttpRequest) -> HttpResponse:
    def build(key: str, ttl: int) -> HttpResponse:
        page = pages.home_page()
        return render(
            request,
            "publications/home.html",
            {
                "recent": page.recent,
                "topic_groups": page.topic_groups,
                "hide_header_search": True,
                "fragment_key": key,
                "fragment_ttl": ttl,
            },
        )

    return _catalogue_page(request, "home", (), (), build)


def search(request: HttpRequest) -> HttpResponse:
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY_LENGTH]
    number, author_number = (page_number(request.GET.get(p, 1)) for p in ("page", "apage"))

    def build(key: str, ttl: int) -> HttpResponse:
        page = pages.search_page(query=query, page=number, author_page=author_number)
        return render(
            request,
            "publications/search.html",
            {
                "query": page.query,
                "page": page,
                "hide_header_search": True,
                "fragment_key": key,
                "fragment_ttl": ttl,
            },
        )

    return _catalogue_page(
        request,
        "search",
        (query, number, author_number),
        {"q", "page", "apage"},
        build,
        ttl=page_cache.SEARCH_TTL,
    )


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> FileResponse:
    """/favicon.ico, which browsers and feed readers ask for whatever the page links."""
    # The file ships with the app (bzpeer/static): find() returns its path, never None here.
    path = cast(str, finders.find("bzpeer/favicon.ico"))
    return FileResponse(open(path, "rb"), content_type="image/x-icon")


# --- Exports: BibTeX, RIS, CSV; the conflict-of-interest list -------------------------------------

_FORMATS = {
    "bib": ("application/x-bibtex; charset=utf-8", exports.bibtex),
    "ris": ("application/x-research-info-systems; charset=utf-8", exports.ris),
    "csv": ("text/csv; charset=utf-8", exports.works_csv),
}


def _download(chunks, *, fmt: str, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=_FORMATS[fmt][0])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def _filename(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.\-]+", "_", text).strip("_") or "works"


def _hidden_from(request: HttpRequest, author) -> bool:
    """A record its owner hid answers 410 to everyone but the owner (who may still take their
    data out)."""
    return author.hidden and not (
        request.user.is_authenticated and author.claimed_by_id == request.user.pk
    )


def work_export(request: HttpRequest, arxiv_id: str, fmt: str) -> HttpResponseBase:
    """One work as BibTeX or RIS (1 query)."""
    work = selectors.work_for_export(arxiv_id=arxiv_id)
    return _download(_FORMATS[fmt][1]([work]), fmt=fmt, filename=f"arXiv-{_filename(arxiv_id)}")


def author_works_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponseBase:
    """Every visible work of a record (not only the profile's first page), streamed: the record,
    then one query read through a server-side cursor, whatever the number of works."""
    author = author_get(slug=slug)
    if author.merged_into is not None:  # no query when merged_into_id is None
        return redirect(
            reverse(f"publications:author-works-{fmt}", kwargs={"slug": author.merged_into.slug}),
            permanent=True,
        )
    if _hidden_from(request, author):
        return author_gone(request, author)
    works = selectors.author_works_for_export(author_id=author.pk).iterator(chunk_size=500)
    return _download(_FORMATS[fmt][1](works), fmt=fmt, filename=f"{_filename(slug)}-works")


def search_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The works of one search results page (?q=&page=, as /search/ shows them). 2 queries."""
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY_LENGTH]
    if not query:
        return HttpResponseBadRequest("Say what to search for: ?q=words", content_type="text/plain")
    works = selectors.search_works_for_export(
        query=query, page=request.GET.get("page", 1), per_page=pages.SEARCH_WORKS_PER_PAGE
    )
    return _download(_FORMATS[fmt][1](works), fmt=fmt, filename=f"search-{_filename(query)[:60]}")


def _coauthor_years(request: HttpRequest) -> int:
    raw = request.GET.get("years", str(selectors.COAUTHOR_YEARS_DEFAULT))
    if not raw.isdigit() or not 1 <= int(raw) <= selectors.COAUTHOR_YEARS_MAX:
        raise ValueError(f"years must be a whole number from 1 to {selectors.COAUTHOR_YEARS_MAX}.")
    return int(raw)


def author_coauthors(request: HttpRequest, slug: str, fmt: str = "html") -> HttpResponseBase:
    """The conflict-of-interest list: co-authors of the last ?years=N years (default 3) with
    their shared works, as a page or CSV. 4 queries (the record, then author_coauthors)."""
    try:
        years = _coauthor_years(request)
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    author = author_get(slug=slug)
    if author.merged_into is not None:  # no query when merged_into_id is None
        name = "publications:author-coauthors" + ("-csv" if fmt == "csv" else "")
        url = reverse(name, kwargs={"slug": author.merged_into.slug})
        return redirect(f"{url}?years={years}", permanent=True)
    if _hidden_from(request, author):
        return author_gone(request, author)
    listing = selectors.author_coauthors(
        author_id=author.pk, years=years, today=timezone.now().date()
    )
    if fmt == "csv":
        rows = (
            (
                c.author.display_name,
                "" if c.author.hidden else request.build_absolute_uri(c.author.get_absolute_url()),
                len(c.works),
                c.last_year or "",
                " ".join(w.arxiv_id for w in c.works),
                " | ".join(w.title for w in c.works),
            )
            for c in listing.coauthors
        )
        header = ("coauthor", "profile", "shared_works", "last_shared_year", "arxiv_ids", "titles")
        return _download(
            exports.csv_rows(header, rows),
            fmt="csv",
            filename=f"{_filename(slug)}-coauthors-{years}y",
        )
    return render(
        request,
        "publications/coauthors.html",
        {
            "author": author,
            "listing": listing,
            "years": years,
            "limit": selectors.COAUTHORS_LIMIT,
            "max_years": selectors.COAUTHOR_YEARS_MAX,
        },
    )
