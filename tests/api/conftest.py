"""Fixtures of the REST API tests: a DRF client, real imported arXiv records, fresh throttles."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from publications.services import import_path
from tests.conftest import ARXIV


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


def import_small() -> None:
    import_path(ARXIV / "abs-current-30.jsonl")


def import_more() -> None:
    """More works, authors, versions and cross-listed categories than import_small()."""
    import_path(ARXIV / "oai" / "arXivRaw" / "ListRecordsResponse.xml")
    import_path(ARXIV / "oai" / "arXiv" / "arxiv-physics-hep-th.xml")
    import_path(ARXIV / "oai" / "arXiv" / "arxiv-physics-hep-ex.xml")
    import_path(ARXIV / "snapshot-authors-sample.jsonl")
    import_path(ARXIV / "abs-older-versions.jsonl")


@pytest.fixture
def imported(db):
    import_small()
    import_more()
