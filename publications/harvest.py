"""Harvest arXiv live: OAI-PMH sets from a from-date watermark, and single works through the API.

Each harvest is one ImportRun fed through the same loader as file imports. The loader commits
batch by batch, so these services are deliberately not one transaction: when arXiv fails half-way,
what was already imported stays, the run is marked failed, and the watermark does not move.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from django.conf import settings

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

OAI_SOURCE = "oai-harvest"
API_SOURCE = "api-harvest"


def default_client() -> ArxivHttpClient:
    return ArxivHttpClient(settings.ARXIV_USER_AGENT, min_interval=settings.ARXIV_MIN_INTERVAL)


def last_oai_watermark(*, set_spec: str) -> dt.date | None:
    """The from-date where the next harvest of ``set_spec`` starts: one query."""
    run = (
        ImportRun.objects.filter(
            source=OAI_SOURCE, status=ImportRun.Status.FINISHED, parameters__set=set_spec
        )
        .exclude(watermark="")
        .order_by("-finished_at")
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

    def __iter__(self) -> Iterator[ParsedItem]:
        try:
            for page in self.pages:
                self.pages_read += 1
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
    )
    feed = _PageFeed(pages)
    parameters = {
        "set": set_spec,
        "from": from_date.isoformat() if from_date else None,
        "metadata_prefix": metadata_prefix,
    }
    run = import_items(feed, source=OAI_SOURCE, parameters=parameters)
    _raise_feed_error(feed, run)
    watermark = feed.max_datestamp or from_date
    if run.status == ImportRun.Status.FINISHED and watermark:
        run.watermark = watermark.isoformat()
        run.save(update_fields=["watermark"])
    return run


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
