"""Fixtures for the public pages: real arXiv records, and stored counters computed the way
DESIGN.md defines them (the graph recompute sets them in production; these tests need them set)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db.models import Count

from publications.models import Author, Authorship, Work
from publications.services import import_path
from tests.conftest import ARXIV
from tests.factories import save_computed


def store_counters(author: Author) -> Author:
    """works, topics and close collaborators of one record, per DESIGN.md "Counts shown"."""
    works = Work.objects.visible().filter(authorships__author=author).distinct()
    small = works.filter(authors_count__lte=25).values("pk")
    close = (
        Authorship.objects.filter(work__in=small)
        .exclude(author=author)
        .values("author_id")
        .annotate(n=Count("work_id", distinct=True))
        .filter(n__gte=2)
        .count()
    )
    years = sorted(w.first_submitted.year for w in works if w.first_submitted)
    author.works_count = works.count()
    author.topics_count = works.values("primary_topic").distinct().count()
    author.close_collaborators_count = close
    author.followers_count = author.follows.count()
    author.first_year = years[0] if years else None
    author.last_year = years[-1] if years else None
    save_computed(author)
    return author


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def imported(db):
    import_path(ARXIV / "oai" / "arXivRaw" / "ListRecordsResponse.xml")
    import_path(ARXIV / "abs-current-30.jsonl")
    for author in Author.objects.all():
        store_counters(author)
