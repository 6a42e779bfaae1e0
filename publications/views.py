"""Publication, topic, home and search pages: parse input, call the page's selector, render.

Each page holds nothing per visitor but its header, so anonymous visitors get it whole from the
catalogue page cache, and signed-in users get its content from a template fragment under the
same key (publications/page_cache.py)."""

import re
from collections.abc import Callable, Collection
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from publications import page_cache, pages
from publications.selectors import page_number

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


def _catalogue_page(request: HttpRequest, kind: str, parts: tuple, params: Collection[str],
                    build: Callable[[str, int], HttpResponse], *,
                    ttl: int = page_cache.PAGE_TTL, generation: str | None = None) -> HttpResponse:
    """Serve a catalogue page: whole from the cache for anonymous visitors (no query), else
    built by `build(fragment_key, fragment_ttl)`, whose template caches its content under that
    key. `parts` are the page's normalised parameters."""
    generation = generation or page_cache.catalogue_generation()  # read before the data
    key = page_cache.catalogue_key(kind, parts, generation)
    anonymous = _anonymous_cacheable(request, params)
    if anonymous:
        content = page_cache.catalogue_get(key)
        if content is not None:
            return HttpResponse(content)
    response = build(key, ttl)
    if anonymous and response.status_code == 200:
        page_cache.catalogue_put(key, response.content, ttl)
    return response


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


def work_detail(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    slug = _context_author_slug(request)
    if not slug:
        return _catalogue_page(request, "work", (arxiv_id, None), {"author"}, lambda key, ttl: (
            _render_work(request, pages.work_page(arxiv_id=arxiv_id), key, ttl)))
    generation = page_cache.catalogue_generation()
    if _anonymous_cacheable(request, {"author"}):
        content = page_cache.catalogue_get(
            page_cache.catalogue_key("work", (arxiv_id, slug), generation))
        if content is not None:
            return HttpResponse(content)
    page = pages.work_page(arxiv_id=arxiv_id, author_slug=slug)
    # Only a record the page shows apart gets its own entry; any other slug is the plain page.
    context = slug if page.context_position is not None else None
    return _catalogue_page(request, "work", (arxiv_id, context), {"author"},
                           lambda key, ttl: _render_work(request, page, key, ttl),
                           generation=generation)


def _render_work(request: HttpRequest, page: pages.WorkPage, key: str, ttl: int) -> HttpResponse:
    return render(request, "publications/work_detail.html",
                  {"work": page.work, "page": page, "fragment_key": key, "fragment_ttl": ttl})


def work_authors(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    def build(key: str, ttl: int) -> HttpResponse:
        page = pages.work_authors_page(arxiv_id=arxiv_id)
        return render(request, "publications/work_authors.html",
                      {"work": page.work, "page": page, "fragment_key": key, "fragment_ttl": ttl})

    return _catalogue_page(request, "work-authors", (arxiv_id,), (), build)


def topic_detail(request: HttpRequest, code: str) -> HttpResponse:
    number = page_number(request.GET.get("page", 1))

    def build(key: str, ttl: int) -> HttpResponse:
        page = pages.topic_page(code=code, page=number)
        return render(request, "publications/topic_detail.html", {
            "topic": page.topic, "works": page.works, "page": page,
            "fragment_key": key, "fragment_ttl": ttl,
        })

    return _catalogue_page(request, "topic", (code, number), {"page"}, build)


def home(request: HttpRequest) -> HttpResponse:
    def build(key: str, ttl: int) -> HttpResponse:
        page = pages.home_page()
        return render(request, "publications/home.html", {
            "recent": page.recent, "topic_groups": page.topic_groups, "hide_header_search": True,
            "fragment_key": key, "fragment_ttl": ttl,
        })

    return _catalogue_page(request, "home", (), (), build)


def search(request: HttpRequest) -> HttpResponse:
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY_LENGTH]
    number, author_number = (page_number(request.GET.get(p, 1)) for p in ("page", "apage"))

    def build(key: str, ttl: int) -> HttpResponse:
        page = pages.search_page(query=query, page=number, author_page=author_number)
        return render(request, "publications/search.html", {
            "query": page.query, "page": page, "hide_header_search": True,
            "fragment_key": key, "fragment_ttl": ttl,
        })

    return _catalogue_page(request, "search", (query, number, author_number),
                           {"q", "page", "apage"}, build, ttl=page_cache.SEARCH_TTL)


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> FileResponse:
    """/favicon.ico, which browsers and feed readers ask for whatever the page links."""
    return FileResponse(open(finders.find("bzpeer/favicon.ico"), "rb"), content_type="image/x-icon")
