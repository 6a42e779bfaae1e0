"""A real Celery worker on the real Redis: an import enqueues the incremental recompute."""

from __future__ import annotations

import threading
import time

import pytest

from graph import services
from publications.models import Author
from publications.services import import_path
from tests.conftest import ARXIV
from tests.test_celery_worker import redis_worker  # noqa: F401  (fixture)

COAUTHORS = ARXIV / "astro-ph-coauthors.jsonl"


def wait_for(predicate, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting for the recompute")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_an_import_triggers_the_recompute_and_the_profile_shows_the_counts(redis_worker, client):  # noqa: F811
    from publications.tasks import import_file

    result = import_file.delay(str(COAUTHORS))
    assert result.get(timeout=60)["created"] == 16

    def scored() -> bool:
        return Author.objects.filter(slug="joel-smoller", scored_at__isnull=False).exists()

    wait_for(scored)  # the worker runs recompute_authors after the import task committed
    html = client.get("/authors/joel-smoller/").content.decode()
    assert "6 works · 0 followers · 4 topics · 2 close collaborators" in html
    assert "2 close collaborators, 0 verified" in html
    assert "May combine several researchers" in html
    myung = Author.objects.get(slug="yun-soo-myung")
    assert myung.close_collaborators_count == 4 and myung.scored_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_recompute_running_during_an_import_leaves_consistent_values():
    """A full recompute races an import (tasks inline: the import's own recompute runs when it
    commits). Afterwards every stored value is what a fresh recompute computes."""
    import_path(ARXIV / "abs-current-30.jsonl")
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def recompute() -> None:
        from django.db import connection

        try:
            start.wait()
            for _ in range(3):
                services.recompute_all()
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=recompute)
    thread.start()
    start.wait()
    import_path(COAUTHORS, batch_size=4)
    thread.join(60)
    assert not errors
    assert Author.objects.get(slug="joel-smoller").scored_at is not None
    assert services.recompute_all().changed == 0
