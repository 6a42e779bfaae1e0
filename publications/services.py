"""Writes for publications: imports recorded as ImportRuns, fed through the bulk loader."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from profiles.models import Author
from publications.arxiv import atom, oai, snapshot
from publications.arxiv.detect import detect_format
from publications.arxiv.records import ParsedItem, SkippedRecord
from publications.loader import Loader, LoadStats
from publications.models import Authorship, AuthorshipSource, ImportRun, Work

logger = logging.getLogger(__name__)


class UnreadableInput(Exception):
    """The input could not be read at all (missing file, unknown format)."""


def _beat(run_id: int, counts: dict[str, int]) -> None:
    """Record a committed batch on the run: its counts so far and the time (in the batch's own
    transaction, so the counts are exactly what is committed)."""
    ImportRun.objects.filter(pk=run_id).update(
        heartbeat_at=timezone.now(),
        records_seen=counts["seen"],
        records_created=counts["created"],
        records_updated=counts["updated"],
        records_unchanged=counts["unchanged"],
        records_skipped=counts["skipped"],
        records_failed=counts["failed"],
    )


def beat(run: ImportRun) -> None:
    """The run is alive (a harvest between pages, waiting on arXiv)."""
    ImportRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())


def _process_gone(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def mark_interrupted_runs(*, stale_after: dt.timedelta | None = None) -> list[ImportRun]:
    """Mark as interrupted the running runs whose process is gone (same machine) or that showed
    no progress for ``stale_after`` (default BZPEER_IMPORT_STALE_MINUTES). Their counts are those
    of their last committed batch. Returns the runs marked; safe to run twice."""
    if stale_after is None:
        stale_after = dt.timedelta(minutes=settings.BZPEER_IMPORT_STALE_MINUTES)
    now = timezone.now()
    host = socket.gethostname()
    marked = []
    for run in ImportRun.objects.filter(status=ImportRun.Status.RUNNING).order_by("pk"):
        last = run.heartbeat_at or run.started_at
        gone = run.host == host and run.pid != os.getpid() and _process_gone(run.pid)
        if not gone and now - last < stale_after:
            continue
        why = "its process is gone" if gone else f"no progress since {last:%Y-%m-%d %H:%M} UTC"
        reason = (
            f"interrupted: {why}; what it committed stays ({run.records_created} created, "
            f"{run.records_updated} updated); run the import again to finish it"
        )
        updated = ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.RUNNING).update(
            status=ImportRun.Status.INTERRUPTED,
            finished_at=now,
            errors=[*run.errors, {"where": "run", "arxiv_id": "", "reason": reason}],
        )
        if updated:
            run.refresh_from_db()
            logger.warning("import run %s %s", run.pk, reason)
            marked.append(run)
    return marked


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
    run = ImportRun.objects.create(
        source=source,
        parameters=parameters or {},
        host=socket.gethostname(),
        pid=os.getpid(),
        heartbeat_at=timezone.now(),
    )
    loader = Loader(batch_size=batch_size, checkpoint=lambda counts: _beat(run.pk, counts))
    if hasattr(items, "on_page"):  # a harvest feed: beat between pages too
        items.on_page = lambda: beat(run)
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


# --- Owner edits of authorships (issue 4) -----------------------------------------------------
# They live here, not in profiles, because they write publications' Authorship; profiles is below
# publications. The attributions they make carry source "claim", which imports never undo.


def _notify_authorships_changed(author_ids) -> None:
    from publications import signals

    ids = sorted(set(author_ids))
    transaction.on_commit(lambda: signals.authors_changed.send(sender=Authorship, author_ids=ids))


@transaction.atomic
def authorship_disown(*, user, work: Work, author: Author) -> Author:
    """The owner of ``author`` says ``work`` is not theirs: the authorship moves to a new record
    for the same name (it does not receive imports, so no later import puts the work back) and
    the move is recorded as a curation event. Returns the new record. Running it twice is refused
    (the record no longer has the work)."""
    from django.core.exceptions import ValidationError

    from profiles.names import split_slug
    from profiles.permissions import require_owner
    from profiles.services import record_event

    require_owner(user, author)
    authorship = (
        Authorship.objects.select_for_update().filter(work=work, author=author).order_by("position").first()
    )
    if authorship is None:
        raise ValidationError(f"arXiv:{work.arxiv_id} is not among this record's works.")
    key = author.name_key
    taken = set(
        Author.objects.filter(name_key=key, slug__startswith=f"{author.slug.split('--')[0]}--")
        .values_list("slug", flat=True)
    )
    n = 2
    while split_slug(key, n) in taken:
        n += 1
    while True:
        try:
            with transaction.atomic():
                new = Author.objects.create(
                    display_name=authorship.printed_name or author.display_name,
                    name_key=key,
                    name_variants=[authorship.printed_name] if authorship.printed_name else [],
                    slug=split_slug(key, n),
                    receives_imports=False,
                )
            break
        except IntegrityError:
            n += 1
    authorship.author = new
    authorship.source = AuthorshipSource.CLAIM
    authorship.save(update_fields=["author", "source"])
    record_event(
        actor=user, action="authorship_disowned", target_type="authorship",
        target_id=authorship.pk, author=author,
        before={"work": work.arxiv_id, "author": author.pk, "position": authorship.position},
        after={"work": work.arxiv_id, "author": new.pk, "author_slug": new.slug},
    )
    _notify_authorships_changed([author.pk, new.pk])
    return new


@transaction.atomic
def authorship_add(*, user, author: Author, arxiv_id: str, position: int | None = None) -> Authorship:
    """The owner of ``author`` adds a missing work by arXiv id. The work must be in the database
    and list a name of this record (or the owner picks the ``position`` of their name); that
    authorship moves to ``author`` with source "claim". Running it twice is refused (the work
    already belongs to the record)."""
    from django.core.exceptions import ValidationError

    from profiles.names import name_key
    from profiles.permissions import require_owner
    from profiles.services import record_event

    require_owner(user, author)
    arxiv_id = (arxiv_id or "").strip().removeprefix("arXiv:").removeprefix("arxiv:")
    arxiv_id = arxiv_id.split("v")[0] if arxiv_id[:4].isdigit() else arxiv_id
    work = Work.objects.filter(arxiv_id=arxiv_id).first()
    if work is None:
        raise ValidationError(
            f"arXiv:{arxiv_id} is not in BZPEER yet; it is added with the next import."
        )
    authorships = list(Authorship.objects.select_for_update().filter(work=work).order_by("position"))
    if any(a.author_id == author.pk for a in authorships):
        raise ValidationError(f"arXiv:{arxiv_id} is already among this record's works.")
    if position is not None:
        candidates = [a for a in authorships if a.position == position]
    else:
        keys = {author.name_key} | {name_key(v) for v in author.name_variants}
        candidates = [a for a in authorships if name_key(a.printed_name) in keys]
    if len(candidates) != 1:
        raise ValidationError(
            f"Could not tell which author of arXiv:{arxiv_id} you are; choose your printed name."
        )
    authorship = candidates[0]
    holder = Author.objects.get(pk=authorship.author_id)
    if holder.claimed_by_id is not None and holder.claimed_by_id != user.pk:
        raise ValidationError(
            f"That name on arXiv:{arxiv_id} belongs to a record another person claimed; ask the "
            "curators."
        )
    previous = authorship.author_id
    authorship.author = author
    authorship.source = AuthorshipSource.CLAIM
    authorship.save(update_fields=["author", "source"])
    record_event(
        actor=user, action="authorship_added", target_type="authorship", target_id=authorship.pk,
        author=author,
        before={"work": arxiv_id, "author": previous, "position": authorship.position},
        after={"work": arxiv_id, "author": author.pk},
    )
    _notify_authorships_changed([previous, author.pk])
    return authorship
