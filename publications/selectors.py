"""Reads behind the publication pages. Each selector states its query budget."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from publications.models import Authorship, Topic, Work, WorkTopic, WorkVersion


def work_get(*, arxiv_id: str) -> Work:
    """The work with its authors in order, versions and topics. 4 queries (work, authorships,
    versions, topics). Raises Http404 for an unknown or hidden id."""
    arxiv_id = arxiv_id.strip()
    queryset = Work.objects.visible().select_related("primary_topic").prefetch_related(
        Prefetch(
            "authorships",
            queryset=Authorship.objects.select_related("author", "institution").order_by("position"),
            to_attr="ordered_authorships",
        ),
        Prefetch("versions", queryset=WorkVersion.objects.order_by("number"), to_attr="version_list"),
        Prefetch("topics", to_attr="topic_list"),
    )
    try:
        return queryset.get(arxiv_id=arxiv_id)
    except Work.DoesNotExist:
        raise Http404(f"No work with arXiv id {arxiv_id!r}.") from None


def author_works_page(*, author_id: int, page: int | str = 1, per_page: int = 20) -> Page:
    """An author record's visible works, newest first, one page, each with its authors in order.
    3 queries (count, the page of works, the authorships of those works)."""
    works = (
        Work.objects.visible()
        .filter(authorships__author_id=author_id)
        .select_related("primary_topic")
        .order_by("-first_submitted", "-id")
        .prefetch_related(
            Prefetch(
                "authorships",
                queryset=Authorship.objects.select_related("author").order_by("position"),
                to_attr="ordered_authorships",
            )
        )
        .distinct()
    )
    return Paginator(works, per_page).get_page(page)


# Lists show the first authors of each work; the work's page (and API detail) shows them all.
LISTED_AUTHORS = 10


def _listed_works(works: QuerySet[Work]) -> QuerySet[Work]:
    return works.select_related("primary_topic").prefetch_related(
        Prefetch(
            "authorships",
            queryset=Authorship.objects.filter(position__lte=LISTED_AUTHORS)
            .select_related("author")
            .order_by("position"),
            to_attr="first_authorships",
        )
    )


def work_list(
    *,
    category: str | None = None,
    submitted_from: dt.date | None = None,
    submitted_to: dt.date | None = None,
    author_slug: str | None = None,
) -> QuerySet[Work]:
    """Visible works, filtered by arXiv category (primary or cross-list), v1 date range
    (inclusive, UTC) and author record; each with its first LISTED_AUTHORS authors in order.
    The caller orders and slices. 2 queries per page (works with topics joined, authorships)."""
    works = Work.objects.visible()
    if category:
        works = works.filter(
            id__in=WorkTopic.objects.filter(topic__code=category).values("work_id")
        )
    if submitted_from:
        works = works.filter(first_submitted__gte=_start_of(submitted_from))
    if submitted_to and submitted_to < dt.date.max:
        works = works.filter(first_submitted__lt=_start_of(submitted_to + dt.timedelta(days=1)))
    if author_slug:
        works = works.filter(
            id__in=Authorship.objects.filter(author__slug=author_slug).values("work_id")
        )
    return _listed_works(works)


def author_works(*, author_id: int) -> QuerySet[Work]:
    """An author record's visible works, each with its first LISTED_AUTHORS authors in order.
    The caller orders and slices. 2 queries per page."""
    return _listed_works(
        Work.objects.visible().filter(
            id__in=Authorship.objects.filter(author_id=author_id).values("work_id")
        )
    )


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def topic_list() -> QuerySet[Topic]:
    """Every arXiv category known here, by code. 1 query per page."""
    return Topic.objects.all()


def topic_get(*, code: str) -> Topic:
    """One category by its code (``astro-ph.GA``). 1 query. Raises Http404 when unknown."""
    try:
        return Topic.objects.get(code=code)
    except Topic.DoesNotExist:
        raise Http404(f"No topic {code!r}.") from None
