"""Celery tasks for imports: thin wrappers over publications.harvest and publications.services.

Plain arguments in, a small dict of counts out. Only ArxivUnavailable (arXiv busy or down) is
retried; every harvest is safe to run again, so a retry simply re-reads from the watermark.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import get_connection

from publications import digests, harvest, services
from publications.arxiv.clients import ArxivUnavailable
from publications.models import ImportRun

RETRYING = {
    "bind": True,
    "acks_late": True,
    "autoretry_for": (ArxivUnavailable,),
    "retry_backoff": True,
    "retry_backoff_max": 3600,
    "max_retries": 5,
}


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
    }


@shared_task(**RETRYING)
def harvest_set(self, set_spec: str, from_date: str | None = None) -> dict[str, Any]:
    """Harvest one OAI-PMH set; ``from_date`` is an ISO date, default the set's watermark."""
    start = dt.date.fromisoformat(from_date) if from_date else None
    return _counts(harvest.harvest_oai(set_spec=set_spec, from_date=start))


@shared_task(**RETRYING)
def harvest_configured_sets(self) -> list[str]:
    """Enqueue one harvest per set in BZPEER_HARVEST_SETS, so one failing set spares the others."""
    for set_spec in settings.BZPEER_HARVEST_SETS:
        harvest_set.delay(set_spec)
    return list(settings.BZPEER_HARVEST_SETS)


@shared_task(**RETRYING)
def reimport_work(self, arxiv_id: str) -> dict[str, Any]:
    """Fetch one work from the arXiv API again (after a new version, or to repair it)."""
    return _counts(harvest.fetch_works([arxiv_id]))


@shared_task(**RETRYING)
def import_file(self, path: str) -> dict[str, Any]:
    """Import a local file (snapshot, Atom or OAI-PMH) via publications.services.import_path."""
    return _counts(services.import_path(Path(path)))


# --- E-mail digests -----------------------------------------------------------------------------


@shared_task(acks_late=True)
def send_due_digests() -> dict[str, int]:
    """Beat, daily: the users whose digest is due, sent to in batches of digests.BATCH (one task
    each, so workers share them). Safe to run twice: each user's send re-checks their period."""
    due = digests.users_due()
    batches = [due[i : i + digests.BATCH] for i in range(0, len(due), digests.BATCH)]
    for batch in batches:
        send_digest_batch.delay(batch)
    return {"users": len(due), "batches": len(batches)}


@shared_task(acks_late=True)
def send_digest_batch(user_ids: list[int]) -> dict[str, int]:
    """One batch of digests through one mail connection."""
    sent = works = 0
    with get_connection() as connection:
        for user_id in user_ids:
            listed = digests.send_digest(user_id=int(user_id), connection=connection)
            sent += bool(listed)
            works += listed
    return {"mails": sent, "works": works}
