"""A local arXiv OAI-PMH server for fault tests and the soak benchmark.

It serves real arXiv records (the ``<record>`` elements of recorded arXiv responses) as ListRecords
pages of ``page_size`` records with resumption tokens, filtered by ``from``/``until`` on their
datestamps, and injects faults on request: a queue of faults for the next requests
(``inject``), or a random fault on a share of the requests (``random_faults``).

Faults: ``("status", code, retry_after)`` (429/503 with Retry-After), ``"timeout"`` (answer
after ``hang`` seconds), ``"reset"`` (TCP reset before any answer), ``"cut"`` (a chunked body cut
off mid-chunk), ``"truncated"`` (a 200 whose XML stops half-way, with a matching length), and
``("trickle", seconds)`` (the body one byte every ``seconds``).

Run alone: ``python -m tests.fakearxiv [--port 8140]`` serves the test fixtures.
"""

from __future__ import annotations

import contextlib
import html
import json
import random
import re
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

OAI_DATA = Path(__file__).parent / "data" / "arxiv" / "oai" / "arXivRaw"
PORTS = range(8140, 8150)
FAULT_KINDS = ("status", "timeout", "reset", "cut", "truncated", "trickle")

_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ '
    'http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">\n'
    "<responseDate>2026-01-01T00:00:00Z</responseDate>\n"
)
_TAIL = "</OAI-PMH>\n"


def fixture_records() -> list[str]:
    """The real arXivRaw records of the test fixtures (7), oldest datestamp first."""
    records: list[str] = []
    for name in ("GetRecordResponse.xml", "ListRecordsResponse.xml"):
        text = (OAI_DATA / name).read_text()
        records += re.findall(r"<record>.*?</record>", text, re.S)
    return sorted(records, key=datestamp)


def datestamp(record: str) -> str:
    match = re.search(r"<datestamp>([^<]+)</datestamp>", record)
    return match.group(1).strip() if match else ""


def arxiv_id(record: str) -> str:
    match = re.search(r"<identifier>oai:arXiv.org:([^<]+)</identifier>", record)
    return match.group(1).strip() if match else ""


def records_from_snapshot(path: Path, limit: int) -> list[str]:
    """Real records of a JSON-lines snapshot (Kaggle schema) in the arXivRaw format: the same
    fields moved into the elements arXiv's OAI-PMH uses; the datestamp is ``update_date``."""
    records = []
    with path.open() as lines:
        for line in lines:
            if len(records) >= limit:
                break
            r = json.loads(line)
            if not r.get("update_date") or not r.get("versions"):
                continue

            def el(tag: str, value: str | None, r=r) -> str:
                return f"<{tag}>{html.escape(value)}</{tag}>" if value else ""

            versions = "".join(
                f'<version version="{html.escape(v["version"])}"><date>'
                f"{html.escape(v['created'])}</date><size></size></version>"
                for v in r["versions"]
            )
            records.append(
                "<record>\n<header>\n"
                f" <identifier>oai:arXiv.org:{html.escape(r['id'])}</identifier>\n"
                f" <datestamp>{r['update_date']}</datestamp>\n</header>\n<metadata>\n"
                ' <arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/">'
                + el("id", r["id"])
                + el("submitter", r.get("submitter"))
                + versions
                + el("title", r.get("title"))
                + el("authors", r.get("authors"))
                + el("categories", r.get("categories"))
                + el("comments", r.get("comments"))
                + el("journal-ref", r.get("journal-ref"))
                + el("doi", r.get("doi"))
                + el("license", r.get("license"))
                + el("abstract", r.get("abstract"))
                + "</arXivRaw>\n</metadata>\n</record>"
            )
    return sorted(records, key=datestamp)


@dataclass
class Served:
    at: float  # time.monotonic() when the request arrived
    params: dict[str, str]
    fault: object = None


@dataclass
class FakeArxiv:
    records: list[str] = field(default_factory=fixture_records)
    page_size: int = 2
    hang: float = 3.0  # seconds a "timeout" fault waits before answering
    port: int | None = None

    def __post_init__(self) -> None:
        self.faults: deque[object] = deque()
        self.served: list[Served] = []
        self.random_rate = 0.0
        self.random_kinds: tuple = ()
        self.rng = random.Random(0)
        self._lock = threading.Lock()
        self.server = _bind(self._handler(), self.port)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/oai"
        self.thread = threading.Thread(
            target=self.server.serve_forever, args=(0.05,), name="fake-arxiv", daemon=True
        )

    # -- control -------------------------------------------------------------------------------

    def __enter__(self) -> FakeArxiv:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def inject(self, *faults: object) -> None:
        """Faults for the next requests, in order; ``None`` serves one request normally."""
        with self._lock:
            self.faults.extend(faults)

    def random_faults(self, rate: float, kinds: tuple, seed: int = 0) -> None:
        self.random_rate, self.random_kinds, self.rng = rate, kinds, random.Random(seed)

    def pages(self, from_date: str = "", until: str = "") -> int:
        n = len(self._window(from_date, until))
        return max(1, -(-n // self.page_size))

    # -- serving -------------------------------------------------------------------------------

    def _next_fault(self) -> object:
        with self._lock:
            if self.faults:
                return self.faults.popleft()
            if self.random_rate and self.rng.random() < self.random_rate:
                return self.rng.choice(self.random_kinds)
        return None

    def _window(self, from_date: str, until: str) -> list[str]:
        return [
            r
            for r in self.records
            if (not from_date or datestamp(r) >= from_date) and (not until or datestamp(r) <= until)
        ]

    def page(self, params: dict[str, str]) -> bytes:
        token = params.get("resumptionToken")
        if token:
            try:
                offset_s, from_date, until = token.split("|")
                offset = int(offset_s)
            except ValueError:
                return _error("badResumptionToken", f"bad token {token}")
        else:
            if params.get("verb") != "ListRecords":
                return _error("badVerb", "only ListRecords here")
            offset, from_date, until = 0, params.get("from", ""), params.get("until", "")
        window = self._window(from_date, until)
        if not window:
            return _error(
                "noRecordsMatch", "The combination of the values results in an empty list."
            )
        chunk = window[offset : offset + self.page_size]
        following = offset + self.page_size
        if following < len(window):
            resumption = (
                f'<resumptionToken cursor="{offset}" completeListSize="{len(window)}">'
                f"{following}|{from_date}|{until}</resumptionToken>"
            )
        else:
            resumption = f'<resumptionToken cursor="{offset}" completeListSize="{len(window)}"/>'
        request = '<request verb="ListRecords" metadataPrefix="arXivRaw">http://fake/oai</request>'
        body = "\n".join(chunk)
        return f"{_HEAD}{request}\n<ListRecords>\n{body}\n{resumption}\n</ListRecords>\n{_TAIL}".encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
                params = {k: v[-1] for k, v in query.items()}
                fault = fake._next_fault()
                with fake._lock:
                    fake.served.append(Served(time.monotonic(), params, fault))
                with contextlib.suppress(TimeoutError, BrokenPipeError, ConnectionResetError):
                    self._answer(fake.page(params), fault)
                self.close_connection = True

            def _answer(self, body: bytes, fault: object) -> None:
                kind = fault[0] if isinstance(fault, tuple) else fault
                if kind == "status":
                    _, code, retry_after = fault
                    self.send_response(code)
                    if retry_after is not None:
                        self.send_header("Retry-After", str(retry_after))
                    self.send_header("Content-Length", "4")
                    self.end_headers()
                    self.wfile.write(b"busy")
                    return
                if kind == "timeout":
                    time.sleep(fake.hang)
                elif kind == "reset":
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.connection.close()
                    return
                elif kind == "cut":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/xml")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    self.wfile.write(f"{len(body):x}\r\n".encode() + body[: len(body) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                elif kind == "truncated":
                    body = body[: len(body) // 2]
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if kind == "trickle":
                    interval = fault[1] if isinstance(fault, tuple) else 1.0
                    for i in range(len(body)):
                        self.wfile.write(body[i : i + 1])
                        self.wfile.flush()
                        time.sleep(interval)
                    return
                self.wfile.write(body)

        return Handler


def _error(code: str, message: str) -> bytes:
    request = '<request verb="ListRecords">http://fake/oai</request>'
    return (
        f'{_HEAD}{request}\n<error code="{code}">{html.escape(message)}</error>\n{_TAIL}'.encode()
    )


def _bind(handler: type[BaseHTTPRequestHandler], port: int | None) -> ThreadingHTTPServer:
    ThreadingHTTPServer.daemon_threads = True
    for candidate in [port] if port else PORTS:
        try:
            return ThreadingHTTPServer(("127.0.0.1", candidate), handler)
        except OSError:
            continue
    raise OSError(f"no free port for the fake arXiv server in {PORTS.start}-{PORTS.stop - 1}")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--page-size", type=int, default=2)
    options = parser.parse_args()
    with FakeArxiv(page_size=options.page_size, port=options.port) as fake:
        print(f"serving {len(fake.records)} records at {fake.url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
