"""Harvest services and tasks against a local HTTP server replaying real recorded arXiv responses."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from publications import tasks
from publications.arxiv.clients import ArxivHttpClient, ArxivUnavailable, OaiError, RequestPacer
from publications.harvest import fetch_works, harvest_oai, last_oai_watermark
from publications.models import Author, Authorship, ImportRun, Work, WorkTopic, WorkVersion

DATA = Path(__file__).resolve().parents[1] / "data" / "arxiv"
OAI = DATA / "oai" / "arXivRaw"
ATOM = DATA / "atom"
SET = "physics:nucl-ex"
FIRST_PAGE_IDS = {"0704.0471", "0704.0716", "0704.0874", "0704.1109", "0704.1114", "0704.1586"}


class LocalArxiv:
    """Serves (status, body) replies in order on 127.0.0.1 and records each request's parameters."""

    def __init__(self) -> None:
        self.replies: deque[tuple[int, bytes]] = deque()
        self.requests: list[dict[str, str]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
                stub.requests.append({k: v[-1] for k, v in query.items()})
                status, body = stub.replies.popleft() if stub.replies else (500, b"no reply left")
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def serve(self, *bodies: bytes, status: int = 200) -> None:
        self.replies.extend((status, body) for body in bodies)


@pytest.fixture
def arxiv():
    stub = LocalArxiv()
    threading.Thread(target=stub.server.serve_forever, args=(0.05,), daemon=True).start()
    yield stub
    stub.server.shutdown()
    stub.server.server_close()


@pytest.fixture
def client() -> ArxivHttpClient:
    # No pacing and no real sleeping: spacing and backoff are covered in test_clients.
    return ArxivHttpClient(
        "BZPEER-tests/1.0",
        min_interval=0,
        max_retries=1,
        sleep=lambda _: None,
        pacer=RequestPacer(),
    )


def oai(name: str) -> bytes:
    return (OAI / name).read_bytes()


def last_oai_page() -> bytes:
    """A real final ListRecords page: GetRecordResponse's record (1302.2146, datestamp 2013-04-03)
    in the ListRecords envelope, with the empty resumptionToken arXiv sends on the last page."""
    envelope = oai("ListRecordsResponse.xml").decode()
    record = re.search(r"<record>.*</record>", oai("GetRecordResponse.xml").decode(), re.S)
    assert record
    body = f'<ListRecords>\n{record.group(0)}\n<resumptionToken cursor="6" completeListSize="7"/>\n'
    return re.sub(
        r"<ListRecords>.*(?=</ListRecords>)", lambda _: body, envelope, flags=re.S
    ).encode()


def serve_full_harvest(arxiv: LocalArxiv) -> None:
    arxiv.serve(oai("ListRecordsResponse.xml"), last_oai_page())


def harvest(arxiv: LocalArxiv, client: ArxivHttpClient, **options) -> ImportRun:
    return harvest_oai(set_spec=SET, client=client, base_url=arxiv.url, **options)


def database_state() -> dict[str, list[dict]]:
    # Every column but "last synced with arXiv", which moves each time a harvest sees a work.
    return {
        model.__name__: [
            {k: v for k, v in row.items() if k != "last_seen_at"}
            for row in model.objects.order_by("pk").values()
        ]
        for model in (Work, WorkVersion, WorkTopic, Authorship, Author)
    }


# -- harvest_oai -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_harvest_imports_every_page_and_stores_the_watermark(arxiv, client):
    serve_full_harvest(arxiv)

    run = harvest(arxiv, client, from_date=dt.date(2014, 10, 1))

    assert run.status == ImportRun.Status.FINISHED
    assert run.source == "oai-harvest"
    assert run.parameters == {"set": SET, "from": "2014-10-01", "metadata_prefix": "arXivRaw"}
    assert set(Work.objects.values_list("arxiv_id", flat=True)) == FIRST_PAGE_IDS | {"1302.2146"}
    assert (run.records_seen, run.records_created) == (7, 7)
    # The latest datestamp in the list (0704.1586, 2014-12-22), not the last record's.
    assert run.watermark == "2014-12-22"
    assert last_oai_watermark(set_spec=SET) == dt.date(2014, 12, 22)


@pytest.mark.django_db
def test_next_harvest_starts_from_the_stored_watermark(arxiv, client):
    serve_full_harvest(arxiv)
    harvest(arxiv, client, from_date=dt.date(2014, 10, 1))
    arxiv.serve(oai("ErrorResponseNoRecordsMatch.xml"))

    run = harvest(arxiv, client)

    assert arxiv.requests[-1]["from"] == "2014-12-22"
    assert run.status == ImportRun.Status.FINISHED
    assert run.records_seen == 0
    assert run.watermark == "2014-12-22"  # nothing new: the next harvest starts there again


@pytest.mark.django_db
def test_watermarks_are_kept_per_set(arxiv, client):
    serve_full_harvest(arxiv)
    harvest(arxiv, client, from_date=dt.date(2014, 10, 1))
    arxiv.serve(oai("ErrorResponseNoRecordsMatch.xml"))

    harvest_oai(set_spec="cs", client=client, base_url=arxiv.url)

    assert "from" not in arxiv.requests[-1]
    assert last_oai_watermark(set_spec="cs") is None


@pytest.mark.django_db
def test_failure_mid_harvest_keeps_the_first_page_and_not_the_watermark(arxiv, client):
    ImportRun.objects.create(
        source="oai-harvest",
        parameters={"set": SET},
        status=ImportRun.Status.FINISHED,
        watermark="2014-10-01",
    )
    arxiv.serve(oai("ListRecordsResponse.xml"))
    arxiv.serve(b"busy", b"still busy", status=503)  # client gives up after one retry

    with pytest.raises(ArxivUnavailable):
        harvest(arxiv, client)

    assert arxiv.requests[0]["from"] == "2014-10-01"
    assert set(Work.objects.values_list("arxiv_id", flat=True)) == FIRST_PAGE_IDS
    run = ImportRun.objects.get(source="oai-harvest", status=ImportRun.Status.FAILED)
    assert run.watermark == ""
    assert run.records_created == 6
    assert any("HTTP 503" in error["reason"] for error in run.errors)
    assert last_oai_watermark(set_spec=SET) == dt.date(2014, 10, 1)


@pytest.mark.django_db
def test_oai_error_fails_the_run(arxiv, client):
    arxiv.serve(oai("ErrorResponseBadArgument.xml"))

    with pytest.raises(OaiError):
        harvest(arxiv, client)

    run = ImportRun.objects.get(source="oai-harvest")
    assert run.status == ImportRun.Status.FAILED
    assert "badArgument" in run.errors[-1]["reason"]
    assert last_oai_watermark(set_spec=SET) is None


@pytest.mark.django_db
def test_running_the_same_harvest_twice_leaves_the_same_rows(arxiv, client):
    serve_full_harvest(arxiv)
    harvest(arxiv, client, from_date=dt.date(2014, 10, 1))
    first = database_state()
    first_seen = dict(Work.objects.values_list("arxiv_id", "last_seen_at"))
    serve_full_harvest(arxiv)

    again = harvest(arxiv, client, from_date=dt.date(2014, 10, 1))

    assert database_state() == first
    # Unchanged works were still seen: their "last synced with arXiv" moved.
    for arxiv_id, seen in Work.objects.values_list("arxiv_id", "last_seen_at"):
        assert seen > first_seen[arxiv_id]
    assert (again.records_created, again.records_updated, again.records_unchanged) == (0, 0, 7)
    assert again.watermark == "2014-12-22"


# -- fetch_works -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_fetch_works_imports_through_the_api_id_list(arxiv, client):
    arxiv.serve((ATOM / "query_missing_id.new-api-2025-11-11.xml").read_bytes())
    ids = ["2201.13455", "2201.13452", "2201.13453", "2201.13454"]

    run = fetch_works(ids, client=client, base_url=arxiv.url)

    assert arxiv.requests[0]["id_list"] == ",".join(ids)
    assert run.status == ImportRun.Status.FINISHED
    assert run.parameters == {"id_list": ids}
    # arXiv answers with the one id that exists.
    assert list(Work.objects.values_list("arxiv_id", flat=True)) == ["2201.13452"]


@pytest.mark.django_db
def test_fetching_the_same_works_twice_leaves_the_same_rows(arxiv, client):
    page = (ATOM / "query.new-api-2025-11-11.xml").read_bytes()
    ids = re.findall(r"<id>http://arxiv.org/abs/(.+?)v\d+</id>", page.decode())
    empty = (ATOM / "query_empty.new-api-2025-11-11.xml").read_bytes()
    arxiv.serve(page, empty)
    fetch_works(ids, client=client, base_url=arxiv.url)
    first = database_state()
    arxiv.serve(page, empty)

    again = fetch_works(ids, client=client, base_url=arxiv.url)

    assert Work.objects.count() == 10
    assert database_state() == first
    assert again.records_created == 0


# -- tasks -------------------------------------------------------------------------------------


@pytest.fixture
def local_settings(settings, arxiv):
    settings.ARXIV_OAI_URL = arxiv.url
    settings.ARXIV_API_URL = arxiv.url
    settings.ARXIV_MIN_INTERVAL = 0
    return settings


@pytest.mark.django_db
def test_harvest_set_task_returns_counts(arxiv, local_settings):
    serve_full_harvest(arxiv)

    result = tasks.harvest_set.apply(args=[SET, "2014-10-01"]).get()

    assert arxiv.requests[0]["from"] == "2014-10-01"
    assert result["status"] == "finished"
    assert (result["seen"], result["created"], result["watermark"]) == (7, 7, "2014-12-22")
    assert result["run"] == ImportRun.objects.get().pk


@pytest.mark.django_db
def test_reimport_work_task(arxiv, local_settings):
    arxiv.serve((ATOM / "query_missing_id.new-api-2025-11-11.xml").read_bytes())

    result = tasks.reimport_work.apply(args=["2201.13452"]).get()

    assert arxiv.requests[0]["id_list"] == "2201.13452"
    assert Work.objects.filter(arxiv_id="2201.13452").exists()
    assert result["created"] == 1


def test_harvest_configured_sets_enqueues_one_harvest_per_set(settings, monkeypatch):
    settings.BZPEER_HARVEST_SETS = ["physics:astro-ph", "cs"]
    enqueued: list[tuple] = []
    monkeypatch.setattr(tasks.harvest_set, "delay", lambda *args: enqueued.append(args))

    assert tasks.harvest_configured_sets.apply().get() == ["physics:astro-ph", "cs"]
    assert enqueued == [("physics:astro-ph",), ("cs",)]


@pytest.mark.django_db
def test_import_file_task_returns_the_run_and_counts():
    result = tasks.import_file.apply(args=[str(OAI / "ListRecordsResponse.xml")]).get()

    assert result["run"] == ImportRun.objects.get().pk
    assert (result["status"], result["created"]) == ("finished", 6)
