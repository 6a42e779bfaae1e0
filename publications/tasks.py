"""Celery tasks for imports: thin wrappers over publications.harvest and publications.services.

Plain arguments in, a small dict of counts out. Only ArxivUnavailable (arXiv busy or down) is
retried, by rescheduling the task (never by sleeping in the worker): after arXiv's Retry-After
when it gave one (capped), else with exponential backoff. Every harvest is safe to run again, so a
retry simply re-reads from the watermark.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from celery import shared_task
from django.conf import settings

from publications import harvest, services
from publications.arxiv.clients import ArxivUnavailable
from publications.models import ImportRun

log = logging.getLogger(__name__)

RETRYING = {"bind": True, "acks_late": True, "max_retries": 5}
# Longest a task waits before its next try (arXiv's Retry-After is capped to this).
RETRY_MAX_COUNTDOWN = 600  # stays well under the broker visibility timeout (settings)
RETRY_BASE_COUNTDOWN = 60


def retry_countdown(exc: ArxivUnavailable, retries: int) -> int:
    """Seconds until the next try: arXiv's Retry-After when it asked, else 60 s doubling."""
    wanted = exc.retry_after if exc.retry_after is not None else RETRY_BASE_COUNTDOWN * 2**retries
    return int(min(max(wanted, 1), RETRY_MAX_COUNTDOWN))


def _rescheduled(task, exc: ArxivUnavailable):
    countdown = retry_countdown(exc, task.request.retries)
    log.warning("%s: arXiv unavailable, rescheduled in %d s: %s", task.name, countdown, exc)
    return task.retry(exc=exc, countdown=countdown)


def _counts(run: ImportRun) -> dict[str, Any]:
    return {
        "run": run.pk,
        "status": run.status,
        "seen": run.records_seen,
        "created": run.records_created,
        "updated": run.records_updated,
        "unchanged": run.records_unchanged,
        "skipped": run.records_skipped,
        "failed": run.records_failed,
        "watermark": run.watermark,
        # The identity pass over the name blocks the run wrote (records merged, proposals).
        "identity_merged": getattr(getattr(run, "identity", None), "merged", 0),
        "identity_proposals": getattr(getattr(run, "identity", None), "proposals", 0),
        "identity_error": getattr(run, "identity_error", ""),
    }


@shared_task(**RETRYING)
def harvest_set(
    self, set_spec: str, from_date: str | None = None, until: str | None = None
) -> dict[str, Any]:
    """Harvest one OAI-PMH set; ``from_date`` is an ISO date, default the set's watermark."""
    start = dt.date.fromisoformat(from_date) if from_date else None
    end = dt.date.fromisoformat(until) if until else None
    services.mark_interrupted_runs()
    try:
        return _counts(harvest.harvest_oai(set_spec=set_spec, from_date=start, until=end))
    except ArxivUnavailable as exc:
        raise _rescheduled(self, exc) from exc


@shared_task(**RETRYING)
def harvest_configured_sets(self) -> list[str]:
    """Enqueue one harvest per set in BZPEER_HARVEST_SETS, so one failing set spares the others."""
    for set_spec in settings.BZPEER_HARVEST_SETS:
        harvest_set.delay(set_spec)
    return list(settings.BZPEER_HARVEST_SETS)


@shared_task(**RETRYING)
def reimport_work(self, arxiv_id: str) -> dict[str, Any]:
    """Fetch one work from the arXiv API again (after a new version, or to repair it)."""
    try:
        return _counts(harvest.fetch_works([arxiv_id]))
    except ArxivUnavailable as exc:
        raise _rescheduled(self, exc) from exc


@shared_task(**RETRYING)
def import_file(self, path: str) -> dict[str, Any]:
    """Import a local file (snapshot, Atom or OAI-PMH) via publications.services.import_path."""
    return _counts(services.import_path(Path(path)))


# The identity engine's full pass (nightly, Celery beat): one task per group of name blocks, so
# any number of workers on the same broker share it. Each group is an ordinary pass over its
# blocks (publications.identity_service.resolve_identities): claimed and curated records get
# proposals, never changes. Safe to run twice: a second pass over the same data changes nothing.
# The settings' task time limit applies (a group of blocks takes well under a minute on astro-ph),
# so the broker never hands a running group to a second worker.
IDENTITY_TASK = {"acks_late": True}


@shared_task(**IDENTITY_TASK)
def resolve_identities_nightly() -> int:
    """Enqueue the full pass: one ``resolve_identity_blocks`` task per group of blocks."""
    from publications.identity_service import block_groups

    groups = block_groups()
    for blocks in groups:
        resolve_identity_blocks.delay(blocks)
    log.info("identity full pass: %d groups of name blocks enqueued", len(groups))
    return len(groups)


@shared_task(**IDENTITY_TASK)
def resolve_identity_blocks(blocks: list[str]) -> dict[str, int]:
    """One pass of the identity engine over these name blocks."""
    from publications.identity_service import resolve_identities

    result = resolve_identities(blocks=blocks)
    return {
        "blocks": result.blocks,
        "authorships": result.authorships,
        "merged": result.merged,
        "split": result.split,
        "moved": result.moved,
        "proposals": result.proposals + result.split_proposals,
    }
