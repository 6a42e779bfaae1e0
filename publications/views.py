"""Publication, topic, home and search pages: parse input, call the page's selector, render."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from publications import pages, selectors

MAX_QUERY_LENGTH = 200


def _canonical(request: HttpRequest, url: str) -> HttpResponse:
    """301 to the canonical page, keeping the query string."""
    query = request.META.get("QUERY_STRING", "")
    return redirect(f"{url}?{query}" if query else url, permanent=True)


def work_version(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    return _canonical(request, reverse("publications:work",
                                       kwargs={"arxiv_id": selectors.canonical_arxiv_id(arxiv_id)}))


def work_detail(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    canonical = selectors.canonical_arxiv_id(arxiv_id)
    if canonical != arxiv_id:
        return _canonical(request, reverse("publications:work", kwargs={"arxiv_id": canonical}))
    page = pages.work_page(arxiv_id=arxiv_id)
    return render(request, "publications/work_detail.html",
                  {"work": page.work, "affiliations": page.affiliations, "related": page.related})


def topic_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        page = pages.topic_page(code=code, page=request.GET.get("page", 1))
    except Http404:
        canonical = selectors.topic_canonical_code(code=code)
        if canonical is None or canonical == code:
            raise
        return _canonical(request, reverse("publications:topic", kwargs={"code": canonical}))
    return render(request, "publications/topic_detail.html",
                  {"topic": page.topic, "works": page.works, "authors": page.authors})


def home(request: HttpRequest) -> HttpResponse:
    page = pages.home_page()
    return render(request, "publications/home.html",
                  {"recent": page.recent, "topics": page.topics, "hide_header_search": True})


def search(request: HttpRequest) -> HttpResponse:
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY_LENGTH]
    page = pages.search_page(query=query, page=request.GET.get("page", 1),
                             author_page=request.GET.get("apage", 1))
    return render(request, "publications/search.html", {
        "query": page.query, "authors": page.authors, "author_page": page.author_page,
        "more_authors": page.more_authors, "works": page.works, "hide_header_search": True,
    })
