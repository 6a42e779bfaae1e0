"""The parsed shape of one arXiv record, shared by every parser and the loader.

Parsers (atom, oai, snapshot) turn their input into ``WorkRecord`` values and report what they
could not use as ``SkippedRecord`` values; they never touch the ORM. The loader
(``publications.services.load_records``) is the only consumer that writes to the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class AuthorRecord:
    """One author of a work, in printed order."""

    name: str  # the name exactly as printed (TeX accents decoded to Unicode, whitespace collapsed)
    affiliation: str = ""  # the affiliation as printed; several joined with "; "


@dataclass(frozen=True, slots=True)
class VersionRecord:
    number: int  # 1 for v1
    created: dt.datetime  # timezone-aware, UTC
    size: str = ""  # as arXiv prints it, e.g. "294kb"; "" when the source does not say


@dataclass(slots=True)
class WorkRecord:
    arxiv_id: str  # without version: "0704.0001", "hep-th/9901001"
    title: str
    authors: list[AuthorRecord]
    categories: list[str]  # primary category first, no duplicates
    versions: list[
        VersionRecord
    ]  # known versions, ascending; may have gaps (the API gives v1 and vN)
    abstract: str = ""
    comments: str = ""
    journal_ref: str = ""
    doi: str = ""
    report_no: str = ""
    license: str = ""
    submitter: str = ""
    source: str = ""  # "atom", "oai-arXiv", "oai-arXivRaw", "snapshot"
    # Version count when the source knows it although it lists fewer versions (the API's vN id).
    latest_version: int | None = None
    # When no version dates are known at all (OAI arXiv format: only created/updated dates).
    created: dt.datetime | None = None
    updated: dt.datetime | None = None
    # When the source last changed this record's metadata (snapshot update_date, OAI datestamp,
    # API <updated>): decides between two records of the same version (journal-ref, DOI added later).
    metadata_date: dt.date | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def primary_category(self) -> str:
        return self.categories[0] if self.categories else ""

    @property
    def version_count(self) -> int:
        known = max((v.number for v in self.versions), default=0)
        return max(known, self.latest_version or 0, 1)

    @property
    def first_submitted(self) -> dt.datetime | None:
        for version in self.versions:
            if version.number == 1:
                return version.created
        return self.created

    @property
    def latest_version_date(self) -> dt.datetime | None:
        if self.versions:
            return max(self.versions, key=lambda v: v.number).created
        return self.updated or self.created


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    """A record (or a whole input) that a parser could not use, and why."""

    where: str  # "line 17", "entry 3", "page"
    reason: str  # a sentence a user understands: "empty title (ghost entry)"
    arxiv_id: str = ""
    fatal: bool = (
        False  # True when the rest of the input could not be read (truncated .gz, XML syntax)
    )


ParsedItem = WorkRecord | SkippedRecord
