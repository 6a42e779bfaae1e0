"""The import pipeline end to end: parsers → loader → database, on real arXiv records."""

from __future__ import annotations

import gzip
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from publications.arxiv import snapshot
from publications.arxiv.records import WorkRecord
from publications.arxiv.text import work_text
from publications.models import Author, Authorship, AuthorshipSource, ImportRun, Work, WorkVersion
from publications.services import import_path
from tests.conftest import ARXIV, SHARED_ARXIV

pytestmark = pytest.mark.django_db

OLDER = ARXIV / "abs-older-versions.jsonl"
CURRENT = ARXIV / "abs-current-30.jsonl"


def parsed(path: Path) -> dict[str, WorkRecord]:
    return {r.arxiv_id: r for r in snapshot.open_snapshot(path) if isinstance(r, WorkRecord)}


def newest(*paths: Path) -> dict[str, WorkRecord]:
    """The newest version of each record across files, as the importer should keep it."""
    best: dict[str, WorkRecord] = {}
    for path in paths:
        for arxiv_id, record in parsed(path).items():
            current = best.get(arxiv_id)
            if current is None or record.version_count > current.version_count:
                best[arxiv_id] = record
    return best


def database_state() -> dict[str, list[tuple]]:
    """Every imported row, without ids and timestamps, for before/after comparisons."""
    queries = {
        "works": "SELECT arxiv_id, title, abstract, comments, journal_ref, doi, license, version_count,"
        " first_submitted, latest_version_date, authors_count, content_hash FROM publications_work"
        " ORDER BY arxiv_id",
        "versions": "SELECT w.arxiv_id, v.number, v.created, v.size FROM publications_workversion v"
        " JOIN publications_work w ON w.id = v.work_id ORDER BY 1, 2",
        "authorships": "SELECT w.arxiv_id, a.position, a.printed_name, a.printed_affiliation,"
        " au.slug, a.source FROM publications_authorship a JOIN publications_work w ON w.id = a.work_id"
        " JOIN profiles_author au ON au.id = a.author_id ORDER BY 1, 2",
        "topics": "SELECT w.arxiv_id, t.code, wt.is_primary FROM publications_worktopic wt"
        " JOIN publications_work w ON w.id = wt.work_id JOIN publications_topic t ON t.id = wt.topic_id"
        " ORDER BY 1, 2",
        "authors": "SELECT slug, name_key, display_name FROM profiles_author ORDER BY slug",
        "institutions": "SELECT name_key FROM profiles_institution ORDER BY 1",
    }
    with connection.cursor() as cursor:
        state = {}
        for name, sql in queries.items():
            cursor.execute(sql)
            state[name] = cursor.fetchall()
    return state


def assert_matches_records(records: dict[str, WorkRecord]) -> None:
    for arxiv_id, record in records.items():
        work = Work.objects.get(arxiv_id=arxiv_id)
        # Shown in Unicode, the fields as typed kept beside them.
        text = work_text(
            title=record.title,
            abstract=record.abstract,
            comments=record.comments,
            journal_ref=record.journal_ref,
        )
        assert work.title == text.title
        assert work.abstract == text.abstract
        assert work.tex_originals == text.originals
        assert work.tex_originals.get("title", work.title) == record.title
        assert work.tex_originals.get("abstract", work.abstract) == record.abstract
        assert work.version_count == record.version_count
        assert work.primary_topic.code == record.primary_category
        versions = list(work.versions.order_by("number").values_list("number", "created"))
        assert versions == [(v.number, v.created) for v in record.versions]
        names = list(
            Authorship.objects.filter(work=work)
            .order_by("position")
            .values_list("printed_name", flat=True)
        )
        assert names == [a.name for a in record.authors]


def test_snapshot_import_creates_one_work_per_record_with_authors_in_order():
    run = import_path(CURRENT)
    records = parsed(CURRENT)
    assert run.status == ImportRun.Status.FINISHED
    assert (run.records_seen, run.records_created, run.records_skipped) == (30, 30, 0)
    assert Work.objects.count() == 30
    assert_matches_records(records)


def test_older_then_current_leaves_every_work_at_its_newest_version():
    import_path(OLDER)
    run = import_path(CURRENT)
    expected = newest(OLDER, CURRENT)
    # 29 records are newer in abs-current; 0704.0615 is the one whose newest version (v4) is in
    # the "older" file (arXiv's current .abs shows 3 versions): it must stay at v4.
    assert run.records_updated == 29
    assert run.records_unchanged == 1
    assert Work.objects.get(arxiv_id="0704.0615").version_count == 4
    assert_matches_records(expected)


def test_import_order_does_not_matter():
    import_path(OLDER)
    import_path(CURRENT)
    forward = database_state()
    Work.objects.all().delete()
    Author.objects.all().delete()
    import_path(CURRENT)
    second = import_path(OLDER)
    assert second.records_updated == 1  # only 0704.0615, whose v4 is in the "older" file
    assert database_state()["works"] == forward["works"]
    assert database_state()["versions"] == forward["versions"]
    assert database_state()["authorships"] == forward["authorships"]


def test_importing_the_same_files_twice_changes_nothing():
    files = [
        OLDER,
        CURRENT,
        ARXIV / "snapshot-authors-sample.jsonl",
        *sorted((ARXIV / "atom").glob("query*.xml")),
        *sorted((ARXIV / "oai").rglob("*.xml")),
    ]
    for path in files:
        import_path(path)
    first = database_state()
    for path in files:
        run = import_path(path)
        assert run.records_created == 0 and run.records_updated == 0, path
    assert database_state() == first


def test_same_version_with_newer_metadata_wins_and_older_metadata_does_not_flip_it():
    # Real records of 0704.0005 v1: arXiv's .abs (2007 metadata) and the Kaggle snapshot (2013,
    # with the journal-ref added after publication).
    older, newer = ARXIV / "abs-0704.0005.jsonl", ARXIV / "kaggle-0704.0005.jsonl"
    import_path(older)
    assert Work.objects.get(arxiv_id="0704.0005").journal_ref == ""
    assert import_path(newer).records_updated == 1
    assert import_path(older).records_updated == 0
    assert Work.objects.get(arxiv_id="0704.0005").journal_ref.startswith("Illinois J. Math.")
    Work.objects.all().delete()
    import_path(newer)
    assert import_path(older).records_updated == 0


def test_affiliations_and_institutions_from_the_author_string():
    import_path(ARXIV / "snapshot-authors-sample.jsonl")
    with_affiliation = Authorship.objects.exclude(printed_affiliation="")
    assert with_affiliation.exists()
    assert all(a.institution_id for a in with_affiliation)


def test_bad_lines_are_reported_and_skipped_and_the_rest_is_imported(tmp_path):
    good = CURRENT.read_text().splitlines()
    bad = tmp_path / "mixed.jsonl"
    bad.write_text(
        "\n".join([good[0], "{not json", good[1], '{"id": "0704.9999", "title": ""}', good[2]])
        + "\n"
    )
    run = import_path(bad)
    assert (run.records_created, run.records_skipped) == (3, 2)
    reasons = {e["where"]: e["reason"] for e in run.errors}
    assert reasons["line 2"].startswith("malformed JSON")
    assert "empty title" in reasons["line 4"]


def test_truncated_gzip_keeps_what_was_read_and_says_where_it_stopped(tmp_path):
    data = gzip.compress(CURRENT.read_bytes())
    truncated = tmp_path / "cut.jsonl.gz"
    truncated.write_bytes(data[: len(data) // 2])
    run = import_path(truncated)
    assert run.status == ImportRun.Status.FAILED
    assert 0 < run.records_created < 30
    assert Work.objects.count() == run.records_created
    assert any("truncated" in e["reason"] for e in run.errors)


def test_atom_ghost_entries_are_skipped_with_a_reason():
    run = import_path(ARXIV / "atom" / "query_missing_id.old-api-2025-08.xml")
    assert (run.records_created, run.records_skipped) == (1, 3)
    assert all("ghost entry" in e["reason"] for e in run.errors)
    assert Work.objects.get().arxiv_id == "2201.13452"


def test_atom_api_error_is_reported_and_nothing_written():
    run = import_path(ARXIV / "atom" / "api-error.user-manual.xml")
    assert run.records_created == 0
    assert any("arXiv API error" in e["reason"] for e in run.errors)


def test_empty_atom_page_imports_nothing_without_error():
    run = import_path(ARXIV / "atom" / "query_empty.new-api-2025-11-11.xml")
    assert (run.records_seen, run.records_created, run.records_skipped, run.status) == (
        0,
        0,
        0,
        "finished",
    )


def test_atom_keeps_every_author_affiliation():
    import_path(ARXIV / "atom" / "query.new-api-2025-11-11.xml")
    work = Work.objects.get(arxiv_id="nucl-ex/0408020")
    assert work.version_count == 1
    assert work.authorships.count() == 9
    assert work.authorships.get(position=9).printed_name == "H. de Vries"


def test_oai_error_page_is_reported(tmp_path):
    run = import_path(ARXIV / "oai" / "arXivRaw" / "ErrorResponseBadArgument.xml")
    assert run.records_created == 0
    assert "badArgument" in run.errors[0]["reason"]


def test_oai_arxivraw_records_keep_every_version_with_its_size():
    import_path(ARXIV / "oai" / "arXivRaw" / "ListRecordsResponse.xml")
    work = Work.objects.get(arxiv_id="0704.0716")
    assert list(work.versions.values_list("number", "size")) == [
        (1, "43kb"),
        (2, "48kb"),
        (3, "48kb"),
        (4, "49kb"),
    ]
    assert work.version_count == 4


def test_curated_attribution_survives_a_reimport():
    import_path(CURRENT)
    authorship = Authorship.objects.filter(position=1).select_related("work").first()
    original_author = authorship.author
    other = Author.objects.create(
        display_name=original_author.display_name,
        name_key=original_author.name_key,
        slug=original_author.slug + "--2",
        receives_imports=False,
    )
    authorship.author = other
    authorship.source = AuthorshipSource.CURATOR
    authorship.save()
    Work.objects.filter(pk=authorship.work_id).update(
        content_hash="", version_count=0
    )  # force rewrite
    run = import_path(CURRENT)
    assert run.records_updated == 1
    authorship.refresh_from_db()
    assert authorship.author == other and authorship.source == AuthorshipSource.CURATOR


def test_name_variants_share_one_author_record(tmp_path):
    import_path(ARXIV / "oai" / "arXivRaw" / "ListRecordsResponse.xml")
    # "Patricio S. letelier" (as printed in 0704.1109) and "Patricio S. Letelier" fold to one key.
    author = Author.objects.get(name_key="patricio s letelier")
    assert author.slug == "patricio-s-letelier"


def test_command_prints_a_summary_and_lists_skipped_records():
    out = StringIO()
    call_command(
        "import_arxiv",
        str(ARXIV / "atom" / "query_missing_id.old-api-2025-08.xml"),
        "--no-progress",
        stdout=out,
    )
    text = out.getvalue()
    assert "4 seen, 1 created, 0 updated, 0 unchanged, 3 skipped, 0 failed" in text
    assert "ghost entry" in text


def test_command_fails_when_a_file_cannot_be_read(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(CommandError, match="could not be read"):
        call_command(
            "import_arxiv",
            str(tmp_path / "missing.jsonl"),
            str(tmp_path / "notes.txt"),
            "--no-progress",
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert ImportRun.objects.count() == 0


@pytest.mark.skipif(not SHARED_ARXIV.exists(), reason="needs ../shared/data/arxiv")
def test_every_shared_file_imports_with_the_right_counts():
    """Every real record under shared/ (except the 143k-record benchmark file) becomes one work."""
    files = [
        p for p in sorted(SHARED_ARXIV.rglob("*")) if p.is_file() and p.suffix in {".xml", ".jsonl"}
    ]
    out = StringIO()
    call_command("import_arxiv", *map(str, files), "--no-progress", stdout=out)
    expected_ids: set[str] = set()
    from publications.services import parse_path

    for path in files:
        _, items = parse_path(path)
        expected_ids |= {i.arxiv_id for i in items if isinstance(i, WorkRecord)}
    assert set(Work.objects.values_list("arxiv_id", flat=True)) == expected_ids
    assert len(expected_ids) > 1100
    assert WorkVersion.objects.filter(work__version_count__gt=0).count() >= len(expected_ids)
    assert "total:" in out.getvalue()


def analyze_counts() -> dict[str, int]:
    """How many times each table the loader writes was analysed (fresh statistics snapshot)."""
    from publications.loader import ANALYZED_TABLES

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT relname, analyze_count FROM pg_stat_user_tables WHERE relname = ANY(%s)",
            [list(ANALYZED_TABLES)],
        )
        return dict(cursor.fetchall())


@pytest.mark.parametrize("threshold, analysed", [(30, True), (31, False)])
def test_big_import_refreshes_planner_statistics(monkeypatch, threshold, analysed):
    """A run that wrote at least ANALYZE_MIN_WORKS works ANALYZEs every table it wrote, so the
    recompute and pages right after it get good plans; a smaller run leaves it to autovacuum.
    (The 30 real records stand in for the 10,000 of a big run.)"""
    from publications import loader

    monkeypatch.setattr(loader, "ANALYZE_MIN_WORKS", threshold)
    before = analyze_counts()
    assert set(before) == set(loader.ANALYZED_TABLES)
    run = import_path(CURRENT)
    assert run.records_created == 30
    after = analyze_counts()
    if analysed:
        assert all(after[t] == before[t] + 1 for t in before), (before, after)
    else:
        assert after == before
