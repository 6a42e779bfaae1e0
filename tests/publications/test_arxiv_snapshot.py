"""The Kaggle snapshot JSON-lines reader, on real records from shared/data/arxiv/snapshot.

Broken inputs (a cut line, a truncated .gz) are made in tmp_path by damaging real lines.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
from pathlib import Path

import pytest

from publications.arxiv.records import AuthorRecord, SkippedRecord, VersionRecord, WorkRecord
from publications.arxiv.snapshot import open_snapshot, parse_jsonl

DATA = Path(__file__).resolve().parents[1] / "data" / "arxiv"
SAMPLE = DATA / "snapshot-authors-sample.jsonl"
OLDER = DATA / "abs-older-versions.jsonl"
CURRENT = DATA / "abs-current-30.jsonl"


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


def works(path: Path) -> dict[str, WorkRecord]:
    items = list(open_snapshot(path))
    assert all(isinstance(item, WorkRecord) for item in items)
    return {item.arxiv_id: item for item in items if isinstance(item, WorkRecord)}


def test_kaggle_record_is_read_field_by_field() -> None:
    work = works(SAMPLE)["0704.0001"]
    assert work.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert work.authors == [
        AuthorRecord("C. Balázs"),
        AuthorRecord("E. L. Berger"),
        AuthorRecord("P. M. Nadolsky"),
        AuthorRecord("C.-P. Yuan"),
    ]
    assert work.versions == [
        VersionRecord(1, utc(2007, 4, 2, 19, 18, 42)),
        VersionRecord(2, utc(2007, 7, 24, 20, 10, 27)),
    ]
    assert work.categories == ["hep-ph"]
    assert work.primary_category == "hep-ph"
    assert work.doi == "10.1103/PhysRevD.76.013009"
    assert work.journal_ref == "Phys.Rev.D76:013009,2007"
    assert work.report_no == "ANL-HEP-PR-07-12"
    assert work.comments == "37 pages, 15 figures; published version"
    assert work.submitter == "Pavel Nadolsky"
    assert work.license == ""  # JSON null
    assert work.source == "snapshot"
    assert work.abstract.startswith(
        "A fully differential calculation in perturbative quantum chromodynamics is presented"
    )
    assert work.version_count == 2
    assert work.first_submitted == utc(2007, 4, 2, 19, 18, 42)


def test_every_sample_line_becomes_a_work() -> None:
    assert len(works(SAMPLE)) == 31


def test_older_and_current_versions_of_the_same_works() -> None:
    older, current = works(OLDER), works(CURRENT)
    assert len(older) == len(current) == 30
    assert set(older) == set(current)
    assert [v.number for v in older["hep-th/9709111"].versions] == [1, 2]
    assert current["hep-th/9709111"].versions == [
        VersionRecord(1, utc(1997, 9, 16, 14, 44, 58)),
        VersionRecord(2, utc(1997, 9, 23, 17, 34, 41)),
        VersionRecord(3, utc(1997, 11, 3, 19, 27, 30)),
    ]
    assert current["hep-th/9709111"].doi == "10.1088/1126-6708/1997/11/001"
    assert older["hep-th/9709111"].doi == ""
    assert older["funct-an/9301001"].comments.startswith(
        "This version (funct-an/9301001v1) was not stored by arXiv."
    )
    assert current["funct-an/9301001"].comments == "47pp, AMS-LaTeX"
    assert current["funct-an/9301001"].categories == ["funct-an", "math.OA"]
    assert current["funct-an/9301001"].latest_version_date == utc(1998, 9, 8, 18, 1, 31)


def test_classification_fields_are_kept_in_extra() -> None:
    work = works(CURRENT)["funct-an/9301001"]
    assert work.extra == {"msc-class": "81C05 (Primary) 81C40, 17B15 (Secondary)"}


def test_affiliations_from_the_author_string() -> None:
    work = works(SAMPLE)["astro-ph/0001003"]
    assert work.authors == [
        AuthorRecord("Julio F. Navarro", "University of Victoria"),
        AuthorRecord("Matthias Steinmetz", "University of Arizona"),
    ]
    assert work.abstract == ""  # the astro-ph listings carry no abstracts


def test_malformed_line_is_skipped_with_its_line_number(tmp_path: Path) -> None:
    lines = SAMPLE.read_bytes().splitlines(keepends=True)[:3]
    cut = lines[1][: len(lines[1]) // 2] + b"\n"
    path = tmp_path / "cut.jsonl"
    path.write_bytes(lines[0] + cut + lines[2])
    items = list(open_snapshot(path))
    assert [type(i).__name__ for i in items] == ["WorkRecord", "SkippedRecord", "WorkRecord"]
    skipped = items[1]
    assert isinstance(skipped, SkippedRecord)
    assert skipped.where == "line 2"
    assert skipped.reason.startswith("malformed JSON: ")
    assert not skipped.fatal


def test_missing_id_or_title_is_skipped_with_a_reason() -> None:
    record = json.loads(SAMPLE.read_text(encoding="utf-8").splitlines()[0])
    no_title = {k: v for k, v in record.items() if k != "title"}
    no_id = {k: v for k, v in record.items() if k != "id"}
    stream = io.StringIO(json.dumps(no_title) + "\n\n" + json.dumps(no_id) + "\n")
    items = list(parse_jsonl(stream, start_line=10))
    assert items == [
        SkippedRecord(where="line 10", reason="empty title", arxiv_id="astro-ph/0001002"),
        SkippedRecord(where="line 12", reason="no arXiv id"),
    ]


def test_a_bad_version_date_skips_the_record() -> None:
    record = json.loads(SAMPLE.read_text(encoding="utf-8").splitlines()[0])
    record["versions"][0]["created"] = "Sat, 1 Jan 2000"
    [item] = parse_jsonl(io.BytesIO(json.dumps(record).encode()))
    assert isinstance(item, SkippedRecord)
    assert item.arxiv_id == "astro-ph/0001002"
    assert item.reason.startswith("bad date for v1: ")


def test_truncated_gzip_yields_what_is_readable_then_a_fatal_skip(tmp_path: Path) -> None:
    data = CURRENT.read_bytes()
    compressed = gzip.compress(data)
    path = tmp_path / "abs.jsonl.gz"
    path.write_bytes(compressed[: len(compressed) // 2])
    items = list(open_snapshot(path))
    read = [i for i in items if isinstance(i, WorkRecord)]
    assert 0 < len(read) < 30
    expected_ids = [json.loads(line)["id"] for line in data.splitlines()[: len(read)]]
    assert [w.arxiv_id for w in read] == expected_ids
    last = items[-1]
    assert isinstance(last, SkippedRecord)
    assert last.fatal
    assert f"file is truncated or corrupt after line {len(read)}" in last.reason


def test_gzip_and_plain_files_read_the_same(tmp_path: Path) -> None:
    path = tmp_path / "older.jsonl.gz"
    path.write_bytes(gzip.compress(OLDER.read_bytes()))
    assert list(open_snapshot(path)) == list(open_snapshot(OLDER))


@pytest.mark.parametrize("as_text", [True, False])
def test_text_and_byte_streams_parse_alike(as_text: bool) -> None:
    raw = OLDER.read_bytes()
    stream: io.IOBase = io.StringIO(raw.decode("utf-8")) if as_text else io.BytesIO(raw)
    items = list(parse_jsonl(stream))
    assert [i.arxiv_id for i in items][:3] == [
        "funct-an/9301001",
        "hep-th/9709111",
        "hep-th/9901001",
    ]
