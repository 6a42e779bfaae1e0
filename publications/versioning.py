"""Which record wins: the version rules of the import, as pure functions (no ORM).

A record replaces the stored work only when it describes a newer version (more versions, or the same
number with a later date) or the same version with metadata at least as recent; an older record
changes nothing. Kept apart from the loader so the rules can be tested without a database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from publications.arxiv.records import WorkRecord


@dataclass(frozen=True, slots=True)
class StoredWork:
    id: int
    version_count: int
    latest_version_date: dt.datetime | None
    content_hash: str
    metadata_date: dt.date | None


def content_hash(record: WorkRecord) -> str:
    payload = [
        record.title,
        record.abstract,
        record.comments,
        record.journal_ref,
        record.doi,
        record.report_no,
        record.license,
        record.categories,
        [(a.name, a.affiliation) for a in record.authors],
        [(v.number, v.created.isoformat(), v.size) for v in record.versions],
        record.version_count,
    ]
    return hashlib.md5(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def invalid_reason(record: WorkRecord) -> str:
    if not record.arxiv_id:
        return "no arXiv id"
    if not record.title.strip():
        return "empty title (ghost entry)"
    if not record.authors:
        return "no authors"
    if not record.versions and record.created is None:
        return "no submission date"
    return ""


def supersedes(record: WorkRecord, digest: str, stored: StoredWork) -> bool:
    """Whether the record should replace the stored work.

    A newer version (more versions, or the same count with a later date) always does; an older one
    never does. The same version with other metadata does when its metadata is at least as recent
    (a journal-ref or DOI added later), so alternating two sources does not flip-flop.
    """
    incoming_count, incoming_date = record.version_count, record.latest_version_date
    if incoming_count != stored.version_count:
        return incoming_count > stored.version_count
    if incoming_date and stored.latest_version_date and incoming_date != stored.latest_version_date:
        return incoming_date > stored.latest_version_date
    if digest == stored.content_hash:
        return False
    if stored.metadata_date is None:
        return True
    return record.metadata_date is not None and record.metadata_date >= stored.metadata_date


def newest_per_id(batch: list[WorkRecord]) -> list[WorkRecord]:
    """Within one batch, keep one record per arXiv id: the newest version (the later on a tie)."""
    chosen: dict[str, WorkRecord] = {}
    for record in batch:
        current = chosen.get(record.arxiv_id)
        if current is None or _version_key(record) >= _version_key(current):
            chosen[record.arxiv_id] = record
    return list(chosen.values())


def _version_key(record: WorkRecord) -> tuple[int, dt.datetime]:
    return (record.version_count, record.latest_version_date or _EPOCH)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
