"""A large first import is a bulk load (one transaction, indexes and foreign keys of the empty
tables built after the rows): it must leave exactly the rows, indexes and constraints that the
batch-by-batch path leaves."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from itertools import chain

import pytest
from django.db import connection

from profiles.models import Author, Institution
from publications import loader as loader_module
from publications.arxiv import snapshot
from publications.arxiv.records import ParsedItem
from publications.loader import Loader
from publications.models import ImportRun, Topic, Work
from publications.services import import_path
from tests.conftest import ARXIV
from tests.publications.test_faults import refuse

pytestmark = pytest.mark.django_db

# Real records: older versions first, then the current ones (updates inside one run), works
# with hundreds of authors, affiliations, TeX text, repeated co-authors.
FILES = [
    ARXIV / "abs-older-versions.jsonl",
    ARXIV / "abs-current-30.jsonl",
    ARXIV / "collaboration-papers.jsonl",
    ARXIV / "astro-ph-coauthors.jsonl",
    ARXIV / "graph-herrero-najarro.jsonl",
    ARXIV / "snapshot-authors-sample.jsonl",
    ARXIV / "tex-text.jsonl",
]
TABLES = (
    "publications_work",
    "publications_authorship",
    "publications_worktopic",
    "publications_workversion",
    "profiles_author",
    "publications_authorsearchname",
    "profiles_institution",
)


def records() -> Iterator[ParsedItem]:
    return chain.from_iterable(snapshot.open_snapshot(path) for path in FILES)


def rows() -> dict[str, list[tuple]]:
    """Every row the loader writes, by natural keys (ids and write times left out)."""
    queries = {
        "works": """
            SELECT w.arxiv_id, w.title, w.abstract, w.comments, w.journal_ref, w.doi, w.report_no,
                w.license, w.submitter, t.code, w.first_submitted, w.latest_version_date,
                w.version_count, w.metadata_date, w.authors_count, w.hidden, w.hidden_reason,
                w.source, w.content_hash, w.search_vector::text, w.search_folded,
                w.tex_originals::text, w.last_seen_at IS NOT NULL
            FROM publications_work w LEFT JOIN publications_topic t ON t.id = w.primary_topic_id
            ORDER BY w.arxiv_id""",
        "versions": """
            SELECT w.arxiv_id, v.number, v.created, v.size FROM publications_workversion v
            JOIN publications_work w ON w.id = v.work_id ORDER BY 1, 2""",
        "topics": """
            SELECT w.arxiv_id, t.code, t.name, t.archive, t."group", t.retired, wt.is_primary
            FROM publications_worktopic wt JOIN publications_work w ON w.id = wt.work_id
            JOIN publications_topic t ON t.id = wt.topic_id ORDER BY 1, 2""",
        "authorships": """
            SELECT w.arxiv_id, a.position, a.printed_name, a.printed_affiliation, a.source,
                au.slug, i.name_key
            FROM publications_authorship a JOIN publications_work w ON w.id = a.work_id
            JOIN profiles_author au ON au.id = a.author_id
            LEFT JOIN profiles_institution i ON i.id = a.institution_id ORDER BY 1, 2""",
        "authors": """
            SELECT a.slug, a.name_key, a.display_name, a.name_variants, a.receives_imports, a.bio,
                a.verification_level, a.may_combine_several, a.works_count, a.trust_score,
                a.trust_tier, a.trust_components::text, m.slug, a.hidden, a.several_decision
            FROM profiles_author a LEFT JOIN profiles_author m ON m.id = a.merged_into_id
            ORDER BY a.slug""",
        "institutions": "SELECT name_key, name FROM profiles_institution ORDER BY 1",
        "search names": """
            SELECT a.slug, s.name_key FROM publications_authorsearchname s
            JOIN profiles_author a ON a.id = s.author_id ORDER BY 1""",
    }
    state = {}
    with connection.cursor() as cursor:
        for name, sql in queries.items():
            cursor.execute(sql)
            state[name] = cursor.fetchall()
    return state


def schema() -> list[tuple]:
    """The indexes and constraints of the tables the loader writes, as PostgreSQL states them."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.relname, c.relname, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = ANY(%s)
            UNION ALL
            SELECT t.relname, k.conname, pg_get_constraintdef(k.oid)
            FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid WHERE t.relname = ANY(%s)
            ORDER BY 1, 2, 3
            """,
            [list(TABLES), list(TABLES)],
        )
        return cursor.fetchall()


def empty_the_catalogue() -> None:
    Work.objects.all().delete()
    Author.objects.all().delete()
    Institution.objects.all().delete()
    Topic.objects.all().delete()


@pytest.fixture
def bulk_from_one_record(monkeypatch):
    monkeypatch.setattr(loader_module, "BULK_MIN_RECORDS", 1)


def test_a_bulk_load_writes_exactly_the_rows_of_the_batch_by_batch_path(bulk_from_one_record):
    schema_before = schema()
    stepwise = Loader(batch_size=7, bulk=False)
    stepwise_stats = stepwise.load(records())
    assert not stepwise_stats.bulk_load
    assert stepwise_stats.updated > 0  # newer versions of works written earlier in the run
    expected = rows()
    assert len(expected["works"]) > 100 and len(expected["authorships"]) > 1000

    empty_the_catalogue()
    bulk = Loader(batch_size=7)
    bulk_stats = bulk.load(records())

    assert bulk_stats.bulk_load
    assert rows() == expected
    assert (bulk_stats.seen, bulk_stats.created, bulk_stats.updated, bulk_stats.unchanged) == (
        stepwise_stats.seen,
        stepwise_stats.created,
        stepwise_stats.updated,
        stepwise_stats.unchanged,
    )
    assert schema() == schema_before  # every index and foreign key is back, as it was


def test_a_record_the_database_refuses_in_a_bulk_load_leaves_the_same_rows_as_stepwise(
    bulk_from_one_record,
):
    # A real PostgreSQL error inside COPY, in the middle of a batch: the batch is rolled back to
    # its savepoint and written again record by record, as on the batch-by-batch path.
    refuse("astro-ph/0605684")
    stepwise = Loader(batch_size=7, bulk=False).load(records())
    expected = rows()
    assert stepwise.failed == 1

    empty_the_catalogue()
    bulk = Loader(batch_size=7).load(records())

    assert bulk.bulk_load
    assert (bulk.failed, bulk.created, bulk.updated) == (1, stepwise.created, stepwise.updated)
    assert rows() == expected


def test_importing_the_same_records_again_after_a_bulk_load_changes_nothing(
    bulk_from_one_record,
):
    first = Loader(batch_size=50).load(records())
    assert first.bulk_load
    loaded = rows()

    again = Loader(batch_size=50).load(records())

    assert not again.bulk_load  # the database is no longer empty
    assert (again.created, again.updated) == (0, 0)
    assert rows() == loaded


def test_a_database_holding_works_gets_the_batch_by_batch_path(bulk_from_one_record):
    Loader(batch_size=50, bulk=False).load(snapshot.open_snapshot(ARXIV / "abs-current-30.jsonl"))

    stats = Loader(batch_size=50).load(records())

    assert not stats.bulk_load
    assert stats.created > 0


def test_a_bulk_load_keeps_what_was_read_before_the_input_broke_off(bulk_from_one_record, tmp_path):
    data = gzip.compress((ARXIV / "snapshot-authors-sample.jsonl").read_bytes())
    truncated = tmp_path / "cut.jsonl.gz"
    truncated.write_bytes(data[: len(data) // 2])
    schema_before = schema()

    run = import_path(truncated, batch_size=5)

    assert run.status == ImportRun.Status.FAILED
    assert run.records_created == Work.objects.count() > 0
    assert any("truncated" in e["reason"] for e in run.errors)
    assert schema() == schema_before


def test_a_failed_bulk_load_leaves_nothing_and_counts_nothing_written(
    bulk_from_one_record, monkeypatch
):
    schema_before = schema()
    real_restore = loader_module.bulk_load.restore

    def restore_then_fail(cursor, deferred):
        real_restore(cursor, deferred)
        raise RuntimeError("the server went away")

    monkeypatch.setattr(loader_module.bulk_load, "restore", restore_then_fail)
    loader = Loader(batch_size=7)

    with pytest.raises(RuntimeError):
        loader.load(records())

    assert loader.stats.bulk_load
    assert (loader.stats.created, loader.stats.updated) == (0, 0)
    assert not Work.objects.exists() and not Author.objects.exists()
    assert schema() == schema_before


@pytest.mark.django_db(transaction=True)
def test_a_bulk_import_beats_while_it_loads_and_counts_only_what_it_committed(
    bulk_from_one_record,
):
    seen_during: list[tuple] = []

    def look_at_the_run(_n: int) -> None:
        # From the loader's own connection, which sees what other connections committed.
        run = ImportRun.objects.latest("pk")
        seen_during.append((run.heartbeat_at, run.records_created, Work.objects.count()))

    run = import_path(ARXIV / "abs-current-30.jsonl", batch_size=10, progress=look_at_the_run)

    assert run.status == ImportRun.Status.FINISHED
    assert (run.records_seen, run.records_created) == (30, 30)
    assert ImportRun.objects.get(pk=run.pk).records_created == 30
    assert len(seen_during) == 3
    beats = [beat for beat, _created, _works in seen_during]
    assert beats == sorted(beats) and beats[0] < beats[-1]  # the heartbeat moved batch by batch
    # Inside the load's transaction, the works written so far are there...
    assert [works for _beat, _created, works in seen_during] == [10, 20, 30]
    # ...but the run never counted as committed what was not committed yet.
    assert [created for _beat, created, _works in seen_during] == [0, 0, 0]
