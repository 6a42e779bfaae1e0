"""Live arXiv clients: one polite HTTP client, and page iterators for OAI-PMH and the API.

arXiv asks harvesters for one request every 3 seconds, a User-Agent that names the project and a
contact, and patience on 429/503. ``ArxivHttpClient`` enforces all three so callers cannot forget.
Pure: no ORM. Parsing is delegated to ``atom`` and ``oai``; the loader is the caller's business.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from email.utils import parsedate_to_datetime

import requests
import urllib3

from publications.arxiv.atom import AtomPage, parse_atom
from publications.arxiv.oai import OaiPage, parse_oai
from publications.arxiv.records import SkippedRecord

# Temporary by nature: rate limiting, maintenance, an overloaded gateway.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
# A Retry-After of hours would hold a worker hostage: a wait longer than ``max_wait`` is not slept
# in the worker; the client gives up at once with ``retry_after`` so the task is rescheduled
# (never later than MAX_DELAY).
MAX_DELAY = 600.0
MAX_WAIT = 120.0
# A response must be complete within this many seconds, however slowly its bytes trickle in
# (``timeout`` only bounds the wait for each read).
DEADLINE = 120.0
BODY_HEAD = 300
CHUNK = 64 * 1024

Params = Mapping[str, str | int]


class ArxivError(Exception):
    """Base of every error a live arXiv call raises."""


class ArxivUnavailable(ArxivError):
    """arXiv kept refusing or did not answer after every retry: worth trying again later.

    ``retry_after`` is when (in seconds) arXiv asked us to come back, when it asked for longer
    than the client waits in-process; the task reschedules itself that far ahead.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class _Incomplete(Exception):
    """The body did not arrive whole (cut off, or past the deadline): a temporary fault."""


class ArxivRequestError(ArxivError):
    """arXiv rejected the request itself (a 4xx other than 429): retrying will not help."""

    def __init__(self, url: str, status: int, body_head: str) -> None:
        super().__init__(f"arXiv answered {status} for {url}: {body_head}")
        self.url = url
        self.status = status
        self.body_head = body_head


class OaiError(ArxivError):
    """An OAI-PMH error response (other than noRecordsMatch, which just means nothing new)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"OAI-PMH error {code}: {message}")
        self.code = code
        self.message = message


class RequestPacer:
    """Keeps requests at least ``min_interval`` apart for every client and thread sharing it.

    arXiv counts requests per machine, not per client object, so by default all clients in a
    process share one pacer. The lock is held while sleeping so waiting threads go one at a time.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: tuple[Callable[[], float], float] | None = None

    def wait_turn(
        self, min_interval: float, *, clock: Callable[[], float], sleep: Callable[[float], None]
    ) -> None:
        with self._lock:
            # A time from a different clock (a test's fake clock) says nothing about this one.
            if self._last is not None and self._last[0] == clock:  # == : bound methods too
                delay = self._last[1] + min_interval - clock()
                if delay > 0:
                    sleep(delay)
            self._last = (clock, clock())


SHARED_PACER = RequestPacer()


class RedisPacer:
    """Keeps requests ``min_interval`` apart across processes and restarts, through Redis.

    Each caller reserves the next free slot atomically (a Lua script on Redis' own clock), so two
    harvester processes, or a worker restarted mid-harvest, still leave arXiv 3 s between requests.
    When Redis does not answer, the process-local pacer takes over (logged by the caller's client).
    """

    SCRIPT = """
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
    local interval = tonumber(ARGV[1])
    local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
    local slot = math.max(now, nxt)
    redis.call('SET', KEYS[1], slot + interval, 'PX', math.ceil(interval / 1000) + 60000)
    return slot - now
    """

    def __init__(self, client, key: str = "bzpeer:arxiv:next-request") -> None:
        self.client = client
        self.key = key
        self._script = client.register_script(self.SCRIPT)
        self.fallback = SHARED_PACER

    def wait_turn(
        self, min_interval: float, *, clock: Callable[[], float], sleep: Callable[[float], None]
    ) -> None:
        try:
            wait_us = int(self._script(keys=[self.key], args=[int(min_interval * 1_000_000)]))
        except Exception:  # noqa: BLE001 - Redis down: keep the rate within this process
            self.fallback.wait_turn(min_interval, clock=clock, sleep=sleep)
            return
        if wait_us > 0:
            sleep(wait_us / 1_000_000)


class ArxivHttpClient:
    """GETs arXiv URLs politely: paced, identified, retried with exponential backoff."""

    def __init__(
        self,
        user_agent: str,
        min_interval: float = 3.0,
        max_retries: int = 5,
        backoff: float = 5.0,
        timeout: float = 30,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        pacer: RequestPacer | RedisPacer | None = None,
        max_wait: float = MAX_WAIT,
        deadline: float = DEADLINE,
    ) -> None:
        if not user_agent.strip():
            raise ValueError("arXiv requires a descriptive User-Agent")
        self.user_agent = user_agent
        self.min_interval = min_interval
        self.max_retries = max_retries
        self.backoff = backoff
        self.timeout = timeout
        self.session = session or requests.Session()
        self.sleep = sleep
        self.clock = clock
        self.pacer = pacer or SHARED_PACER
        self.max_wait = max_wait
        self.deadline = deadline

    def get(self, url: str, params: Params | None = None) -> bytes:
        """Return the body of a 2xx answer; raise ArxivUnavailable or ArxivRequestError.

        Temporary faults are retried with backoff: 429/502/503/504, connection errors and resets,
        timeouts, a body cut off mid-transfer, and a body still incomplete after ``deadline``
        seconds. A wait longer than ``max_wait`` is not slept here: ArxivUnavailable carries it
        as ``retry_after`` for the task to reschedule.
        """
        problem, delay = "", 0.0
        for attempt in range(self.max_retries + 1):
            if attempt:
                if delay > self.max_wait:
                    raise ArxivUnavailable(
                        f"arXiv asked to wait {delay:.0f} s at {url} (last: {problem})",
                        retry_after=min(delay, MAX_DELAY),
                    )
                self.sleep(delay)
            self.pacer.wait_turn(self.min_interval, clock=self.clock, sleep=self.sleep)
            try:
                response = self.session.get(
                    url,
                    params=params,
                    timeout=self.timeout,
                    headers={"User-Agent": self.user_agent},
                    stream=True,
                )
                try:
                    if response.status_code in RETRY_STATUSES:
                        retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
                        problem = f"HTTP {response.status_code}"
                        delay = self._backoff(attempt, retry_after)
                        continue
                    body = self._read_body(response)
                finally:
                    response.close()
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
                urllib3.exceptions.HTTPError,  # raised by the raw reads: resets, cut bodies
                _Incomplete,
            ) as exc:
                problem, delay = f"{type(exc).__name__}: {exc}", self._backoff(attempt)
                continue
            if response.status_code >= 400:
                raise ArxivRequestError(url, response.status_code, _head(body))
            return body
        raise ArxivUnavailable(
            f"arXiv unavailable at {url} after {self.max_retries + 1} attempts (last: {problem})"
        )

    def _read_body(self, response: requests.Response) -> bytes:
        """The whole body, or _Incomplete when it is cut short or misses the total deadline."""
        ends_at = time.monotonic() + self.deadline
        chunks: list[bytes] = []
        # read1 returns what has arrived (up to CHUNK) instead of waiting for a full chunk, so a
        # trickle is seen at each byte and cut off at the deadline.
        while chunk := response.raw.read1(CHUNK, decode_content=True):
            chunks.append(chunk)
            if time.monotonic() > ends_at:
                raise _Incomplete(f"response not complete within {self.deadline:.0f} s")
        body = b"".join(chunks)
        expected = response.headers.get("Content-Length", "")
        encoded = response.headers.get("Content-Encoding")
        if expected.isdigit() and not encoded and len(body) < int(expected):
            raise _Incomplete(f"body cut off at {len(body)} of {expected} bytes")
        return body

    def _backoff(self, attempt: int, retry_after: float | None = None) -> float:
        """The server's Retry-After when given, else exponential backoff; never past MAX_DELAY."""
        delay = retry_after if retry_after is not None else self.backoff * 2**attempt
        return min(delay, MAX_DELAY)


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _head(body: bytes) -> str:
    return " ".join(body[: BODY_HEAD * 4].decode("utf-8", "replace")[:BODY_HEAD].split())


def iter_oai_pages(
    client: ArxivHttpClient,
    base_url: str,
    *,
    metadata_prefix: str = "arXivRaw",
    set_spec: str | None = None,
    from_date: dt.date | None = None,
    until: dt.date | None = None,
) -> Iterator[OaiPage]:
    """Yield ListRecords pages, following resumption tokens until the list is complete.

    noRecordsMatch (nothing changed in the window) ends the iteration without a page; any other
    OAI-PMH error, including a malformed page, raises OaiError.
    """
    params: dict[str, str | int] = {"verb": "ListRecords", "metadataPrefix": metadata_prefix}
    if set_spec:
        params["set"] = set_spec
    if from_date:
        params["from"] = from_date.isoformat()
    if until:
        params["until"] = until.isoformat()
    seen_tokens: set[str] = set()
    while True:
        page = _read_oai_page(client, base_url, params)
        if page.error_code == "noRecordsMatch":
            return
        if page.error_code:
            raise OaiError(page.error_code, page.error_message or "")
        yield page
        token = (page.resumption_token or "").strip()
        if not token:
            return
        if token in seen_tokens:
            # A repeated token would page forever; arXiv never repeats one in a healthy list.
            raise OaiError("badResumptionToken", f"resumption token {token!r} repeated")
        seen_tokens.add(token)
        # OAI-PMH: a resumptionToken is exclusive; no other argument may accompany it.
        params = {"verb": "ListRecords", "resumptionToken": token}


def _read_oai_page(client: ArxivHttpClient, base_url: str, params: Params) -> OaiPage:
    """One page; a 200 whose XML is cut short is a temporary fault, fetched again with backoff
    (ArxivUnavailable when it stays unreadable)."""
    for attempt in range(client.max_retries + 1):
        page = parse_oai(client.get(base_url, params))
        if page.error_code != "malformed":
            return page
        if attempt < client.max_retries:
            client.sleep(min(client._backoff(attempt), client.max_wait))
    raise ArxivUnavailable(
        f"arXiv sent an unreadable page {client.max_retries + 1} times at {base_url}: "
        f"{page.error_message}"
    )


def iter_api_pages(
    client: ArxivHttpClient,
    base_url: str,
    *,
    search_query: str | None = None,
    id_list: list[str] | None = None,
    page_size: int = 100,
    max_results: int | None = None,
) -> Iterator[AtomPage]:
    """Yield API result pages (start/max_results paging).

    Stops at totalResults, at an empty page, at ``max_results``, or after a page the parser could
    not read (it holds one fatal SkippedRecord, which the loader records as the reason).
    """
    if not search_query and not id_list:
        raise ValueError("give search_query, id_list or both")
    query: dict[str, str | int] = {}
    if search_query:
        query["search_query"] = search_query
    if id_list:
        query["id_list"] = ",".join(id_list)
    start = 0
    while max_results is None or start < max_results:
        size = page_size if max_results is None else min(page_size, max_results - start)
        page = parse_atom(client.get(base_url, {**query, "start": start, "max_results": size}))
        if not page.items:
            return
        yield page
        if any(isinstance(item, SkippedRecord) and item.fatal for item in page.items):
            return  # the parser could not read the response: paging on would only repeat that
        start += len(page.items)
        if page.total_results is not None and start >= page.total_results:
            return


class DeadlineSession(requests.Session):
    """A session whose requests all start and connect by one deadline (a ``time.monotonic()``
    value): each request's timeout is what remains, and none starts after it."""

    def __init__(self, ends_at: float) -> None:
        super().__init__()
        self.ends_at = ends_at

    def remaining(self) -> float:
        return self.ends_at - time.monotonic()

    def sleep(self, seconds: float) -> None:
        """A pause (pacing, backoff) that never sleeps past the deadline."""
        time.sleep(max(0.0, min(seconds, self.remaining())))

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        left = self.remaining()
        if left <= 0:
            raise requests.Timeout(f"no time left to ask {url}")
        kwargs["timeout"] = min(kwargs.get("timeout") or left, left)
        return super().request(method, url, *args, **kwargs)


class DeadlineClient(ArxivHttpClient):
    """A client that gives up (ArxivUnavailable) once ``seconds`` have passed in all: pacing,
    connecting, a body trickling in, backoff and the retry share one deadline. For fetches
    someone waits on (a curator's page with no worker to hand them to), where a client's
    per-request limits alone add up to minutes."""

    def __init__(self, user_agent: str, *, seconds: float, max_retries: int = 1, **kwargs) -> None:
        session = DeadlineSession(time.monotonic() + seconds)
        super().__init__(
            user_agent,
            max_retries=max_retries,
            backoff=1.0,
            timeout=seconds,
            session=session,
            sleep=session.sleep,
            max_wait=seconds,
            deadline=seconds,
            **kwargs,
        )
        self.ends_at = session.ends_at

    def _read_body(self, response: requests.Response) -> bytes:
        # The body gets what is left of the whole deadline, not a deadline of its own.
        self.deadline = max(0.0, self.ends_at - time.monotonic())
        return super()._read_body(response)
