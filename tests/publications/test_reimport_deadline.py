"""A curator's "re-import from arXiv" with no worker configured runs while the curator waits: a
slow or silent arXiv is cut off at a total deadline with a clear message, never holding the web
worker. Local HTTP servers stand in for arXiv (never the network)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages

from publications import curation_works
from publications.arxiv.clients import ArxivUnavailable, DeadlineClient
from publications.models import CurationEvent, ImportRun, Work
from tests.factories import WorkFactory

ATOM = Path(__file__).resolve().parents[1] / "data" / "arxiv" / "atom"
# Every stand-in stops on its own well after the deadline, so a regression fails instead of
# hanging the suite.
GIVE_UP = 30.0


class SlowArxiv:
    """``silent``: accepts and never answers; ``trickle``: answers 200 and sends a byte every
    0.1 s (each read is quick, the whole answer never ends); ``answer``: replays ``body``."""

    def __init__(self, mode: str, body: bytes = b"") -> None:
        self.requests = 0
        self.stop = threading.Event()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                stub.requests += 1
                if mode == "answer":
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                if mode == "trickle":
                    self.send_response(200)
                    self.send_header("Content-Length", "1000000")
                    self.end_headers()
                end = time.monotonic() + GIVE_UP
                while not stub.stop.is_set() and time.monotonic() < end:
                    if mode == "trickle":
                        try:
                            self.wfile.write(b" ")
                            self.wfile.flush()
                        except OSError:
                            return
                    stub.stop.wait(0.1)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def __enter__(self) -> SlowArxiv:
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def inline(settings, monkeypatch):
    """No worker configured (tasks run inline) and a one-second deadline."""
    settings.ARXIV_MIN_INTERVAL = 0
    monkeypatch.setattr(curation_works, "workers_configured", lambda: False)
    monkeypatch.setattr(curation_works, "REIMPORT_INLINE_DEADLINE", 1.0)
    return settings


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["silent", "trickle"])
def test_reimport_without_a_worker_stops_at_the_deadline_with_a_message(
    client, curator, inline, mode
):
    work = WorkFactory(arxiv_id="2201.13452", title="Kept as it was")
    client.force_login(curator)
    with SlowArxiv(mode) as arxiv:
        inline.ARXIV_API_URL = arxiv.url
        response = client.post(
            "/admin/publications/work/",
            {"action": "reimport_works", ACTION_CHECKBOX_NAME: [work.pk]},
        )
    assert response.status_code == 302
    [message] = messages_of(response)
    assert "did not answer within 1 seconds" in message and "nothing was re-imported" in message
    assert "worker" in message
    assert 1 <= arxiv.requests <= 2  # one try and at most one retry within the deadline
    assert Work.objects.get(pk=work.pk).title == "Kept as it was"
    assert ImportRun.objects.get().status == ImportRun.Status.FAILED
    assert CurationEvent.objects.get().action == "reimport"


@pytest.mark.django_db
def test_reimport_without_a_worker_imports_at_once_when_arxiv_answers(client, curator, inline):
    work = WorkFactory(arxiv_id="2201.13452", title="An older title")
    body = (ATOM / "query_missing_id.new-api-2025-11-11.xml").read_bytes()
    client.force_login(curator)
    with SlowArxiv("answer", body) as arxiv:
        inline.ARXIV_API_URL = arxiv.url
        response = client.post(
            "/admin/publications/work/",
            {"action": "reimport_works", ACTION_CHECKBOX_NAME: [work.pk]},
        )
    [message] = messages_of(response)
    assert message.startswith("Re-imported from arXiv now (no worker is configured): 1 record(s)")
    assert ImportRun.objects.get().status == ImportRun.Status.FINISHED


def test_the_deadline_client_gives_up_on_an_answer_that_never_ends():
    with SlowArxiv("trickle") as arxiv:
        client = DeadlineClient("BZPEER-tests/1.0", seconds=0.5, min_interval=0)
        with pytest.raises(ArxivUnavailable):
            client.get(arxiv.url)
