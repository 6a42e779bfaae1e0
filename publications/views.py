"""Publication, topic, home and search pages: parse input, call selectors, render."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from profiles.selectors import authors_search
from publications import selectors

SEARCH_AUTHORS_PER_PAGE = 10
SEARCH_WORKS_PER_PAGE = 20
MAX_QUERY_LENGTH = 200


def work_detail(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """8 queries for any number of authors: the work, its authorships, versions, topics, and two
    lists of related works with their first authors."""
    work = selectors.work_get(arxiv_id=arxiv_id)
    affiliations: list[str] = []
    for authorship in work.ordered_authorships:
        if authorship.printed_affiliation and authorship.printed_affiliation not in affiliations:
            affiliations.append(authorship.printed_affiliation)
        authorship.affiliation_number = (
            affiliations.index(authorship.printed_affiliation) + 1
            if authorship.printed_affiliation else None
        )
    related = selectors.work_related(work=work)
    return render(request, "publications/work_detail.html",
                  {"work": work, "affiliations": affiliations, "related": related})


def topic_detail(request: HttpRequest, code: str) -> HttpResponse:
    """5 queries: the topic, a page of recent works (2), the most prolific records (2, cached)."""
    topic = selectors.topic_get(code=code)
    works = selectors.topic_works_page(topic=topic, page=request.GET.get("page", 1))
    authors = selectors.topic_prolific_authors(topic=topic)
    return render(request, "publications/topic_detail.html",
                  {"topic": topic, "works": works, "authors": authors})


def home(request: HttpRequest) -> HttpResponse:
    """3 queries: recent works (2) and topics with their counts (cached)."""
    return render(request, "publications/home.html", {
        "hide_header_search": True,
        "recent": selectors.recent_works(limit=10),
        "topics": selectors.topics_with_counts(),
    })


def search(request: HttpRequest) -> HttpResponse:
    """Author records by name (trigram) and works by title/abstract (full text). 4 queries with a
    query (records, works count, page, first authors), none without."""
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY_LENGTH]
    context: dict = {"query": query, "hide_header_search": True}
    if query:
        author_page = selectors.page_number(request.GET.get("apage", 1))
        authors, more_authors = authors_search(
            query=query, offset=(author_page - 1) * SEARCH_AUTHORS_PER_PAGE,
            limit=SEARCH_AUTHORS_PER_PAGE,
        )
        context.update(
            authors=authors, author_page=author_page, more_authors=more_authors,
            works=selectors.works_search(query=query, page=request.GET.get("page", 1),
                                         per_page=SEARCH_WORKS_PER_PAGE),
        )
    return render(request, "publications/search.html", context)
