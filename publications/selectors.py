"""Reads behind the publication pages. Each selector states its query budget."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch
from django.http import Http404

from publications.models import Authorship, Work, WorkVersion


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


def followed_works_page(*, user_id: int, page: int | str = 1, per_page: int = 20) -> Page:
    """Newest visible works of the records the user follows, each with its authors in order.
    3 queries (count, the page of works, the authorships of those works)."""
    from django.db.models import Exists, OuterRef

    followed = Authorship.objects.filter(work=OuterRef("pk"), author__follows__user_id=user_id)
    works = (
        Work.objects.visible()
        .filter(Exists(followed))
        .select_related("primary_topic")
        .order_by("-first_submitted", "-id")
        .prefetch_related(
            Prefetch(
                "authorships",
                queryset=Authorship.objects.select_related("author").order_by("position"),
                to_attr="ordered_authorships",
            )
        )
    )
    return Paginator(works, per_page).get_page(page)
