"""The live arXiv clients against a local HTTP server replaying real recorded arXiv responses."""

from __future__ import annotations

import datetime as dt
import re
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from publications.arxiv.clients import (
    ArxivHttpClient,
    ArxivRequestError,
    ArxivUnavailable,
    OaiError,
    RequestPacer,
    iter_api_pages,
    iter_oai_pages,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "arxiv"
OAI = DATA / "oai" / "arXivRaw"
ATOM = DATA / "atom"
USER_AGENT = "BZPEER-tests/1.0 (mailto:tests@bzpeer.example)"


# -- a local arXiv: replies served in order, requests recorded -------------------------------


@dataclass
class Reply:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering, to provoke client timeouts


@dataclass
class Seen:
    params: dict[str, str]
    headers: dict[str, str]
    at: float  # time.monotonic() when the request arrived


class LocalArxiv:
    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[Seen] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/oai"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def serve(self, *replies: Reply | bytes) -> None:
        self.replies.extend(r if isinstance(r, Reply) else Reply(r) for r in replies)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
                params = {k: v[-1] for k, v in query.items()}
                stub.requests.append(Seen(params, dict(self.headers), time.monotonic()))
                reply = stub.replies.popleft() if stub.replies else Reply(b"no reply left", 500)
                time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and hung up, as the timeout test intends

            def log_message(self, *args: object) -> None:
                pass

        return Handler


@pytest.fixture
def arxiv():
    stub = LocalArxiv()
    stub.thread.start()
    yield stub
    stub.server.shutdown()
    stub.server.server_close()


class FakeTime:
    """A clock that only moves when the client sleeps, so spacing is exact and tests are fast."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def make_client(fake_time: FakeTime, **options) -> ArxivHttpClient:
    options.setdefault("min_interval", 3.0)
    options.setdefault("backoff", 5.0)
    return ArxivHttpClient(
        USER_AGENT, sleep=fake_time.sleep, clock=fake_time.clock, pacer=RequestPacer(), **options
    )


def oai(name: str) -> bytes:
    return (OAI / name).read_bytes()


def last_oai_page() -> bytes:
    """A real final ListRecords page: GetRecordResponse's record in the ListRecords envelope,
    ending with the empty resumptionToken arXiv sends on the last page."""
    envelope = oai("ListRecordsResponse.xml").decode()
    record = re.search(r"<record>.*</record>", oai("GetRecordResponse.xml").decode(), re.S)
    assert record
    body = f'<ListRecords>\n{record.group(0)}\n<resumptionToken cursor="6" completeListSize="7"/>\n'
    return re.sub(
        r"<ListRecords>.*(?=</ListRecords>)", lambda _: body, envelope, flags=re.S
    ).encode()


# -- the HTTP client --------------------------------------------------------------------------


def test_sends_the_descriptive_user_agent_and_returns_the_body(arxiv, fake_time):
    arxiv.serve(oai("GetRecordResponse.xml"))

    body = make_client(fake_time).get(arxiv.url, {"verb": "GetRecord"})

    assert body == oai("GetRecordResponse.xml")
    assert arxiv.requests[0].headers["User-Agent"] == USER_AGENT
    assert arxiv.requests[0].params == {"verb": "GetRecord"}


def test_refuses_a_blank_user_agent():
    with pytest.raises(ValueError, match="User-Agent"):
        ArxivHttpClient("  ")


def test_spaces_requests_min_interval_apart(arxiv, fake_time):
    arxiv.serve(b"1", b"2", b"3")
    client = make_client(fake_time, min_interval=3.0)

    for _ in range(3):
        client.get(arxiv.url)

    # The first request goes at once; each later one waits out the interval.
    assert fake_time.sleeps == [3.0, 3.0]


def test_only_waits_for_what_is_left_of_the_interval(arxiv, fake_time):
    arxiv.serve(b"1", b"2")
    client = make_client(fake_time, min_interval=3.0)

    client.get(arxiv.url)
    fake_time.now += 2.0  # the caller spent 2 s parsing
    client.get(arxiv.url)

    assert fake_time.sleeps == [pytest.approx(1.0)]


def test_threads_sharing_a_pacer_take_turns(arxiv, fake_time):
    """Two clients in two threads share one pacer: each request after the first waits the whole
    interval. Time is the fake clock, moved only by the pacer's sleeps (taken under its lock), so
    what is measured is the pacer's own spacing, not a busy machine's scheduling."""
    arxiv.serve(*[b"ok"] * 4)
    pacer = RequestPacer()
    clients = [
        ArxivHttpClient(
            USER_AGENT, min_interval=3.0, pacer=pacer, sleep=fake_time.sleep, clock=fake_time.clock
        )
        for _ in range(2)
    ]
    threads = [
        threading.Thread(target=lambda c=c: [c.get(arxiv.url) for _ in range(2)]) for c in clients
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(arxiv.requests) == 4
    assert fake_time.sleeps == [3.0, 3.0, 3.0]  # four turns, three full waits, across threads


def test_retries_a_503_with_backoff_then_succeeds(arxiv, fake_time):
    arxiv.serve(Reply(b"down for maintenance", 503), oai("GetRecordResponse.xml"))

    body = make_client(fake_time, backoff=5.0).get(arxiv.url)

    assert body == oai("GetRecordResponse.xml")
    assert len(arxiv.requests) == 2
    assert fake_time.sleeps == [5.0]


def test_backoff_doubles_between_retries(arxiv, fake_time):
    arxiv.serve(Reply(b"", 503), Reply(b"", 503), Reply(b"", 503), b"ok")

    make_client(fake_time, backoff=5.0).get(arxiv.url)

    assert fake_time.sleeps == [5.0, 10.0, 20.0]


def test_honours_retry_after_on_429(arxiv, fake_time):
    arxiv.serve(Reply(b"slow down", 429, {"Retry-After": "7"}), b"ok")

    assert make_client(fake_time, backoff=1.0).get(arxiv.url) == b"ok"
    assert fake_time.sleeps == [7.0]


def test_a_short_retry_after_still_keeps_the_rate_limit(arxiv, fake_time):
    arxiv.serve(Reply(b"slow down", 429, {"Retry-After": "1"}), b"ok")

    make_client(fake_time, min_interval=3.0).get(arxiv.url)

    assert fake_time.sleeps == [1.0, pytest.approx(2.0)]


def test_retry_after_as_an_http_date(arxiv, fake_time):
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=120)
    arxiv.serve(
        Reply(b"", 503, {"Retry-After": later.strftime("%a, %d %b %Y %H:%M:%S GMT")}), b"ok"
    )

    make_client(fake_time).get(arxiv.url)

    assert 100 < fake_time.sleeps[0] <= 120


def test_gives_up_after_the_cap_with_arxiv_unavailable(arxiv, fake_time):
    arxiv.serve(*[Reply(b"busy", 503)] * 3)

    with pytest.raises(ArxivUnavailable, match="after 3 attempts.*HTTP 503"):
        make_client(fake_time, max_retries=2).get(arxiv.url)

    assert len(arxiv.requests) == 3
    assert fake_time.sleeps == [5.0, 10.0]


def test_connection_errors_are_retried_then_reported(fake_time):
    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    with pytest.raises(ArxivUnavailable, match="ConnectionError"):
        make_client(fake_time, max_retries=2).get(f"http://127.0.0.1:{port}/oai")

    assert fake_time.sleeps == [5.0, 10.0]


def test_timeouts_are_retried(arxiv, fake_time):
    arxiv.serve(Reply(b"late", delay=1.0), b"on time")

    assert make_client(fake_time, timeout=0.2).get(arxiv.url) == b"on time"
    assert fake_time.sleeps == [5.0]


def test_other_4xx_raise_request_error_without_retrying(arxiv, fake_time):
    arxiv.serve(Reply(b"<error>incorrect id format for 1234.5678x</error>", 400))

    with pytest.raises(ArxivRequestError) as excinfo:
        make_client(fake_time).get(arxiv.url)

    assert excinfo.value.status == 400
    assert "incorrect id format" in excinfo.value.body_head
    assert len(arxiv.requests) == 1


# -- OAI-PMH paging ----------------------------------------------------------------------------


def test_follows_resumption_tokens_with_only_the_token(arxiv, fake_time):
    arxiv.serve(oai("ListRecordsResponse.xml"), last_oai_page())

    pages = list(
        iter_oai_pages(
            make_client(fake_time),
            arxiv.url,
            set_spec="physics:nucl-ex",
            from_date=dt.date(2014, 10, 1),
        )
    )

    assert [len(page.items) for page in pages] == [6, 1]
    assert pages[0].resumption_token == "726959|1001"
    assert pages[1].items[0].arxiv_id == "1302.2146"
    first, second = (seen.params for seen in arxiv.requests)
    assert first == {
        "verb": "ListRecords",
        "metadataPrefix": "arXivRaw",
        "set": "physics:nucl-ex",
        "from": "2014-10-01",
    }
    assert second == {"verb": "ListRecords", "resumptionToken": "726959|1001"}


def test_oai_error_response_raises_oai_error(arxiv, fake_time):
    arxiv.serve(oai("ErrorResponseBadArgument.xml"))

    with pytest.raises(OaiError) as excinfo:
        list(iter_oai_pages(make_client(fake_time), arxiv.url))

    assert excinfo.value.code == "badArgument"
    assert "illegal argument" in excinfo.value.message


def test_an_error_on_a_later_page_comes_after_the_first_page(arxiv, fake_time):
    arxiv.serve(oai("ListRecordsResponse.xml"), oai("ErrorResponseBadResumptionToken.xml"))
    pages = iter_oai_pages(make_client(fake_time), arxiv.url)

    assert len(next(pages).items) == 6
    with pytest.raises(OaiError, match="badResumptionToken"):
        next(pages)


def test_no_records_match_ends_cleanly(arxiv, fake_time):
    arxiv.serve(oai("ErrorResponseNoRecordsMatch.xml"))

    assert list(iter_oai_pages(make_client(fake_time), arxiv.url, set_spec="moo")) == []
    assert len(arxiv.requests) == 1


def test_a_repeated_resumption_token_stops_instead_of_looping(arxiv, fake_time):
    arxiv.serve(oai("ListRecordsResponse.xml"), oai("ListRecordsResponse.xml"))

    with pytest.raises(OaiError, match="repeated"):
        list(iter_oai_pages(make_client(fake_time), arxiv.url))


# -- API paging --------------------------------------------------------------------------------


def atom(name: str) -> bytes:
    return (ATOM / name).read_bytes()


def test_api_pages_until_an_empty_page(arxiv, fake_time):
    arxiv.serve(
        atom("query.new-api-2025-11-11.xml"),
        atom("query.old-api-2025-08.xml"),
        atom("query_empty.new-api-2025-11-11.xml"),
    )

    pages = list(
        iter_api_pages(
            make_client(fake_time),
            arxiv.url,
            search_query="all:electron AND all:proton",
            page_size=10,
        )
    )

    assert [len(page.items) for page in pages] == [10, 10]
    assert [(s.params["start"], s.params["max_results"]) for s in arxiv.requests] == [
        ("0", "10"),
        ("10", "10"),
        ("20", "10"),
    ]
    assert arxiv.requests[0].params["search_query"] == "all:electron AND all:proton"


def test_api_stops_at_max_results(arxiv, fake_time):
    arxiv.serve(atom("query.new-api-2025-11-11.xml"), atom("query.old-api-2025-08.xml"))

    pages = list(
        iter_api_pages(
            make_client(fake_time),
            arxiv.url,
            search_query="all:electron",
            page_size=10,
            max_results=15,
        )
    )

    assert len(pages) == 2
    assert [(s.params["start"], s.params["max_results"]) for s in arxiv.requests] == [
        ("0", "10"),
        ("10", "5"),
    ]


def test_api_stops_when_total_results_is_reached(arxiv, fake_time):
    arxiv.serve(atom("query_missing_id.new-api-2025-11-11.xml"))
    ids = ["2201.13455", "2201.13452", "2201.13453", "2201.13454"]

    pages = list(iter_api_pages(make_client(fake_time), arxiv.url, id_list=ids))

    assert len(pages) == 1
    assert len(arxiv.requests) == 1
    assert arxiv.requests[0].params["id_list"] == ",".join(ids)


def test_api_stops_after_a_response_that_is_not_a_feed(arxiv, fake_time):
    # An OAI-PMH document where a feed belongs: the parser gives one fatal skipped record.
    arxiv.serve(oai("ListRecordsResponse.xml"), oai("ListRecordsResponse.xml"))

    pages = list(iter_api_pages(make_client(fake_time), arxiv.url, search_query="all:electron"))

    assert len(pages) == 1
    assert pages[0].items[0].fatal
    assert len(arxiv.requests) == 1
