"""Publication, topic, home and search pages and the exports: parse input, call the page's
selector, render or stream."""

import re

from django.http import (
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

from profiles.selectors import author_get
from publications import exports, pages, selectors

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


def work_export(request: HttpRequest, arxiv_id: str, fmt: str) -> HttpResponseBase:
    """One work as BibTeX or RIS (1 query)."""
    work = selectors.work_for_export(arxiv_id=arxiv_id)
    return _download(_FORMATS[fmt][1]([work]), fmt=fmt, filename=f"arXiv-{_filename(arxiv_id)}")


def author_works_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponseBase:
    """Every visible work of a record (not only the profile's first page), streamed: the record,
    then one query read through a server-side cursor, whatever the number of works."""
    author = author_get(slug=slug)
    if author.merged_into is not None:  # no query when merged_into_id is None
        return redirect(reverse(f"publications:author-works-{fmt}",
                                kwargs={"slug": author.merged_into.slug}), permanent=True)
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
        raise ValueError(
            f"years must be a whole number from 1 to {selectors.COAUTHOR_YEARS_MAX}."
        )
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
    listing = selectors.author_coauthors(author_id=author.pk, years=years,
                                         today=timezone.now().date())
    if fmt == "csv":
        rows = (
            (c.author.display_name, request.build_absolute_uri(c.author.get_absolute_url()),
             len(c.works), c.last_year or "", " ".join(w.arxiv_id for w in c.works),
             " | ".join(w.title for w in c.works))
            for c in listing.coauthors
        )
        header = ("coauthor", "profile", "shared_works", "last_shared_year", "arxiv_ids", "titles")
        return _download(exports.csv_rows(header, rows), fmt="csv",
                         filename=f"{_filename(slug)}-coauthors-{years}y")
    return render(request, "publications/coauthors.html", {
        "author": author, "listing": listing, "years": years,
        "limit": selectors.COAUTHORS_LIMIT, "max_years": selectors.COAUTHOR_YEARS_MAX,
    })
