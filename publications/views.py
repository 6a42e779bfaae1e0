"""Publication, topic, home and search pages: parse input, call the page's selector, render."""

from django.contrib.staticfiles import finders
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from publications import pages

MAX_QUERY_LENGTH = 200


def work_detail(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    page = pages.work_page(arxiv_id=arxiv_id)
    return render(request, "publications/work_detail.html",
                  {"work": page.work, "affiliations": page.affiliations, "related": page.related})


def topic_detail(request: HttpRequest, code: str) -> HttpResponse:
    page = pages.topic_page(code=code, page=request.GET.get("page", 1))
    return render(request, "publications/topic_detail.html",
                  {"topic": page.topic, "works": page.works, "authors": page.authors})


def home(request: HttpRequest) -> HttpResponse:
    page = pages.home_page()
    return render(request, "publications/home.html",
                  {"recent": page.recent, "topic_groups": page.topic_groups,
                   "hide_header_search": True})


def search(request: HttpRequest) -> HttpResponse:
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY_LENGTH]
    page = pages.search_page(query=query, page=request.GET.get("page", 1),
                             author_page=request.GET.get("apage", 1))
    return render(request, "publications/search.html", {
        "query": page.query, "authors": page.authors, "author_page": page.author_page,
        "more_authors": page.more_authors, "works": page.works, "hide_header_search": True,
    })


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> FileResponse:
    """/favicon.ico, which browsers and feed readers ask for whatever the page links."""
    return FileResponse(open(finders.find("bzpeer/favicon.ico"), "rb"), content_type="image/x-icon")
