"""Publication, topic, home and search pages: parse input, call the page's selector, render."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

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
                  {"recent": page.recent, "topics": page.topics, "hide_header_search": True})


def search(request: HttpRequest) -> HttpResponse:
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY_LENGTH]
    page = pages.search_page(query=query, page=request.GET.get("page", 1),
                             author_page=request.GET.get("apage", 1))
    return render(request, "publications/search.html", {
        "query": page.query, "authors": page.authors, "author_page": page.author_page,
        "more_authors": page.more_authors, "works": page.works, "hide_header_search": True,
    })
