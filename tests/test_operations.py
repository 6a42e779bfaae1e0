"""Operations under faults: liveness and readiness, the 503 page, a database that never answers,
Redis unreachable, and a worker killed in the middle of a task (a real Celery worker on Redis)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from profiles.models import Follow
from publications.models import Author, ImportRun, Work
from tests.factories import AuthorFactory, UserFactory
from tests.fakearxiv import FakeArxiv, arxiv_id, fixture_records

ROOT = Path(__file__).resolve().parents[1]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- liveness and readiness -----------------------------------------------------------------------


@pytest.mark.django_db
def test_readiness_checks_the_database_and_redis(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    expected_redis = "ok" if settings.REDIS_URL else "not configured"
    assert response.json() == {"status": "ready", "database": "ok", "redis": expected_redis}
    assert client.get("/livez").json() == {"status": "ok"}


@pytest.mark.django_db
def test_readiness_says_redis_is_down_without_details(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "redis": "unavailable"}
    assert "127.0.0.1" not in response.content.decode()


OUTAGE_SCRIPT = r"""
import json, django
django.setup()
from django.test import Client
c = Client(raise_request_exception=False)
out = {}
for path in ["/healthz", "/livez", "/readyz", "/", "/api/authors/"]:
    r = c.get(path)
    out[path] = [r.status_code, r.content.decode(), r.get("Retry-After")]
print(json.dumps(out))
"""


def test_a_database_that_never_answers_gets_the_503_page_quickly_and_leaks_nothing():
    # A server that accepts connections and never says a word.
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(50)
    port = hole.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://secretuser@127.0.0.1:{port}/secretdbname",
        "REDIS_URL": f"redis://127.0.0.1:{_closed_port()}/0",
        "BZPEER_DB_CONNECT_TIMEOUT": "1",
        "DJANGO_SETTINGS_MODULE": "bzpeer.settings",
    }
    try:
        done = subprocess.run(
            [sys.executable, "-c", OUTAGE_SCRIPT],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=90,
        )
    finally:
        hole.close()
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])

    assert out["/healthz"][0] == out["/livez"][0] == 200
    status, body, retry_after = out["/readyz"]
    assert status == 503
    assert json.loads(body) == {
        "status": "unavailable",
        "database": "unavailable",
        "redis": "unavailable",
    }
    status, body, retry_after = out["/"]
    assert status == 503 and retry_after
    assert "BZPEER is temporarily unavailable" in body
    assert '<a class="brand" href="/">BZPEER</a>' in body  # the site's own layout
    status, body, _ = out["/api/authors/"]
    assert status == 503 and json.loads(body)["code"] == "unavailable"
    for _status, body, _ in out.values():
        for secret in (str(port), "secretdbname", "secretuser", "connection", "timeout"):
            assert secret not in body, (secret, body)


# -- Redis unreachable: pages and follows keep working ------------------------------------------


@pytest.fixture
def redis_down(settings):
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "bzpeer.cache.FailOpenRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    return url


@pytest.mark.django_db
def test_pages_render_from_the_database_when_redis_is_down(client, redis_down):
    from publications.services import import_path
    from tests.conftest import ARXIV

    import_path(ARXIV / "abs-current-30.jsonl")
    author = Author.objects.filter(works_count__gte=0).order_by("pk").first()
    assert client.get("/").status_code == 200
    assert client.get(author.get_absolute_url()).status_code == 200
    assert client.get(author.get_absolute_url()).status_code == 200  # no cache entry: rendered
    assert client.get("/search/?q=galaxy").status_code == 200


@pytest.mark.django_db
def test_a_follow_is_stored_when_the_broker_is_down_and_the_catch_up_is_logged(
    client, redis_down, settings, caplog, django_capture_on_commit_callbacks
):
    from bzpeer.celery import app
    from tests.test_celery_worker import _forget_cached_backend

    settings.BZPEER_SCORES_ON_CHANGE = True
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=redis_down, task_always_eager=False)
    _forget_cached_backend()
    user = UserFactory()
    author = AuthorFactory()
    client.force_login(user)
    try:
        with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/authors/{author.slug}/follow/")
    finally:
        app.conf.update(saved)
        _forget_cached_backend()

    assert response.status_code == 302
    assert Follow.objects.filter(user=user, author=author).exists()
    author.refresh_from_db()
    assert author.followers_count == 1
    assert "nightly full recompute will catch up" in caplog.text


# -- a killed worker's task comes back promptly ---------------------------------------------------


def test_the_broker_visibility_timeout_fits_the_longest_task():
    from bzpeer.celery import app
    from publications.tasks import RETRY_MAX_COUNTDOWN

    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert visibility < 3600  # Redis' default: a killed worker's task waited an hour
    assert visibility > app.conf.task_time_limit + RETRY_MAX_COUNTDOWN
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost


def _worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bzpeer",
            "worker",
            "-Q",
            "arxiv,celery",
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ.get("BZPEER_TEST_WORKER_LOG", os.devnull), "a"),  # noqa: SIM115
        start_new_session=True,
    )


def _kill(proc: subprocess.Popen) -> None:
    """SIGKILL the worker's main process and its pool children (its process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_task_of_a_killed_worker_is_delivered_again_and_finishes():
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("no REDIS_URL")
    redis.Redis.from_url(url).flushdb()  # this suite's own Redis database: no stale messages
    db = connection.settings_dict
    with FakeArxiv() as fake:
        fake.inject(("trickle", 0.2))  # the first request keeps the task busy until the kill
        env = {
            **os.environ,
            "DATABASE_URL": (
                f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
                f"/{db['NAME']}"
            ),
            "BZPEER_ARXIV_OAI_URL": fake.url,
            "BZPEER_ARXIV_MIN_INTERVAL": "0.05",
            "BZPEER_BROKER_VISIBILITY_TIMEOUT": "5",
            "BZPEER_SCORES_ON_CHANGE": "0",
        }
        first = _worker(env)
        second = None
        try:
            from bzpeer.celery import app

            with app.connection_for_write(url) as conn:
                app.send_task(
                    "publications.tasks.harvest_set",
                    args=["physics"],
                    connection=conn,
                    queue="arxiv",
                )
            deadline = time.monotonic() + 60
            while not fake.served:
                assert time.monotonic() < deadline, "the worker did not start the task"
                time.sleep(0.1)
            _kill(first)
            second = _worker(env)
            deadline = time.monotonic() + 90
            while not ImportRun.objects.filter(status=ImportRun.Status.FINISHED).exists():
                assert time.monotonic() < deadline, "the killed worker's task did not come back"
                time.sleep(0.2)
        finally:
            _kill(first)
            if second is not None:
                _kill(second)

    assert sorted(Work.objects.values_list("arxiv_id", flat=True)) == sorted(
        arxiv_id(r) for r in fixture_records()
    )
    killed = ImportRun.objects.exclude(status=ImportRun.Status.FINISHED).get()
    assert killed.status == ImportRun.Status.INTERRUPTED  # the new harvest marked it
