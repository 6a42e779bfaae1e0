"""parse_atom on real arXiv API responses (old API 2025-08, new backend 2025-11-11).

api-error.user-manual.xml is the error response printed in arXiv's API User's Manual
(id_list=1234.12345); the other files are captured responses from shared/data/arxiv/atom.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from publications.arxiv.atom import AtomPage, parse_atom
from publications.arxiv.records import (
    AuthorRecord,
    ParsedItem,
    SkippedRecord,
    VersionRecord,
    WorkRecord,
)

ATOM = Path(__file__).resolve().parents[1] / "data" / "arxiv" / "atom"


def page(name: str) -> AtomPage:
    return parse_atom((ATOM / name).read_bytes())


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


def work(items: list[ParsedItem], arxiv_id: str) -> WorkRecord:
    [found] = [i for i in items if isinstance(i, WorkRecord) and i.arxiv_id == arxiv_id]
    return found


@pytest.mark.parametrize(
    ("name", "total"), [("query.old-api-2025-08.xml", 7370), ("query.new-api-2025-11-11.xml", 7432)]
)
def test_paging_numbers_and_ten_works(name: str, total: int) -> None:
    result = page(name)
    assert (result.total_results, result.start_index, result.items_per_page) == (total, 0, 10)
    assert len(result.items) == 10
    assert all(isinstance(i, WorkRecord) and i.source == "atom" for i in result.items)


def test_old_api_entry_with_version_two() -> None:
    entry = work(page("query.old-api-2025-08.xml").items, "1706.01836")
    assert entry.title == (
        "Development of a Practical Multicomponent Density Functional for Electron-Proton "
        "Correlation to Produce Accurate Proton Densities"
    )
    assert [a.name for a in entry.authors] == [
        "Yang Yang", "Kurt R. Brorsen", "Tanner Culpitt", "Michael V. Pak", "Sharon Hammes-Schiffer",
    ]  # fmt: skip
    assert entry.versions == [
        VersionRecord(1, utc(2017, 6, 6, 16, 12, 51)),
        VersionRecord(2, utc(2017, 9, 24, 14, 21, 38)),
    ]
    assert entry.latest_version == 2
    assert entry.categories == ["physics.chem-ph"]
    assert entry.doi == "10.1063/1.4996038"
    assert entry.journal_ref == "The Journal of Chemical Physics 147, 114113 (2017)"
    assert entry.abstract.startswith("Multicomponent density functional theory (DFT) enables")


def test_old_api_affiliation_and_comment() -> None:
    entry = work(page("query.old-api-2025-08.xml").items, "hep-ph/9411242")
    assert entry.authors == [AuthorRecord("Raimo Vuopionperä", "SEFT, Univ. Helsinki")]
    assert entry.comments == "4 pages, revtex"
    assert entry.title == (
        "Proton-ring and Electron-linac Collider (PRELC) as a (first) "
        "TeV-rangeelectron-proton or photon-proton collider"
    )


def test_every_author_keeps_its_own_affiliation() -> None:
    # feedparser would report a single arxiv_affiliation for the whole entry.
    entry = work(page("query.new-api-2025-11-11.xml").items, "1309.4668")
    assert entry.authors == [
        AuthorRecord("A. Pertica", "Rutherford"),
        AuthorRecord("S. J. Payne", "Rutherford"),
    ]
    assert entry.journal_ref == "CERN Yellow Report CERN-2013-002, pp.237-240"
    assert entry.doi == "10.5170/CERN-2013-002.237"


def test_new_api_version_dates_come_from_published_and_updated() -> None:
    items = page("query.new-api-2025-11-11.xml").items
    three = work(items, "1610.08734")
    assert three.versions == [
        VersionRecord(1, utc(2016, 10, 27, 12, 8, 30)),
        VersionRecord(3, utc(2018, 5, 10, 0, 1, 43)),
    ]
    assert three.latest_version == 3
    assert three.version_count == 3
    assert three.categories == ["physics.acc-ph", "physics.plasm-ph"]
    # A v1 entry's <updated> (2016-07-27) is a metadata change, not a version.
    one = work(items, "1602.03411")
    assert one.versions == [VersionRecord(1, utc(2016, 2, 10, 15, 36, 31))]
    assert one.latest_version == 1


def test_primary_category_first_then_the_others() -> None:
    entry = work(page("query.new-api-2025-11-11.xml").items, "1205.6628")
    assert entry.categories == ["hep-ph", "nucl-ex", "nucl-th"]
    assert [a.name for a in entry.authors] == ["I. T. Lorenz", "H. -W. Hammer", "Ulf-G. Meißner"]


def test_old_id_scheme_is_split_from_its_version() -> None:
    entry = work(page("query.new-api-2025-11-11.xml").items, "nucl-th/9910021")
    assert entry.latest_version == 3
    assert entry.title.startswith("Solar proton burning, neutrino disintegration of the deuteron")


def test_old_api_ghost_entries_are_skipped_and_msc_terms_dropped() -> None:
    result = page("query_missing_id.old-api-2025-08.xml")
    assert result.total_results == 4
    ghosts = [i for i in result.items if isinstance(i, SkippedRecord)]
    assert [g.where for g in ghosts] == ["entry 1", "entry 3", "entry 4"]
    assert all(g.reason.startswith("ghost entry: empty title and no arXiv id") for g in ghosts)
    assert not any(g.fatal for g in ghosts)
    real = result.items[1]
    assert isinstance(real, WorkRecord)
    assert real.arxiv_id == "2201.13452"
    assert real.categories == ["math.AP"]  # the MSC term "35" is not an arXiv category
    assert real.title == (
        "Asymptotic Analysis for a Nonlinear Reaction-Diffusion System Modeling an Infectious Disease"
    )


def test_new_api_answers_the_same_query_with_the_one_real_paper() -> None:
    result = page("query_missing_id.new-api-2025-11-11.xml")
    assert result.total_results == 1
    [only] = result.items
    assert isinstance(only, WorkRecord)
    assert only.arxiv_id == "2201.13452"
    assert only.authors == [AuthorRecord("Hong-Ming Yin"), AuthorRecord("Jun Zou")]
    assert only.versions == [VersionRecord(1, utc(2022, 1, 31, 18, 59, 34))]
    assert only.comments == "34 pages"


@pytest.mark.parametrize(
    ("name", "total"),
    [("query_empty.old-api-2025-08.xml", 1), ("query_empty.new-api-2025-11-11.xml", 0)],
)
def test_empty_result_pages(name: str, total: int) -> None:
    result = page(name)
    assert result.items == []
    assert result.total_results == total


def test_api_error_feed_becomes_a_fatal_skip_with_the_message() -> None:
    result = page("api-error.user-manual.xml")
    assert result.items == [
        SkippedRecord(
            where="entry 1",
            reason="arXiv API error: incorrect id format for 1234.12345",
            fatal=True,
        )
    ]


def test_malformed_xml_is_one_fatal_skip_naming_the_position() -> None:
    data = (ATOM / "query.new-api-2025-11-11.xml").read_bytes()
    result = parse_atom(data[:5000])
    [skipped] = result.items
    assert isinstance(skipped, SkippedRecord)
    assert skipped.fatal
    assert skipped.where == "page"
    assert skipped.reason.startswith("malformed XML: ")
    assert "line" in skipped.reason and "column" in skipped.reason


def test_an_oai_response_is_not_taken_for_a_feed() -> None:
    oai = ATOM.parent / "oai" / "arXivRaw" / "GetRecordResponse.xml"
    [skipped] = parse_atom(oai.read_bytes()).items
    assert isinstance(skipped, SkippedRecord)
    assert skipped.reason == "not an Atom feed: the document element is <OAI-PMH>"


def test_entity_declarations_are_refused_before_parsing() -> None:
    data = (ATOM / "query_empty.new-api-2025-11-11.xml").read_bytes()
    hostile = data.replace(
        b"<feed ", b'<!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]><feed ', 1
    )
    [skipped] = parse_atom(hostile).items
    assert isinstance(skipped, SkippedRecord)
    assert skipped.fatal
    assert "DTD" in skipped.reason
