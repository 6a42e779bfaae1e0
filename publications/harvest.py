"""Harvest arXiv live: OAI-PMH sets from a from-date watermark, and single works through the API.

Each harvest is one ImportRun fed through the same loader as file imports. The loader commits
batch by batch, so these services are deliberately not one transaction: when arXiv fails half-way,
what was already imported stays, the run is marked failed, and the watermark does not move.

A record the database refuses does not move the watermark either: the next harvest reads the
window again (and so retries the record) until every record is in, or a curator acknowledged the
failed records in the admin (``acknowledge_failures``), which moves the watermark past them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.utils import timezone

from publications.arxiv.atom import AtomPage
from publications.arxiv.clients import (
    ArxivError,
    ArxivHttpClient,
    iter_api_pages,
    iter_oai_pages,
)
from publications.arxiv.oai import OaiPage
from publications.arxiv.records import ParsedItem, SkippedRecord, WorkRecord
from publications.models import ImportRun
from publications.services import import_items

logger = logging.getLogger(__name__)

OAI_SOURCE = "oai-harvest"
API_SOURCE = "api-harvest"


def default_pacer():
    """arXiv's pacing shared by every process through Redis when REDIS_URL is set (a worker
    restart or a second harvester still waits its turn); else within this process."""
    if not settings.REDIS_URL:
        return None
    global _redis_pacer
    if _redis_pacer is None:
        import redis

        from publications.arxiv.clients import RedisPacer

        _redis_pacer = RedisPacer(
            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
        )
    return _redis_pacer


_redis_pacer = None


def default_client() -> ArxivHttpClient:
    return ArxivHttpClient(
        settings.ARXIV_USER_AGENT,
        min_interval=settings.ARXIV_MIN_INTERVAL,
        backoff=settings.ARXIV_BACKOFF,
        timeout=settings.ARXIV_TIMEOUT,
        deadline=settings.ARXIV_REQUEST_DEADLINE,
        max_wait=settings.ARXIV_MAX_WAIT,
        pacer=default_pacer(),
    )


def last_oai_watermark(*, set_spec: str) -> dt.date | None:
    """The from-date where the next harvest of ``set_spec`` starts: one query."""
    run = (
        ImportRun.objects.filter(
            source=OAI_SOURCE, status=ImportRun.Status.FINISHED, parameters__set=set_spec
        )
        .exclude(watermark="")
        .order_by("-watermark", "-finished_at")  # ISO dates: the latest one
        .first()
    )
    return dt.date.fromisoformat(run.watermark) if run else None


class _PageFeed:
    """The items of every page in order, noting datestamps; stops cleanly at a client error.

    On an arXiv error the feed ends with a fatal skip instead of raising, so the loader still
    commits the records already read and the run records why it stopped.
    """

    def __init__(self, pages: Iterator[OaiPage] | Iterator[AtomPage]) -> None:
        self.pages = pages
        self.pages_read = 0
        self.error: ArxivError | None = None
        self.max_datestamp: dt.date | None = None
        self.on_page = None  # set by the import: a heartbeat per page read

    def __iter__(self) -> Iterator[ParsedItem]:
        try:
            for page in self.pages:
                self.pages_read += 1
                if self.on_page:
                    self.on_page()
                yield from self._noting_datestamps(page.items)
        except ArxivError as exc:
            self.error = exc
            where = f"page {self.pages_read + 1}"
            yield SkippedRecord(where=where, reason=f"harvest stopped: {exc}", fatal=True)

    def _noting_datestamps(self, items: Iterable[ParsedItem]) -> Iterator[ParsedItem]:
        for item in items:
            stamp = _datestamp(item)
            if stamp and (self.max_datestamp is None or stamp > self.max_datestamp):
                self.max_datestamp = stamp
            yield item


def _datestamp(item: ParsedItem) -> dt.date | None:
    """The OAI header datestamp the parser kept for a record (None for skipped records)."""
    return item.metadata_date if isinstance(item, WorkRecord) else None


def harvest_oai(
    *,
    set_spec: str,
    metadata_prefix: str = "arXivRaw",
    from_date: dt.date | None = None,
    until: dt.date | None = None,
    client: ArxivHttpClient | None = None,
    base_url: str | None = None,
) -> ImportRun:
    """Harvest one OAI-PMH set since ``from_date`` (default: the set's watermark) into one ImportRun.

    On success the run's watermark is the latest datestamp seen (or the from-date when nothing
    changed), so the next harvest starts there; OAI from-dates are inclusive, so that day is read
    again, which is harmless. Safe to run twice: the loader upserts on arXiv ids and the second
    run only finds records it already has.

    On an arXiv failure (ArxivUnavailable, ArxivRequestError, OaiError) the records already read
    stay imported, the run is marked failed with the error and keeps no watermark; the error is
    then raised again so a task can retry it.
    """
    if from_date is None:
        from_date = last_oai_watermark(set_spec=set_spec)
    pages = iter_oai_pages(
        client or default_client(),
        base_url or settings.ARXIV_OAI_URL,
        metadata_prefix=metadata_prefix,
        set_spec=set_spec,
        from_date=from_date,
        until=until,
    )
    feed = _PageFeed(pages)
    parameters = {
        "set": set_spec,
        "from": from_date.isoformat() if from_date else None,
        **({"until": until.isoformat()} if until else {}),
        "metadata_prefix": metadata_prefix,
    }
    run = import_items(
        feed, source=OAI_SOURCE, parameters=parameters, batch_size=settings.HARVEST_BATCH_SIZE
    )
    window_end = feed.max_datestamp or from_date
    if window_end:
        run.window_end = window_end.isoformat()
        run.save(update_fields=["window_end"])
    _raise_feed_error(feed, run)
    if run.status == ImportRun.Status.FINISHED and window_end:
        if run.records_failed:
            # Keep the window: the next harvest reads it again and retries the refused records.
            logger.warning(
                "harvest run %s of %s: %d records refused by the database; the watermark stays "
                "at %s until they are in or a curator acknowledges them",
                run.pk,
                set_spec,
                run.records_failed,
                from_date,
            )
        else:
            run.watermark = window_end.isoformat()
            run.save(update_fields=["watermark"])
    return run


def acknowledge_failures(run: ImportRun, *, user) -> bool:
    """A person has seen why the run's records failed: the watermark moves to the end of the
    run's window, so later harvests stop reading it again. Returns False when there was
    nothing to acknowledge (no failed records, already acknowledged, or not a finished harvest)."""
    updated = (
        ImportRun.objects.filter(
            pk=run.pk,
            source=OAI_SOURCE,
            status=ImportRun.Status.FINISHED,
            records_failed__gt=0,
            failures_acknowledged_at__isnull=True,
        )
        .exclude(window_end="")
        .update(
            failures_acknowledged_at=timezone.now(),
            failures_acknowledged_by=user,
            watermark=run.window_end,
        )
    )
    return bool(updated)


def fetch_works(
    arxiv_ids: list[str],
    *,
    client: ArxivHttpClient | None = None,
    base_url: str | None = None,
) -> ImportRun:
    """Re-import the given works through the arXiv API (id_list) into one ImportRun.

    Safe to run twice: the loader is version-aware, so fetching the same works again changes
    nothing. Raises the arXiv error after recording the failed run, like ``harvest_oai``.
    """
    ids = list(dict.fromkeys(i.strip() for i in arxiv_ids if i.strip()))
    if not ids:
        raise ValueError("no arXiv ids to fetch")
    pages = iter_api_pages(
        client or default_client(), base_url or settings.ARXIV_API_URL, id_list=ids
    )
    feed = _PageFeed(pages)
    run = import_items(feed, source=API_SOURCE, parameters={"id_list": ids})
    _raise_feed_error(feed, run)
    return run


def _raise_feed_error(feed: _PageFeed, run: ImportRun) -> None:
    if feed.error is not None:
        feed.error.add_note(f"recorded as failed ImportRun {run.pk}")
        raise feed.error
