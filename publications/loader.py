"""The bulk loader: parsed arXiv records in, works/versions/topics/authors/authorships out.

Every parser feeds this one loader. It writes in batches, each batch one transaction, with COPY into
temporary staging tables followed by set-based ``INSERT ... ON CONFLICT`` on the natural keys that
the database constrains (arXiv id, (work, position), (work, version), the author name key). That makes
an import idempotent by construction and fast at arXiv scale (no ORM call per row).

Version awareness: a record replaces the stored work only when it describes a newer version
(more versions, or the same number with a later date) or the same version with changed metadata.
An older record changes nothing. Curated attributions (authorship source other than arXiv) are never
changed by an import.
"""

from __future__ import annotations

import hashlib
import json
import logging
import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import psycopg
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from publications import bulk_load
from publications.arxiv import taxonomy
from publications.arxiv.records import ParsedItem, SkippedRecord, WorkRecord
from publications.arxiv.text import work_text
from publications.identity.names import block_key
from publications.names import display_form, name_key, slug_for_key
from publications.versioning import (
    StoredWork,
    content_hash,
    invalid_reason,
    newest_per_id,
    supersedes,
)

logger = logging.getLogger(__name__)

# Errors of a batch write: Django wraps what goes through cursor.execute, but not cursor.copy,
# whose errors arrive as psycopg's own.
WRITE_ERRORS = (DatabaseError, psycopg.Error)
# PostgreSQL advisory lock between curator merges (exclusive, publications.curation) and import
# batches (shared): a batch resolves its author records after any merge that committed, and a
# merge waits for the batches writing at that moment.
MERGE_LOCK_KEY = 5_052_012

MAX_ERRORS_KEPT = 500
_WORK_COLUMNS = (
    "arxiv_id, title, abstract, comments, journal_ref, doi, report_no, license, submitter,"
    " primary_topic_id, first_submitted, latest_version_date, version_count, authors_count,"
    " source, content_hash, metadata_date, tex_originals, search_folded, last_seen_at"
)
NAME_LIMIT = 300
# A run that wrote at least this many works refreshes the planner statistics of the tables it
# wrote (ANALYZE), so the recompute and the pages right after a big import get good plans
# instead of waiting for autovacuum.
ANALYZE_MIN_WORKS = 10_000
# A run that reads at least this many records before its first write, into a database that holds
# no work, is a bulk load: one transaction that builds the secondary indexes and checks the
# foreign keys of the empty tables once, after the rows (see publications.bulk_load).
BULK_MIN_RECORDS = 10_000
ANALYZED_TABLES = (
    "publications_work",
    "publications_authorship",
    "publications_worktopic",
    "publications_workversion",
    "profiles_author",
    "publications_authorsearchname",
    "profiles_institution",
)


@dataclass
class _BatchOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    touched_author_ids: set[int] = field(default_factory=set)
    touched_blocks: set[str] = field(default_factory=set)  # name blocks of the rows written
    written: set[str] = field(default_factory=set)  # arXiv ids of the works created


@dataclass
class _BulkLoad:
    atomic: transaction.Atomic
    deferred: bulk_load.Deferred
    empty: list[str]  # the tables that held no row when the load started
    written: set[str] = field(default_factory=set)  # arXiv ids of the works stored so far
    author_slugs: set[str] = field(default_factory=set)  # slugs of the records created so far


@dataclass
class LoadStats:
    seen: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    skip_reasons: Counter[str] = field(default_factory=Counter)
    errors: list[dict[str, str]] = field(default_factory=list)
    touched_author_ids: set[int] = field(default_factory=set)
    # The identity engine's name blocks of the authorships written (its pass after the import).
    touched_blocks: set[str] = field(default_factory=set)
    fatal: str = ""
    bulk_load: bool = False  # written in one transaction, indexes built after the rows

    def note(self, where: str, reason: str, arxiv_id: str = "", *, failed: bool = False) -> None:
        if failed:
            self.failed += 1
        else:
            self.skipped += 1
        self.skip_reasons[_reason_kind(reason)] += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append({"where": where, "arxiv_id": arxiv_id, "reason": reason})


def _reason_kind(reason: str) -> str:
    """Group reasons for the summary: the text before the first colon."""
    return reason.split(":", 1)[0].strip()


class Loader:
    """Writes batches of records. Keeps small in-process caches of topic, author and institution ids."""

    def __init__(
        self,
        *,
        batch_size: int = 2000,
        checkpoint: Callable[[dict[str, int]], None] | None = None,
        heartbeat: Callable[[], None] | None = None,
        bulk: bool = True,
    ) -> None:
        self.batch_size = batch_size
        # Called inside each batch's transaction with the counts including that batch, so what a
        # run records as committed is what is committed, even when its process is killed.
        self.checkpoint = checkpoint
        # Called after each batch of a bulk load (one transaction for the whole run), from outside
        # that transaction: the run is alive, and it has committed nothing yet.
        self.heartbeat = heartbeat
        # Whether a run of BULK_MIN_RECORDS or more into an empty database may be a bulk load.
        self.bulk = bulk
        self._bulk: _BulkLoad | None = None
        # name -> key, computed once per run: the same names come back work after work.
        self._author_keys: dict[str, str] = {}
        self._institution_keys: dict[str, str] = {}
        self.topic_ids: dict[str, int] = {}
        self.author_ids: dict[str, int] = {}
        self.institution_ids: dict[str, int] = {}
        self.block_keys: dict[str, str] = {}  # printed name -> the identity engine's name block
        self._batch_blocks: set[str] = set()  # the name blocks of the batch being written
        self._block_key_column: bool | None = None
        self.stats = LoadStats()
        self.seen_at = timezone.now()  # "last synced with arXiv" of every work this run sees

    # -- public ------------------------------------------------------------------------------

    def load(
        self, items: Iterable[ParsedItem], *, progress: Callable[[int], None] | None = None
    ) -> LoadStats:
        batch: list[WorkRecord] = []
        self.stats.touched_author_ids |= repair_merged_authorships()
        items_left = _prefetched(items)
        if self.bulk:
            items_left, large = _read_ahead(items_left, BULK_MIN_RECORDS)
            if large:
                self._begin_bulk()
        try:
            while True:
                try:
                    item = next(items_left)
                except StopIteration:
                    break
                except Exception:
                    # The input broke off (a reader error): what was read before stays imported.
                    if batch:
                        self._flush(batch)
                    self._end_bulk()
                    raise
                self._take(item, batch)
                if len(batch) >= self.batch_size:
                    self._flush(batch)
                    if progress:
                        progress(len(batch))
                    batch = []
            if batch:
                self._flush(batch)
                if progress:
                    progress(len(batch))
            self._end_bulk()
        except BaseException as exc:
            self._abort_bulk(exc)
            raise
        if self.stats.created + self.stats.updated >= ANALYZE_MIN_WORKS:
            analyze_written_tables()
        return self.stats

    # -- bulk load: one transaction, indexes and foreign keys of empty tables built at the end --

    def _begin_bulk(self) -> None:
        """Start a bulk load when the database holds no work yet; otherwise do nothing."""
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with connection.cursor() as cursor:
                # Merges wait for the whole load (its cached author ids stay valid throughout).
                cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [MERGE_LOCK_KEY])
                # Another import waits too; readers wait for the commit instead of seeing tables
                # without their indexes.
                cursor.execute(
                    f"LOCK TABLE {', '.join(bulk_load.TABLES)} IN SHARE ROW EXCLUSIVE MODE"
                )
                empty = bulk_load.empty_tables(cursor)
                if "publications_work" not in empty or "publications_authorship" not in empty:
                    atomic.__exit__(None, None, None)
                    return
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
                deferred = bulk_load.drop(cursor, empty)
        except BaseException as exc:
            atomic.__exit__(type(exc), exc, exc.__traceback__)
            raise
        self._bulk = _BulkLoad(atomic=atomic, deferred=deferred, empty=empty)
        self.stats.bulk_load = True
        logger.info("bulk load into empty tables: %s", ", ".join(empty))

    def _end_bulk(self) -> None:
        """Build what the bulk load deferred and commit everything it wrote."""
        bulk = self._bulk
        if bulk is None:
            return
        with connection.cursor() as cursor:
            bulk_load.restore(cursor, bulk.deferred)
        if self.checkpoint is not None:
            self._checkpoint_counts(_BatchOutcome())
        self._bulk = None
        bulk.atomic.__exit__(None, None, None)

    def _abort_bulk(self, exc: BaseException) -> None:
        """Roll the bulk load back: nothing it wrote stays, so the run counts nothing written."""
        bulk = self._bulk
        if bulk is None:
            return
        self._bulk = None
        bulk.atomic.__exit__(type(exc), exc, exc.__traceback__)
        self.stats.created = self.stats.updated = self.stats.unchanged = 0
        self.stats.touched_author_ids = set()
        self.stats.touched_blocks = set()
        self._reset_caches()

    def _take(self, item: ParsedItem, batch: list[WorkRecord]) -> None:
        if isinstance(item, SkippedRecord):
            self.stats.seen += 0 if item.fatal else 1
            if item.fatal:
                self.stats.fatal = item.reason
                self.stats.note(item.where, item.reason, item.arxiv_id, failed=True)
            else:
                self.stats.note(item.where, item.reason, item.arxiv_id)
            return
        self.stats.seen += 1
        problem = invalid_reason(item)
        if problem:
            self.stats.note(item.arxiv_id or "record", problem, item.arxiv_id)
            return
        batch.append(item)

    # -- batches -----------------------------------------------------------------------------

    def _flush(self, batch: list[WorkRecord]) -> None:
        unique = newest_per_id(batch)
        self.stats.unchanged += len(batch) - len(unique)  # superseded inside the same batch
        try:
            with transaction.atomic():
                outcome = self._write(unique)
                self._checkpoint(outcome)
            self._count(outcome)
        except WRITE_ERRORS:
            # Find the records at fault one by one; the others are still written.
            logger.exception("batch of %d records failed; retrying one by one", len(unique))
            self._reset_caches()
            for record in unique:
                try:
                    with transaction.atomic():
                        outcome = self._write([record])
                        self._checkpoint(outcome)
                    self._count(outcome)
                except WRITE_ERRORS as exc:
                    self._reset_caches()
                    reason = f"database refused the record: {str(exc).splitlines()[0]}"
                    self.stats.note(record.arxiv_id, reason, record.arxiv_id, failed=True)
                    if self.checkpoint:
                        self._checkpoint(_BatchOutcome())

    def _checkpoint(self, outcome: _BatchOutcome) -> None:
        if self._bulk is not None:
            # Nothing is committed before the end of a bulk load: only say the run is alive.
            if self.heartbeat is not None:
                self.heartbeat()
            return
        if self.checkpoint is None:
            return
        self._checkpoint_counts(outcome)

    def _checkpoint_counts(self, outcome: _BatchOutcome) -> None:
        assert self.checkpoint is not None
        s = self.stats
        self.checkpoint(
            {
                "seen": s.seen,
                "created": s.created + outcome.created,
                "updated": s.updated + outcome.updated,
                "unchanged": s.unchanged + outcome.unchanged,
                "skipped": s.skipped,
                "failed": s.failed,
            }
        )

    def _count(self, outcome: _BatchOutcome) -> None:
        self.stats.created += outcome.created
        self.stats.updated += outcome.updated
        self.stats.unchanged += outcome.unchanged
        self.stats.touched_author_ids |= outcome.touched_author_ids
        self.stats.touched_blocks |= outcome.touched_blocks
        if self._bulk is not None:
            self._bulk.written |= outcome.written

    def _reset_caches(self) -> None:
        # Ids cached inside a rolled-back transaction may not exist.
        self.topic_ids.clear()
        self.author_ids.clear()
        self.institution_ids.clear()
        if self._bulk is not None:
            self._reload_bulk_caches(self._bulk)

    def _reload_bulk_caches(self, bulk: _BulkLoad) -> None:
        """A bulk load copies new author records and institutions on the premise that every
        stored one is cached: after a rollback to a savepoint, read them back (the tables were
        empty when the load started, so what they hold is what this load committed so far)."""
        with connection.cursor() as cursor:
            if "profiles_author" in bulk.empty:
                cursor.execute(
                    "SELECT name_key, COALESCE(merged_into_id, id), slug, receives_imports"
                    " FROM profiles_author"
                )
                rows = cursor.fetchall()
                self.author_ids.update((key, i) for key, i, _slug, imports in rows if imports)
                bulk.author_slugs = {slug for _key, _id, slug, _imports in rows}
            if "profiles_institution" in bulk.empty:
                cursor.execute("SELECT name_key, id FROM profiles_institution")
                self.institution_ids.update(cursor.fetchall())
            cursor.execute("SELECT arxiv_id FROM publications_work")
            bulk.written = {row[0] for row in cursor.fetchall()}

    def _write(self, batch: list[WorkRecord]) -> _BatchOutcome:
        outcome = _BatchOutcome()
        with connection.cursor() as cursor:
            # A merge that committed before this point is seen; one that starts waits for us.
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [MERGE_LOCK_KEY])
            if self._bulk is None:
                self._forget_merged_authors(cursor, batch)
                existing = self._existing_works(cursor, [r.arxiv_id for r in batch])
            else:
                # The tables were empty and locked when the load started: the only stored works
                # are the ones this load wrote, and no merge can have committed since.
                written = self._bulk.written
                existing = self._existing_works(
                    cursor, [r.arxiv_id for r in batch if r.arxiv_id in written]
                )
            _ensure_staging_tables(cursor)
            # The import is idempotent and re-runnable, so a crash losing the last commits is
            # harmless: do not wait for the WAL flush at every batch commit.
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            new: list[tuple[WorkRecord, str]] = []
            changed: list[tuple[WorkRecord, str]] = []
            for record in batch:
                digest = content_hash(record)
                stored = existing.get(record.arxiv_id)
                if stored is None:
                    new.append((record, digest))
                elif supersedes(record, digest, stored):
                    changed.append((record, digest))
                else:
                    outcome.unchanged += 1
            outcome.created, outcome.updated = len(new), len(changed)
            if outcome.unchanged:
                # Seen on arXiv, nothing to change: only the "last synced" time moves.
                rewritten = {r.arxiv_id for r, _ in changed}
                seen = [r.arxiv_id for r in batch if r.arxiv_id in existing]
                seen = [arxiv_id for arxiv_id in seen if arxiv_id not in rewritten]
                cursor.execute(
                    "UPDATE publications_work SET last_seen_at = %s WHERE arxiv_id = ANY(%s)",
                    [self.seen_at, seen],
                )
            if not new and not changed:
                return outcome
            new_records = [r for r, _ in new]
            changed_records = [r for r, _ in changed]
            self._ensure_topics(cursor, new_records + changed_records)
            self._ensure_authors(cursor, new_records + changed_records)
            self._ensure_institutions(cursor, new_records + changed_records)
            touched: set[int] = set()
            self._batch_blocks = outcome.touched_blocks
            # New works cannot conflict with stored rows: they are copied straight into their
            # tables. (A concurrent import creating the same work makes the batch fail on the
            # unique arXiv id; it is then retried record by record and finds the work stored.)
            if new:
                work_ids = self._insert_new_works(cursor, new)
                outcome.written = set(work_ids)
                self._copy_topics(cursor, new_records, work_ids)
                self._copy_versions(cursor, new_records, work_ids, table="publications_workversion")
                touched |= self._copy_authorships(
                    cursor, new_records, work_ids, table="publications_authorship"
                )
            if changed:
                work_ids = self._upsert_works(cursor, changed)
                changed_ids = list(work_ids.values())
                cursor.execute(
                    "DELETE FROM publications_worktopic WHERE work_id = ANY(%s)", [changed_ids]
                )
                self._copy_topics(cursor, changed_records, work_ids)
                self._upsert_versions(cursor, changed_records, work_ids)
                touched |= self._upsert_authorships(cursor, changed_records, work_ids, changed_ids)
            outcome.touched_author_ids = touched
        return outcome

    def _author_key(self, name: str) -> str:
        key = self._author_keys.get(name)
        if key is None:
            key = self._author_keys[name] = name_key(name)[:NAME_LIMIT]
        return key

    def _institution_key(self, affiliation: str) -> str:
        key = self._institution_keys.get(affiliation)
        if key is None:
            key = self._institution_keys[affiliation] = name_key(affiliation)[:500]
        return key

    def _forget_merged_authors(self, cursor, batch: list[WorkRecord]) -> None:
        """Repoint cached author ids of this batch that a curator merged since they were looked up."""
        cached = {
            key: self.author_ids[key]
            for r in batch
            for a in r.authors
            if (key := self._author_key(a.name)) in self.author_ids
        }
        if not cached:
            return
        cursor.execute(
            "SELECT id, merged_into_id FROM profiles_author "
            "WHERE id = ANY(%s) AND merged_into_id IS NOT NULL",
            [sorted(set(cached.values()))],
        )
        merged = dict(cursor.fetchall())
        for key, author_id in cached.items():
            if author_id in merged:
                self.author_ids[key] = merged[author_id]

    def _existing_works(self, cursor, arxiv_ids: list[str]) -> dict[str, StoredWork]:
        if not arxiv_ids:
            return {}
        cursor.execute(
            "SELECT arxiv_id, id, version_count, latest_version_date, content_hash, metadata_date "
            "FROM publications_work WHERE arxiv_id = ANY(%s)",
            [arxiv_ids],
        )
        return {row[0]: StoredWork(*row[1:]) for row in cursor.fetchall()}

    def _ensure_topics(self, cursor, records: list[WorkRecord]) -> None:
        missing = {c for r in records for c in r.categories if c not in self.topic_ids}
        if not missing:
            return
        rows = []
        for code in sorted(missing):
            cat = taxonomy.describe(code)
            rows.append((code, cat.name, cat.archive, cat.group, cat.retired))
        cursor.executemany(
            'INSERT INTO publications_topic (code, name, archive, "group", retired) '
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (code) DO NOTHING",
            rows,
        )
        cursor.execute(
            "SELECT code, id FROM publications_topic WHERE code = ANY(%s)", [sorted(missing)]
        )
        self.topic_ids.update(dict(cursor.fetchall()))

    def _work_row(self, r: WorkRecord, digest: str) -> tuple:
        # Text-mode TeX shown in Unicode; the fields as typed are kept (see Work.tex_originals).
        text = work_text(
            title=r.title, abstract=r.abstract, comments=r.comments, journal_ref=r.journal_ref
        )
        return (
            r.arxiv_id,
            text.title,
            text.abstract,
            text.comments,
            text.journal_ref,
            r.doi,
            r.report_no,
            r.license,
            r.submitter,
            self.topic_ids.get(r.primary_category),
            r.first_submitted,
            r.latest_version_date,
            r.version_count,
            len(r.authors),
            r.source,
            digest,
            r.metadata_date,
            json.dumps(text.originals, ensure_ascii=False),
            text.folded,
            self.seen_at,
        )

    def _insert_new_works(self, cursor, new: list[tuple[WorkRecord, str]]) -> dict[str, int]:
        ids = _next_ids(cursor, "publications_work", len(new), locked=self._bulk is not None)
        now = timezone.now()
        with cursor.copy(
            f"COPY publications_work (id, {_WORK_COLUMNS}, hidden, hidden_reason, created_at,"
            " updated_at) FROM STDIN"
        ) as copy:
            for work_id, (r, digest) in zip(ids, new, strict=True):
                copy.write_row((work_id, *self._work_row(r, digest), False, "", now, now))
        return {r.arxiv_id: work_id for work_id, (r, _) in zip(ids, new, strict=True)}

    def _upsert_works(self, cursor, to_write: list[tuple[WorkRecord, str]]) -> dict[str, int]:
        now = timezone.now()
        cursor.execute("TRUNCATE bz_stage_work")
        with cursor.copy(f"COPY bz_stage_work ({_WORK_COLUMNS}) FROM STDIN") as copy:
            for r, digest in to_write:
                copy.write_row(self._work_row(r, digest))
        cursor.execute(
            """
            INSERT INTO publications_work AS w (arxiv_id, title, abstract, comments, journal_ref,
                doi, report_no, license, submitter, primary_topic_id, first_submitted,
                latest_version_date, version_count, authors_count, source, content_hash,
                metadata_date, tex_originals, search_folded, last_seen_at, hidden, hidden_reason,
                created_at, updated_at)
            SELECT arxiv_id, title, abstract, comments, journal_ref, doi, report_no, license,
                submitter, primary_topic_id, first_submitted, latest_version_date, version_count,
                authors_count, source, content_hash, metadata_date, tex_originals::jsonb,
                search_folded, last_seen_at, false, '', %(now)s, %(now)s
            FROM bz_stage_work
            ON CONFLICT (arxiv_id) DO UPDATE SET
                title = EXCLUDED.title,
                abstract = CASE WHEN EXCLUDED.abstract <> '' THEN EXCLUDED.abstract ELSE w.abstract END,
                -- A record without an abstract keeps the stored one, and its original with it.
                tex_originals = EXCLUDED.tex_originals || CASE WHEN EXCLUDED.abstract <> ''
                    THEN '{}'::jsonb
                    ELSE jsonb_strip_nulls(jsonb_build_object('abstract', w.tex_originals -> 'abstract'))
                    END,
                search_folded = CASE WHEN EXCLUDED.abstract <> '' THEN EXCLUDED.search_folded
                    ELSE w.search_folded END,
                last_seen_at = EXCLUDED.last_seen_at,
                comments = EXCLUDED.comments,
                journal_ref = EXCLUDED.journal_ref,
                doi = EXCLUDED.doi,
                report_no = EXCLUDED.report_no,
                license = EXCLUDED.license,
                submitter = CASE WHEN EXCLUDED.submitter <> '' THEN EXCLUDED.submitter ELSE w.submitter END,
                primary_topic_id = EXCLUDED.primary_topic_id,
                first_submitted = COALESCE(w.first_submitted, EXCLUDED.first_submitted),
                latest_version_date = EXCLUDED.latest_version_date,
                version_count = GREATEST(w.version_count, EXCLUDED.version_count),
                authors_count = EXCLUDED.authors_count,
                source = EXCLUDED.source,
                content_hash = EXCLUDED.content_hash,
                metadata_date = EXCLUDED.metadata_date,
                updated_at = %(now)s
            RETURNING arxiv_id, id
            """,
            {"now": now},
        )
        return dict(cursor.fetchall())

    def _copy_topics(self, cursor, records: list[WorkRecord], work_ids: dict[str, int]) -> None:
        with cursor.copy(
            "COPY publications_worktopic (work_id, topic_id, is_primary) FROM STDIN"
        ) as copy:
            for r in records:
                for i, code in enumerate(r.categories):
                    copy.write_row((work_ids[r.arxiv_id], self.topic_ids[code], i == 0))

    def _copy_versions(
        self, cursor, records: list[WorkRecord], work_ids: dict[str, int], *, table: str
    ) -> None:
        with cursor.copy(f"COPY {table} (work_id, number, created, size) FROM STDIN") as copy:
            for r in records:
                for v in r.versions:
                    copy.write_row((work_ids[r.arxiv_id], v.number, v.created, v.size))

    def _upsert_versions(self, cursor, records: list[WorkRecord], work_ids: dict[str, int]) -> None:
        cursor.execute("TRUNCATE bz_stage_version")
        self._copy_versions(cursor, records, work_ids, table="bz_stage_version")
        cursor.execute(
            """
            INSERT INTO publications_workversion AS v (work_id, number, created, size)
            SELECT work_id, number, created, size FROM bz_stage_version
            ON CONFLICT (work_id, number) DO UPDATE SET
                created = EXCLUDED.created,
                size = CASE WHEN EXCLUDED.size <> '' THEN EXCLUDED.size ELSE v.size END
            WHERE (v.created, v.size) IS DISTINCT FROM
                  (EXCLUDED.created, CASE WHEN EXCLUDED.size <> '' THEN EXCLUDED.size ELSE v.size END)
            """
        )

    def _copy_authorships(
        self, cursor, records: list[WorkRecord], work_ids: dict[str, int], *, table: str
    ) -> set[int]:
        """COPY the records' authorships into `table`; return their author record ids (their
        name blocks go to the batch's ``touched_blocks``)."""
        touched: set[int] = set()
        block_of = self.block_keys
        blocks = self._batch_blocks
        keyed = table.startswith("bz_stage") or self._schema_has_block_key(cursor)
        with cursor.copy(
            f"COPY {table} (work_id, position, author_id, printed_name, printed_affiliation,"
            f" institution_id, source{', block_key' if keyed else ''}) FROM STDIN"
        ) as copy:
            for r in records:
                work_id = work_ids[r.arxiv_id]
                for position, a in enumerate(r.authors, start=1):
                    author_id = self.author_ids[self._author_key(a.name)]
                    touched.add(author_id)
                    block = block_of.get(a.name)
                    if block is None:
                        block = block_of[a.name] = block_key(a.name)
                    blocks.add(block)
                    inst_key = self._institution_key(a.affiliation) if a.affiliation else ""
                    institution_id = self.institution_ids.get(inst_key) if inst_key else None
                    row = (work_id, position, author_id, a.name, a.affiliation, institution_id)
                    copy.write_row((*row, "arxiv", block) if keyed else (*row, "arxiv"))
        return touched

    def _upsert_authorships(
        self, cursor, records: list[WorkRecord], work_ids: dict[str, int], updated_ids: list[int]
    ) -> set[int]:
        """Rewrite the authorships of updated works; return the author record ids whose works
        changed: the records' authors now and the authors the works had before."""
        cursor.execute(
            "SELECT DISTINCT author_id FROM publications_authorship WHERE work_id = ANY(%s)",
            [updated_ids],
        )
        touched = {row[0] for row in cursor.fetchall()}
        cursor.execute("TRUNCATE bz_stage_authorship")
        touched |= self._copy_authorships(cursor, records, work_ids, table="bz_stage_authorship")
        # Keep a curated attribution (source <> 'arxiv'): curation wins over automation.
        keyed = self._schema_has_block_key(cursor)
        cursor.execute(
            """
            INSERT INTO publications_authorship AS a (work_id, position, author_id,
                printed_name, printed_affiliation, institution_id, source"""
            + (", block_key" if keyed else "")
            + """)
            SELECT work_id, position, author_id, printed_name, printed_affiliation,
                institution_id, 'arxiv'"""
            + (", block_key" if keyed else "")
            + """
            FROM bz_stage_authorship
            ON CONFLICT (work_id, position) DO UPDATE SET
                printed_name = EXCLUDED.printed_name,"""
            + ("\n                block_key = EXCLUDED.block_key," if keyed else "")
            + """
                printed_affiliation = EXCLUDED.printed_affiliation,
                institution_id = EXCLUDED.institution_id,
                author_id = CASE WHEN a.source = 'arxiv' THEN EXCLUDED.author_id
                                 ELSE a.author_id END
            WHERE (a.printed_name, a.printed_affiliation, a.institution_id, a.author_id)
                  IS DISTINCT FROM (EXCLUDED.printed_name, EXCLUDED.printed_affiliation,
                                    EXCLUDED.institution_id,
                                    CASE WHEN a.source = 'arxiv' THEN EXCLUDED.author_id
                                         ELSE a.author_id END)
            """
        )
        # A newer version with fewer authors: drop the imported positions past the new end.
        cursor.execute(
            """
            DELETE FROM publications_authorship a
            USING publications_work w
            WHERE a.work_id = ANY(%s) AND w.id = a.work_id
              AND a.position > w.authors_count AND a.source = 'arxiv'
            """,
            [updated_ids],
        )
        return touched

    def _schema_has_block_key(self, cursor) -> bool:
        """Whether the authorships table has its block key column (the migrations' own tests
        import into the schema of an older migration): asked once per loader."""
        if self._block_key_column is None:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = "
                "'publications_authorship' AND column_name = 'block_key' "
                "AND table_schema = current_schema())"
            )
            self._block_key_column = bool(cursor.fetchone()[0])
        return self._block_key_column

    def _ensure_authors(self, cursor, records: list[WorkRecord]) -> None:
        missing: dict[str, str] = {}
        for r in records:
            for a in r.authors:
                key = self._author_key(a.name)
                if key not in self.author_ids and key not in missing:
                    missing[key] = display_form(a.name)[:NAME_LIMIT]
        if not missing:
            return
        now = timezone.now()
        if self._bulk is not None and "profiles_author" in self._bulk.empty:
            self._copy_new_authors(cursor, missing, now)
            return
        cursor.execute("TRUNCATE bz_stage_author")
        with cursor.copy("COPY bz_stage_author (name_key, display_name, slug) FROM STDIN") as copy:
            for key, display in missing.items():
                copy.write_row((key, display, slug_for_key(key)))
        cursor.execute(
            """
            INSERT INTO profiles_author (display_name, name_key, name_variants, slug,
                receives_imports, bio, open_to_collaborate, verification_level,
                may_combine_several, works_count, followers_count, topics_count,
                close_collaborators_count, verified_collaborators_count, trust_score,
                trust_tier, trust_formula_version, trust_components, created_at, updated_at)
            SELECT display_name, name_key, '{}', slug, true, '', false, 1, false, 0, 0, 0, 0, 0,
                0, 'Emerging', 0, '{}', %(now)s, %(now)s
            FROM bz_stage_author
            ON CONFLICT DO NOTHING
            RETURNING name_key, id
            """,
            {"now": now},
        )
        self.author_ids.update(dict(cursor.fetchall()))
        # Imports attach to the record that receives imports for the key; a merged record
        # forwards to the record it was merged into.
        stored = [key for key in missing if key not in self.author_ids]
        if stored:
            cursor.execute(
                "SELECT name_key, COALESCE(merged_into_id, id) FROM profiles_author "
                "WHERE receives_imports AND name_key = ANY(%s)",
                [stored],
            )
            self.author_ids.update(dict(cursor.fetchall()))
        unresolved = [k for k in missing if k not in self.author_ids]
        if unresolved:
            # The slug was taken by a record with another key (a rare slug clash): add a suffix.
            for key in unresolved:
                slug = f"{slug_for_key(key)}-{hashlib.md5(key.encode()).hexdigest()[:6]}"
                cursor.execute(
                    """
                    INSERT INTO profiles_author (display_name, name_key, name_variants, slug,
                        receives_imports, bio, open_to_collaborate, verification_level,
                        may_combine_several, works_count, followers_count, topics_count,
                        close_collaborators_count, verified_collaborators_count, trust_score,
                        trust_tier, trust_formula_version, trust_components, created_at,
                        updated_at)
                    VALUES (%s, %s, '{}', %s, true, '', false, 1, false, 0, 0, 0, 0, 0, 0,
                        'Emerging', 0, '{}', %s, %s)
                    RETURNING id
                    """,
                    [missing[key], key, slug, now, now],
                )
                self.author_ids[key] = cursor.fetchone()[0]

    def _copy_new_authors(self, cursor, missing: dict[str, str], now) -> None:
        """Bulk load into an author table that was empty (and is locked): every stored name key
        and slug is this load's, so the new records get the slugs the upsert would give them
        (in the same order; a slug already taken gets the same suffix) and are COPYed."""
        assert self._bulk is not None
        taken = self._bulk.author_slugs
        plain: list[tuple[str, str]] = []
        clashing: list[tuple[str, str]] = []
        for key in missing:
            slug = slug_for_key(key)
            if slug in taken:
                clashing.append((key, f"{slug}-{hashlib.md5(key.encode()).hexdigest()[:6]}"))
            else:
                taken.add(slug)
                plain.append((key, slug))
        taken.update(slug for _key, slug in clashing)
        new = plain + clashing
        ids = _next_ids(cursor, "profiles_author", len(new), locked=True)
        with cursor.copy(
            "COPY profiles_author (id, display_name, name_key, name_variants, slug,"
            " receives_imports, bio, open_to_collaborate, verification_level,"
            " may_combine_several, works_count, followers_count, topics_count,"
            " close_collaborators_count, verified_collaborators_count, trust_score, trust_tier,"
            " trust_formula_version, trust_components, created_at, updated_at) FROM STDIN"
        ) as copy:
            for author_id, (key, slug) in zip(ids, new, strict=True):
                copy.write_row(
                    (author_id, missing[key], key, "{}", slug, True, "", False, 1, False)
                    + (0, 0, 0, 0, 0, 0, "Emerging", 0, "{}", now, now)
                )
        self.author_ids.update(
            (key, author_id) for author_id, (key, _) in zip(ids, new, strict=True)
        )

    def _ensure_institutions(self, cursor, records: list[WorkRecord]) -> None:
        missing: dict[str, str] = {}
        for r in records:
            for a in r.authors:
                if not a.affiliation:
                    continue
                key = self._institution_key(a.affiliation)
                if key and key not in self.institution_ids and key not in missing:
                    missing[key] = a.affiliation[:500]
        if not missing:
            return
        now = timezone.now()
        if self._bulk is not None and "profiles_institution" in self._bulk.empty:
            # Empty when the load started, and locked: every stored name key is in the cache.
            ids = _next_ids(cursor, "profiles_institution", len(missing), locked=True)
            with cursor.copy(
                "COPY profiles_institution (id, name, name_key, created_at) FROM STDIN"
            ) as copy:
                for institution_id, (key, name) in zip(ids, missing.items(), strict=True):
                    copy.write_row((institution_id, name, key, now))
            self.institution_ids.update(zip(missing, ids, strict=True))
            return
        cursor.execute("TRUNCATE bz_stage_institution")
        with cursor.copy("COPY bz_stage_institution (name_key, name) FROM STDIN") as copy:
            for key, name in missing.items():
                copy.write_row((key, name))
        cursor.execute(
            "INSERT INTO profiles_institution (name, name_key, created_at) "
            "SELECT name, name_key, %s FROM bz_stage_institution ON CONFLICT (name_key) DO NOTHING"
            " RETURNING name_key, id",
            [now],
        )
        self.institution_ids.update(dict(cursor.fetchall()))
        stored = [key for key in missing if key not in self.institution_ids]
        if stored:
            cursor.execute(
                "SELECT name_key, id FROM profiles_institution WHERE name_key = ANY(%s)",
                [stored],
            )
            self.institution_ids.update(dict(cursor.fetchall()))


def _next_ids(cursor, table: str, count: int, *, locked: bool = False) -> list[int]:
    """``count`` new ids for ``table``. ``locked``: nobody else inserts into it until this
    transaction ends (a bulk load), so the ids are taken as one block."""
    if locked:
        cursor.execute(
            "SELECT setval(seq, nextval(seq) + %s - 1) - %s + 1"
            " FROM pg_get_serial_sequence(%s, 'id') AS seq",
            [count, count, table],
        )
        first = cursor.fetchone()[0]
        return list(range(first, first + count))
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [table, count],
    )
    return [row[0] for row in cursor.fetchall()]


def repair_merged_authorships() -> set[int]:
    """Move authorships still on merged author records to the records they were merged into
    (left by an import that raced a merge before merges and imports took the lock); return
    the author ids touched. Cheap: merged records are few and authorships are indexed by author."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [MERGE_LOCK_KEY])
        cursor.execute(
            """
            UPDATE publications_authorship a SET author_id = m.merged_into_id
            FROM profiles_author m
            WHERE m.merged_into_id IS NOT NULL AND a.author_id = m.id
            RETURNING m.id, m.merged_into_id
            """
        )
        rows = cursor.fetchall()
    if rows:
        logger.warning("moved %d authorships off merged author records", len(rows))
    return {i for row in rows for i in row}


def analyze_written_tables() -> None:
    """ANALYZE the tables an import writes (a few seconds on the astro-ph snapshot)."""
    with connection.cursor() as cursor:
        for table in ANALYZED_TABLES:
            cursor.execute(f"ANALYZE {table}")


def _ensure_staging_tables(cursor) -> None:
    """Session-local staging tables for COPY; emptied before each use."""
    cursor.execute(
        """
        CREATE TEMP TABLE IF NOT EXISTS bz_stage_work (
            arxiv_id text, title text, abstract text, comments text, journal_ref text, doi text,
            report_no text, license text, submitter text, primary_topic_id bigint,
            first_submitted timestamptz, latest_version_date timestamptz, version_count int,
            authors_count int, source text, content_hash text, metadata_date date,
            tex_originals text, search_folded text, last_seen_at timestamptz);
        CREATE TEMP TABLE IF NOT EXISTS bz_stage_version (
            work_id bigint, number int, created timestamptz, size text);
        CREATE TEMP TABLE IF NOT EXISTS bz_stage_author (
            name_key text, display_name text, slug text);
        CREATE TEMP TABLE IF NOT EXISTS bz_stage_institution (name_key text, name text);
        CREATE TEMP TABLE IF NOT EXISTS bz_stage_authorship (
            work_id bigint, position int, author_id bigint, printed_name text,
            printed_affiliation text, institution_id bigint, source text, block_key text);
        """
    )


def _read_ahead(items: Iterator[ParsedItem], count: int) -> tuple[Iterator[ParsedItem], bool]:
    """Read up to ``count`` items ahead: the same items again, and whether there were that many.
    A reader error met on the way is raised again where it happened."""
    head: list[ParsedItem] = []
    failure: list[Exception] = []
    try:
        for item in items:
            head.append(item)
            if len(head) >= count:
                break
    except Exception as exc:  # re-raised in order, after the items read before it
        failure.append(exc)

    def replay() -> Iterator[ParsedItem]:
        yield from head
        if failure:
            raise failure[0]
        yield from items

    return replay(), len(head) >= count


def _prefetched(items: Iterable[ParsedItem], *, depth: int = 20_000) -> Iterator[ParsedItem]:
    """Parse ahead in a thread: parsing (pure Python) overlaps the waits on the database."""
    buffer: queue.Queue[object] = queue.Queue(maxsize=depth)
    done = object()
    failure: list[BaseException] = []
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                buffer.put(item)
        except BaseException as exc:  # re-raised in the consumer
            failure.append(exc)
        finally:
            buffer.put(done)

    thread = threading.Thread(target=produce, name="arxiv-parse-ahead", daemon=True)
    thread.start()
    try:
        while (item := buffer.get()) is not done:
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            try:
                buffer.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.05)
    if failure:
        raise failure[0]
