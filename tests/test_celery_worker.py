"""A real Celery worker on the real Redis runs an import task."""

from __future__ import annotations

import os
import time

import pytest
import redis
from celery.contrib.testing.worker import start_worker

from bzpeer.celery import app
from publications.models import ImportRun, Work
from tests.conftest import ARXIV

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


def redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def _forget_backend() -> None:
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@pytest.fixture
def redis_worker():
    if not redis_available():
        if os.environ.get("REDIS_URL"):
            pytest.fail(f"REDIS_URL={REDIS_URL} is set but Redis does not answer")
        pytest.skip("no Redis on 127.0.0.1:6379 and no REDIS_URL")
    saved = {k: app.conf[k] for k in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=REDIS_URL, result_backend=REDIS_URL, task_always_eager=False)
    _forget_cached_backend()
    try:
        with start_worker(
            app,
            pool="solo",
            perform_ping_check=False,
            shutdown_timeout=10,
            queues=["celery", "arxiv"],
        ):
            yield
    finally:
        app.conf.update(saved)
        _forget_cached_backend()


def _forget_cached_backend() -> None:
    """Celery caches the result backend and the broker connection pool on first use (in-memory
    ones when an earlier test ran tasks without Redis): drop them so the ones configured here
    are used."""
    app._local.__dict__.pop("backend", None)
    app._pool = None  # kombu keeps the pools themselves, one per broker URL
    app.amqp._producer_pool = None


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_worker_runs_an_import_task(redis_worker):
    from publications.tasks import import_file

    import_file.delay(str(ARXIV / "oai" / "arXivRaw" / "ListRecordsResponse.xml"))
    # Wait for the worker's effect in the database (the result backend is not needed for that).
    deadline = time.monotonic() + 60
    while not ImportRun.objects.filter(status=ImportRun.Status.FINISHED).exists():
        assert time.monotonic() < deadline, "the worker did not finish the import within 60 s"
        time.sleep(0.2)
    run = ImportRun.objects.get()
    assert (run.records_seen, run.records_created) == (6, 6)
    assert Work.objects.count() == 6
