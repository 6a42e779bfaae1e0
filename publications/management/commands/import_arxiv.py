"""``manage.py import_arxiv PATH [PATH ...]``: import arXiv metadata files of any supported format.

After the files, the identity engine resolves the name blocks they wrote (one pass for all the
files), then counters and trust scores are recomputed for the records both changed: the command
ends with resolved records (inline without REDIS_URL; with a broker the recompute is enqueued)."""

from __future__ import annotations

import gzip
import sys
import time
import zlib
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from publications.arxiv.detect import detect_format
from publications.identity_incremental import BatchResult, batch_mark
from publications.models import ImportRun
from publications.services import (
    UnreadableInput,
    import_path,
    mark_interrupted_runs,
    resolve_imported,
)
from publications.signals import author_changes_held

# How records start in each format, to size the progress bar before the import reads the file.
_RECORD_START = {"jsonl": b"\n", "oai": b"<record>", "atom": b"<entry>"}


class Command(BaseCommand):
    help = (
        "Import arXiv metadata files: arXiv API Atom responses, OAI-PMH pages (arXiv, arXivRaw) "
        "and JSON-lines snapshots (.jsonl, .jsonl.gz). The format is detected from the content."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help="files or folders to import")
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument(
            "--no-progress",
            action="store_true",
            help="no progress bar (it is shown only when standard error is a terminal)",
        )
        parser.add_argument(
            "--show-skipped", type=int, default=20, help="how many skipped records to list per file"
        )
        parser.add_argument(
            "--no-identity",
            action="store_true",
            help="leave the records by name key: no identity pass after the import (the nightly "
            "pass or manage.py resolve_identities resolves them later)",
        )

    def handle(
        self,
        *args,
        paths: list[Path],
        batch_size: int,
        no_progress: bool,
        show_skipped: int,
        no_identity: bool = False,
        **options,
    ) -> None:
        for run in mark_interrupted_runs():
            self.stderr.write(
                self.style.WARNING(
                    f"import run {run.pk} ({run.source}, started {run.started_at:%Y-%m-%d %H:%M} UTC) "
                    f"was interrupted: {run.records_created} created, {run.records_updated} updated, "
                    f"{run.records_unchanged} unchanged were committed; importing again finishes it"
                )
            )
        files = _expand(paths)
        resolve = not no_identity and settings.BZPEER_IDENTITY_ON_IMPORT
        error = ""
        # Counters and scores once at the end, for the records the files and the pass changed.
        with author_changes_held(sender=ImportRun) as changed:
            mark = batch_mark() if resolve else None
            blocks, unreadable = self._import(files, batch_size, no_progress, show_skipped)
            if resolve:
                started = time.perf_counter()
                result, error = resolve_imported(blocks, mark)
                if error:
                    self.stderr.write(
                        self.style.ERROR(
                            f"identity pass failed ({error}): the records stay by name key until "
                            "the next pass (manage.py resolve_identities)"
                        )
                    )
                elif result is not None:
                    batch = (
                        f" (incremental: {result.new_authorships} new authorships, "
                        f"{result.new_records} new records, {result.pairs_scored} pairs scored)"
                        if isinstance(result, BatchResult)
                        else ""
                    )
                    self.stdout.write(
                        f"identity: {result.authorships} authorships in {result.blocks} name "
                        f"blocks{batch}: {result.merged} records merged, {result.split} split, "
                        f"{result.moved} authorships moved to their person's record, "
                        f"{result.proposals + result.split_proposals} proposals "
                        f"({time.perf_counter() - started:.1f} s)"
                    )
            started = time.perf_counter()
            records = len(changed.authorships)
        if records and not settings.BZPEER_SCORES_ON_CHANGE:
            self.stdout.write(
                f"counters and trust scores of {records} records not recomputed "
                "(BZPEER_SCORES_ON_CHANGE=0): manage.py recompute_scores"
            )
        elif records and current_app.conf.task_always_eager:
            self.stdout.write(
                f"counters and trust scores of {records} records recomputed "
                f"({time.perf_counter() - started:.1f} s)"
            )
        elif records:
            self.stdout.write(f"counters and trust scores of {records} records: recompute enqueued")
        problems = []
        if unreadable:
            problems.append(
                f"{len(unreadable)} file(s) could not be read: " + "; ".join(unreadable)
            )
        if error:
            problems.append(f"the identity pass failed: {error}")
        if problems:
            raise CommandError("; ".join(problems))

    def _import(
        self, files: list[Path], batch_size: int, no_progress: bool, show_skipped: int
    ) -> tuple[set[str], list[str]]:
        """Import the files: the name blocks they wrote, and the files that could not be read."""
        blocks: set[str] = set()
        unreadable: list[str] = []
        totals = dict(seen=0, created=0, updated=0, unchanged=0, skipped=0, failed=0)
        # The bar goes to standard error (tqdm's default), so it is shown when that is a terminal,
        # whatever happens to standard output (a pipe, a log file); it stays on screen above the
        # file's summary line.
        show = not no_progress and sys.stderr.isatty()
        for path in files:
            bar = tqdm(
                desc=path.name,
                unit=" records",
                file=sys.stderr,
                total=_count_records(path) if show else None,
                disable=not show,
                dynamic_ncols=True,
            )
            try:
                run = import_path(path, progress=bar.update, batch_size=batch_size, resolve=False)
            except UnreadableInput as exc:
                unreadable.append(str(exc))
                self.stderr.write(self.style.ERROR(f"cannot read {exc}"))
                continue
            finally:
                bar.close()
            counts = dict(
                seen=run.records_seen,
                created=run.records_created,
                updated=run.records_updated,
                unchanged=run.records_unchanged,
                skipped=run.records_skipped,
                failed=run.records_failed,
            )
            blocks |= run.touched_blocks  # type: ignore[attr-defined]
            for key, value in counts.items():
                totals[key] += value
            style = (
                self.style.WARNING
                if (run.records_skipped or run.records_failed)
                else self.style.SUCCESS
            )
            self.stdout.write(style(f"{path}: " + _format(counts) + f" (import run {run.pk})"))
            for error in run.errors[:show_skipped]:
                ident = f" {error['arxiv_id']}" if error.get("arxiv_id") else ""
                self.stdout.write(f"  skipped {error['where']}{ident}: {error['reason']}")
            if len(run.errors) > show_skipped:
                self.stdout.write(
                    f"  ... and {len(run.errors) - show_skipped} more (see import run {run.pk})"
                )
        if len(files) > 1:
            self.stdout.write(self.style.SUCCESS("total: " + _format(totals)))
        return blocks, unreadable


def _expand(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and not p.name.startswith(".")
                    and p.suffix.lower() in {".xml", ".jsonl", ".gz", ".json", ".atom"}
                )
            )
        else:
            files.append(path)
    return files


def _count_records(path: Path) -> int | None:
    """About how many records the file holds (one quick pass over it), or None when unknown."""
    try:
        marker = _RECORD_START[detect_format(path)]
        with path.open("rb") as raw:
            opener = gzip.open if raw.read(2) == b"\x1f\x8b" else open
        count, tail = 0, b""
        with opener(path, "rb") as stream:
            while chunk := stream.read(1 << 20):
                count += (tail + chunk).count(marker)
                tail = chunk[-(len(marker) - 1) :] if len(marker) > 1 else b""
        return count or None
    except (OSError, ValueError, EOFError, zlib.error):
        return None


def _format(counts: dict[str, int]) -> str:
    return ", ".join(f"{value} {key}" for key, value in counts.items())
