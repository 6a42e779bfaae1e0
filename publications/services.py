"""Writes for publications: imports recorded as ImportRuns, fed through the bulk loader."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from publications.arxiv import atom, oai, snapshot
from publications.arxiv.detect import detect_format
from publications.arxiv.records import ParsedItem, SkippedRecord
from publications.loader import Loader, LoadStats
from publications.models import ImportRun


class UnreadableInput(Exception):
    """The input could not be read at all (missing file, unknown format)."""


def import_items(
    items: Iterable[ParsedItem],
    *,
    source: str,
    parameters: dict | None = None,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 2000,
) -> ImportRun:
    """Load parsed records and record the run. Safe to run twice: the second run changes nothing.

    Each batch commits on its own, so what was imported before a bad record or a truncated file
    stays; the run lists what was skipped and why.
    """
    run = ImportRun.objects.create(source=source, parameters=parameters or {})
    loader = Loader(batch_size=batch_size)
    try:
        stats = loader.load(items, progress=progress)
    except Exception as exc:
        _finish(run, loader.stats, status=ImportRun.Status.FAILED, fatal=f"import stopped: {exc}")
        raise
    _finish(run, stats, status=ImportRun.Status.FAILED if stats.fatal else ImportRun.Status.FINISHED)
    _after_import(stats)
    return run


def _finish(run: ImportRun, stats: LoadStats, *, status: str, fatal: str = "") -> None:
    run.status = status
    run.records_seen = stats.seen
    run.records_created = stats.created
    run.records_updated = stats.updated
    run.records_unchanged = stats.unchanged
    run.records_skipped = stats.skipped
    run.records_failed = stats.failed
    run.errors = stats.errors + ([{"where": "run", "arxiv_id": "", "reason": fatal}] if fatal else [])
    run.finished_at = timezone.now()
    run.save()
    run.touched_author_ids = stats.touched_author_ids  # type: ignore[attr-defined]
    run.skip_reasons = dict(stats.skip_reasons)  # type: ignore[attr-defined]


def _after_import(stats: LoadStats) -> None:
    """Hook for recomputing what depends on authorships (counters, scores) once the run commits."""
    from publications import signals

    if stats.touched_author_ids:
        ids = sorted(stats.touched_author_ids)
        transaction.on_commit(lambda: signals.authors_changed.send(sender=ImportRun, author_ids=ids))


def parse_path(path: Path) -> tuple[str, Iterator[ParsedItem]]:
    """Detect the format of one file and return (source name, parsed items)."""
    if not path.exists():
        raise UnreadableInput(f"{path}: no such file")
    if not path.is_file():
        raise UnreadableInput(f"{path}: not a file")
    try:
        fmt = detect_format(path)
    except (ValueError, OSError) as exc:
        raise UnreadableInput(f"{path}: {exc}") from exc
    if fmt == "jsonl":
        return "snapshot", snapshot.open_snapshot(path)
    data = path.read_bytes()
    if fmt == "atom":
        return "atom", iter(atom.parse_atom(data).items)
    page = oai.parse_oai(data)
    return "oai", _oai_items(page)


def _oai_items(page: oai.OaiPage) -> Iterator[ParsedItem]:
    if page.error_code and page.error_code != "noRecordsMatch":
        yield SkippedRecord(
            where="page",
            reason=f"OAI-PMH error {page.error_code}: {page.error_message}",
            fatal=page.error_code == "malformed",
        )
    yield from page.items


def import_path(
    path: Path, *, progress: Callable[[int], None] | None = None, batch_size: int = 2000
) -> ImportRun:
    source, items = parse_path(path)
    return import_items(
        items,
        source=source,
        parameters={"path": str(path)},
        progress=progress,
        batch_size=batch_size,
    )
