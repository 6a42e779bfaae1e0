"""Writes for publications: imports recorded as ImportRuns, fed through the bulk loader."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import Q
from django.utils import timezone

from publications.arxiv import atom, oai, snapshot
from publications.arxiv.detect import detect_format
from publications.arxiv.ids import ARXIV_ID_RE
from publications.arxiv.records import ParsedItem, SkippedRecord
from publications.arxiv.text import work_text
from publications.audit import record_event
from publications.loader import Loader, LoadStats
from publications.models import Author, Authorship, AuthorshipSource, ImportRun, Work
from publications.names import names_compatible, split_slug
from publications.permissions import require_owner
from publications.signals import author_changes_held, author_records_changed_on_commit

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


class _HeartbeatApart:
    """The heartbeat of a run whose writes are one transaction (a bulk load): written through a
    connection of its own, so it is seen while the load has committed nothing yet."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.connection: Any = None

    def __call__(self) -> None:
        if self.connection is None:
            self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
        with self.connection.cursor() as cursor:
            cursor.execute(
                "UPDATE publications_importrun SET heartbeat_at = %s WHERE id = %s",
                [timezone.now(), self.run_id],
            )

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


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
    resolve: bool = True,
) -> ImportRun:
    """Load parsed records and record the run. Safe to run twice: the second run changes nothing.

    Each batch commits on its own, so what was imported before a bad record or a truncated file
    stays; the run lists what was skipped and why. Then, unless ``resolve`` is false or
    ``BZPEER_IDENTITY_ON_IMPORT`` is off, the identity engine resolves what the run wrote
    (``resolve_imported``: incrementally for a batch small compared to the database; the run's
    ``identity`` holds its result, its ``batch_mark`` where its rows start), and counters and
    scores are recomputed for the records changed by both, once.
    """
    run = ImportRun.objects.create(
        source=source,
        parameters=parameters or {},
        host=socket.gethostname(),
        pid=os.getpid(),
        heartbeat_at=timezone.now(),
    )
    resolving = resolve and settings.BZPEER_IDENTITY_ON_IMPORT
    mark = _batch_mark() if resolving else None
    heartbeat = _HeartbeatApart(run.pk)
    loader = Loader(
        batch_size=batch_size,
        checkpoint=lambda counts: _beat(run.pk, counts),
        heartbeat=heartbeat,
        # A harvest beats between pages through this connection: its writes stay batch by batch.
        bulk=not hasattr(items, "on_page"),
    )
    if hasattr(items, "on_page"):  # a harvest feed: beat between pages too
        items.on_page = lambda: beat(run)
    try:
        stats = loader.load(items, progress=progress)
    except Exception as exc:
        _finish(run, loader.stats, status=ImportRun.Status.FAILED, fatal=f"import stopped: {exc}")
        raise
    finally:
        heartbeat.close()
    _finish(
        run, stats, status=ImportRun.Status.FAILED if stats.fatal else ImportRun.Status.FINISHED
    )
    run.identity = None  # type: ignore[attr-defined]
    run.identity_error = ""  # type: ignore[attr-defined]
    run.batch_mark = mark  # type: ignore[attr-defined]
    with author_changes_held(sender=ImportRun):
        _after_import(stats)
        if resolving:
            run.identity, run.identity_error = resolve_imported(stats.touched_blocks, mark)  # type: ignore[attr-defined]
    return run


def _batch_mark():
    from publications.identity_incremental import batch_mark

    return batch_mark()


def resolve_imported(blocks: set[str], mark=None):
    """The identity engine's pass over what an import wrote: new authorships join the records of
    the people they belong to, without reading any other block. ``mark`` (``batch_mark()``
    taken before the import) tells the import's rows apart: a batch small compared to the
    database (``identity_incremental.is_small_batch``) is assigned incrementally
    (``assign_batch``: only pairs holding a new authorship are scored, only the records it
    created move); the first import into an empty database, a large one, or one without a
    mark gets the full pass over its blocks (``resolve_identities``). Returns (the pass's
    result or None, the error that stopped it or ""). A failure leaves the import as it was
    stored (records by name key) for the next pass (the nightly one reads every block)."""
    from publications.identity_incremental import assign_batch, is_small_batch
    from publications.identity_service import resolve_identities

    if not blocks:
        return None, ""
    try:
        if is_small_batch(mark):
            return assign_batch(mark), ""
        return resolve_identities(blocks=blocks), ""
    except Exception as exc:
        logger.exception("identity pass over %d imported name blocks failed", len(blocks))
        return None, f"{type(exc).__name__}: {exc}"


def _finish(run: ImportRun, stats: LoadStats, *, status: str, fatal: str = "") -> None:
    run.status = status
    run.records_seen = stats.seen
    run.records_created = stats.created
    run.records_updated = stats.updated
    run.records_unchanged = stats.unchanged
    run.records_skipped = stats.skipped
    run.records_failed = stats.failed
    run.errors = stats.errors + (
        [{"where": "run", "arxiv_id": "", "reason": fatal}] if fatal else []
    )
    run.finished_at = timezone.now()
    run.save()
    run.touched_author_ids = stats.touched_author_ids  # type: ignore[attr-defined]
    run.touched_blocks = stats.touched_blocks  # type: ignore[attr-defined]
    run.skip_reasons = dict(stats.skip_reasons)  # type: ignore[attr-defined]


def _after_import(stats: LoadStats) -> None:
    """Hook for recomputing what depends on authorships (counters, scores) once the run commits."""
    if stats.touched_author_ids:
        author_records_changed_on_commit(
            stats.touched_author_ids, authorships_changed=True, sender=ImportRun
        )


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
    path: Path,
    *,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 2000,
    resolve: bool = True,
) -> ImportRun:
    source, items = parse_path(path)
    return import_items(
        items,
        source=source,
        parameters={"path": str(path)},
        progress=progress,
        batch_size=batch_size,
        resolve=resolve,
    )


# --- Owner edits of authorships ----------------------------------------------------------
# They live here, not in profiles, because they write publications' Authorship; profiles is below
# publications. The attributions they make carry source "claim", which imports never undo.


def _notify_authorships_changed(author_ids) -> None:
    author_records_changed_on_commit(author_ids, authorships_changed=True, sender=Authorship)


@transaction.atomic
def authorship_disown(*, user, work: Work, author: Author) -> Author:
    """The owner of ``author`` says ``work`` is not theirs: the authorship moves to a new record
    for the same name (it does not receive imports, so no later import puts the work back) and
    the move is recorded as a curation event. Returns the new record. Running it twice is refused
    (the record no longer has the work)."""
    from django.core.exceptions import ValidationError

    require_owner(user, author)
    authorship = (
        Authorship.objects.select_for_update()
        .filter(work=work, author=author)
        .order_by("position")
        .first()
    )
    if authorship is None:
        raise ValidationError(f"arXiv:{work.arxiv_id} is not among this record's works.")
    key = author.name_key
    taken = set(
        Author.objects.filter(
            name_key=key, slug__startswith=f"{author.slug.split('--')[0]}--"
        ).values_list("slug", flat=True)
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
        actor=user,
        action="authorship_disowned",
        target_type="authorship",
        target_id=authorship.pk,
        author=author,
        before={"work": work.arxiv_id, "author": author.pk, "position": authorship.position},
        after={"work": work.arxiv_id, "author": new.pk, "author_slug": new.slug},
    )
    _notify_authorships_changed([author.pk, new.pk])
    return new


class AmbiguousAuthorship(Exception):
    """Several printed names of a work fit the record: the owner picks theirs. ``choices`` holds
    (position, printed name) of each."""

    def __init__(self, message: str, *, work: Work, choices: list[tuple[int, str]]) -> None:
        super().__init__(message)
        self.work = work
        self.choices = choices


def normalise_arxiv_id(raw: str) -> str:
    """ "arXiv:1810.04805v2" → "1810.04805"; "" when it is not an arXiv id."""

    value = (raw or "").strip()
    value = value.removeprefix("arXiv:").removeprefix("arxiv:").strip()
    head, sep, version = value.rpartition("v")
    if sep and head and version.isdigit():
        value = head
    return value if ARXIV_ID_RE.match(value) else ""


@transaction.atomic
def authorship_add(
    *, user, author: Author, arxiv_id: str, position: int | None = None
) -> Authorship:
    """The owner of ``author`` adds a missing work by arXiv id: the authorship whose printed name
    is theirs moves to ``author`` with source "claim". Only a printed name compatible with the
    record's names (same family name, agreeing given names or initials) can be taken; when
    several fit, the owner picks one by ``position`` (AmbiguousAuthorship lists them). Names a
    curator attributed or that belong to another person's claimed record are refused. Nothing is
    stored on refusal. Running it twice is refused (the work already belongs to the record)."""
    from django.core.exceptions import ValidationError

    require_owner(user, author)
    raw = " ".join((arxiv_id or "").split())[:60]
    arxiv_id = normalise_arxiv_id(raw)
    if not arxiv_id:
        raise ValidationError(
            f"{raw!r} is not an arXiv id; write it as on arXiv, e.g. 2401.01234 or hep-th/9901001."
        )
    work = Work.objects.filter(arxiv_id=arxiv_id).first()
    if work is None:
        raise ValidationError(
            f"arXiv:{arxiv_id} is not on BZPEER: only works already imported from arXiv can be "
            "added. Check the id; nothing was changed."
        )
    authorships = list(
        Authorship.objects.select_for_update().filter(work=work).order_by("position")
    )
    if any(a.author_id == author.pk for a in authorships):
        raise ValidationError(f"arXiv:{arxiv_id} is already among this record's works.")
    names = [author.display_name, *author.name_variants]
    fitting = [a for a in authorships if names_compatible(a.printed_name, names)]
    if position is not None:
        printed = next((a for a in authorships if a.position == position), None)
        if printed is None:
            raise ValidationError(f"arXiv:{arxiv_id} has no author number {position}.")
        if printed not in fitting:
            raise ValidationError(
                f"Author {position} of arXiv:{arxiv_id} is printed as “{printed.printed_name}”, "
                f"which is not a form of this record's name ({author.display_name}); you can only "
                "add works printed under your name."
            )
        candidates = [printed]
    else:
        candidates = fitting
    if not candidates:
        raise ValidationError(
            f"None of the names printed on arXiv:{arxiv_id} is a form of this record's name "
            f"({author.display_name}); you can only add works printed under your name."
        )
    if len(candidates) > 1:
        raise AmbiguousAuthorship(
            f"Several names printed on arXiv:{arxiv_id} fit this record; choose yours.",
            work=work,
            choices=[(a.position, a.printed_name) for a in candidates],
        )
    authorship = candidates[0]
    holder = Author.objects.get(pk=authorship.author_id)
    if holder.claimed_by_id is not None and holder.claimed_by_id != user.pk:
        raise ValidationError(
            f"That name on arXiv:{arxiv_id} belongs to a record another person claimed; ask the "
            "curators."
        )
    if authorship.source == AuthorshipSource.CURATOR:
        raise ValidationError(
            f"A curator attributed that name on arXiv:{arxiv_id} to another record; ask the "
            "curators."
        )
    previous = authorship.author_id
    authorship.author = author
    authorship.source = AuthorshipSource.CLAIM
    authorship.save(update_fields=["author", "source"])
    record_event(
        actor=user,
        action="authorship_added",
        target_type="authorship",
        target_id=authorship.pk,
        author=author,
        before={"work": arxiv_id, "author": previous, "position": authorship.position},
        after={"work": arxiv_id, "author": author.pk},
    )
    _notify_authorships_changed([previous, author.pk])
    return authorship


# What the converter looks for (publications.arxiv.text: a backslash, a brace, TeX quotes), and
# for the folded search text, any non-ASCII character.
_TEX_MARKS = r"[\\{}]|``"
_MAY_NEED_CONVERSION = r"[\\{}]|``|[^\x01-\x7f]"


def works_text_convert(*, batch_size: int = 1000) -> int:
    """Bring works stored before text-mode TeX was converted at import to today's form: the text
    in Unicode, the fields as typed in Work.tex_originals, the accent-folded search text. Reads
    only works whose text holds a backslash, a brace or a non-ASCII letter, in id order, one
    transaction per batch; converts from the stored originals, so running it twice changes
    nothing the second time. Returns the number of works rewritten."""
    candidates = (
        Work.objects.filter(
            Q(title__regex=_MAY_NEED_CONVERSION)
            | Q(abstract__regex=_MAY_NEED_CONVERSION)
            | Q(comments__regex=_TEX_MARKS)
            | Q(journal_ref__regex=_TEX_MARKS)
        )
        .order_by("pk")
        .only(
            "pk", "title", "abstract", "comments", "journal_ref", "tex_originals", "search_folded"
        )
    )
    fields = ("title", "abstract", "comments", "journal_ref")
    rewritten = 0
    last_pk = 0
    while True:
        batch = list(candidates.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            return rewritten
        last_pk = batch[-1].pk
        changed = []
        for work in batch:
            typed = {name: work.tex_originals.get(name, getattr(work, name)) for name in fields}
            text = work_text(**typed)
            new = {name: getattr(text, name) for name in fields}
            new.update(tex_originals=text.originals, search_folded=text.folded)
            if any(getattr(work, name) != value for name, value in new.items()):
                for name, value in new.items():
                    setattr(work, name, value)
                changed.append(work)
        with transaction.atomic():
            Work.objects.bulk_update(changed, [*fields, "tex_originals", "search_folded"])
        rewritten += len(changed)
