"""Read the Kaggle "arxiv-metadata-oai-snapshot" JSON-lines format.

This is how a fresh install is bootstrapped: one JSON object per line (id, submitter, authors,
title, comments, journal-ref, doi, report-no, categories, license, abstract, versions,
update_date). The reader streams, so a multi-gigabyte file never sits in memory, and it never
gives up on the whole file because of one bad line: every line it cannot use comes back as a
``SkippedRecord`` naming the line, and a truncated download ends with one fatal
``SkippedRecord`` after everything that could be read.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from publications.arxiv.authors import split_authors
from publications.arxiv.records import ParsedItem, SkippedRecord, VersionRecord, WorkRecord
from publications.arxiv.text import (
    abstract_paragraphs,
    collapse_whitespace,
    parse_arxiv_date,
    split_categories,
    split_dois,
)

__all__ = ["parse_jsonl", "open_snapshot", "record_from_json"]

SOURCE = "snapshot"
# Fields kept in WorkRecord.extra when present, under their arXiv names.
_EXTRA_FIELDS = ("msc-class", "acm-class")
_GZIP_MAGIC = b"\x1f\x8b"


def parse_jsonl(
    stream: IO[bytes] | IO[str] | Iterable[bytes] | Iterable[str], *, start_line: int = 1
) -> Iterator[ParsedItem]:
    """Yield a ``WorkRecord`` or ``SkippedRecord`` for every non-blank line of ``stream``.

    ``start_line`` is the number of the stream's first line, for callers that resume part-way
    through a file. A stream that breaks off (truncated or corrupt gzip) ends the iteration
    with a fatal ``SkippedRecord`` instead of an exception, after every readable line.
    """
    number = start_line - 1
    lines: Iterator[bytes | str] = iter(stream)
    while True:
        try:
            line = next(lines)
        except StopIteration:
            return
        except (EOFError, zlib.error, gzip.BadGzipFile, OSError) as exc:
            yield SkippedRecord(
                where=f"line {number + 1}",
                reason=f"file is truncated or corrupt after line {number}: {exc}",
                fatal=True,
            )
            return
        number += 1
        if not line.strip():
            continue
        yield _parse_line(line, number)


def _parse_line(line: bytes | str, number: int) -> ParsedItem:
    where = f"line {number}"
    try:
        data = json.loads(line)
    except ValueError as exc:  # JSONDecodeError, and UnicodeDecodeError for bad bytes
        detail = (
            f"{exc.msg} at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else exc
        )
        return SkippedRecord(where=where, reason=f"malformed JSON: {detail}")
    if not isinstance(data, dict):
        return SkippedRecord(where=where, reason="line is not a JSON object")
    # PostgreSQL text cannot hold NUL: such a record is skipped alone (looked for only when the
    # line spells the escape, so ordinary lines cost nothing more).
    if ("\\u0000" in line if isinstance(line, str) else b"\\u0000" in line) and _holds_nul(data):
        return SkippedRecord(
            where=where,
            reason="a NUL character (\\u0000) in a field",
            arxiv_id=_text(data.get("id")).replace("\x00", "").strip(),
        )
    return record_from_json(data, where=where)


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def record_from_json(data: dict[str, Any], *, where: str) -> ParsedItem:
    """Build a ``WorkRecord`` from one snapshot object, or say why it cannot be used."""
    arxiv_id = _text(data.get("id")).strip()
    if not arxiv_id:
        return SkippedRecord(where=where, reason="no arXiv id")
    title = collapse_whitespace(_text(data.get("title")))
    if not title:
        return SkippedRecord(where=where, reason="empty title", arxiv_id=arxiv_id)
    try:
        versions = _versions(data.get("versions"))
    except ValueError as exc:
        return SkippedRecord(where=where, reason=str(exc), arxiv_id=arxiv_id)
    dois = split_dois(_text(data.get("doi")))
    extra = {key: collapse_whitespace(_text(data[key])) for key in _EXTRA_FIELDS if data.get(key)}
    if len(dois) > 1:
        extra["dois"] = " ".join(dois)
    return WorkRecord(
        arxiv_id=arxiv_id,
        title=title,
        authors=split_authors(_text(data.get("authors"))),
        categories=split_categories(_text(data.get("categories"))),
        versions=versions,
        abstract=abstract_paragraphs(_text(data.get("abstract"))),
        comments=collapse_whitespace(_text(data.get("comments"))),
        journal_ref=collapse_whitespace(_text(data.get("journal-ref"))),
        doi=dois[0] if dois else "",
        report_no=collapse_whitespace(_text(data.get("report-no"))),
        license=_text(data.get("license")).strip(),
        submitter=collapse_whitespace(_text(data.get("submitter"))),
        source=SOURCE,
        metadata_date=_date(_text(data.get("update_date"))),
        extra=extra,
    )


def _date(value: str) -> dt.date | None:
    """The snapshot's update_date ("2008-11-13"); None when absent or unreadable."""
    try:
        return dt.date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


def _text(value: object) -> str:
    """JSON null (license, doi, ...) reads as ""; anything else as its string."""
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _versions(raw: object) -> list[VersionRecord]:
    """``[{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}, ...]``, ascending."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ValueError("versions is not a list")
    versions: dict[int, VersionRecord] = {}
    for item in raw:
        if not isinstance(item, dict):
            raise ValueError(f"version entry {item!r} is not an object")
        label = _text(item.get("version")).strip()
        if len(label) < 2 or label[0] not in "vV" or not label[1:].isdigit():
            raise ValueError(f"bad version label {label!r}")
        try:
            created = parse_arxiv_date(_text(item.get("created")))
        except ValueError as exc:
            raise ValueError(f"bad date for {label}: {exc}") from None
        number = int(label[1:])
        versions[number] = VersionRecord(number, created, _text(item.get("size")).strip())
    return [versions[n] for n in sorted(versions)]


def open_snapshot(path: str | Path) -> Iterator[ParsedItem]:
    """Parse a snapshot file, ``.jsonl`` or gzip-compressed (by content, whatever its name)."""
    path = Path(path)
    with path.open("rb") as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
    if compressed:
        with gzip.open(path, "rb") as stream:
            yield from parse_jsonl(stream)
    else:
        with path.open("rb") as stream:
            yield from parse_jsonl(stream)
