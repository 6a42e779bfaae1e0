"""Shared fixtures. Tests run on real PostgreSQL (embedded, or DATABASE_URL) and never the network."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
ARXIV = DATA / "arxiv"
SHARED_ARXIV = Path(__file__).resolve().parents[2] / "shared" / "data" / "arxiv"


@pytest.fixture(autouse=True)
def _celery_inline():
    """Tasks run inline in tests unless a test starts a real worker (see tests/test_celery_worker.py).

    Each test also starts as a fresh process would, allowed to wait for a task's result: Celery
    marks "inside a task" in one process-wide flag, which two threads running inline tasks at
    once (a test of a curator's merge during an import) can leave set after both end."""
    from celery.result import allow_join_result

    from bzpeer.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    with allow_join_result():
        yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (cached fragments and aggregates change query counts)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def arxiv_data() -> Path:
    return ARXIV
