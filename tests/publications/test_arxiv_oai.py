"""parse_oai on real arXiv OAI-PMH responses from shared/data/arxiv/oai (arXiv and arXivRaw).

arXiv sent no deleted record in these captures, so the deleted-record test turns a real record
into the shape OAI-PMH gives a deletion (status="deleted", header only).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from publications.arxiv.oai import OaiPage, parse_oai
from publications.arxiv.records import AuthorRecord, SkippedRecord, VersionRecord, WorkRecord

OAI = Path(__file__).resolve().parents[1] / "data" / "arxiv" / "oai"


def page(name: str) -> OaiPage:
    return parse_oai((OAI / name).read_bytes())


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


def works(result: OaiPage) -> dict[str, WorkRecord]:
    return {i.arxiv_id: i for i in result.items if isinstance(i, WorkRecord)}


def test_arxivraw_list_records_page() -> None:
    result = page("arXivRaw/ListRecordsResponse.xml")
    assert result.error_code is None
    assert result.metadata_prefix == "arXivRaw"
    assert result.resumption_token == "726959|1001"
    assert (result.complete_list_size, result.cursor) == (58011, 0)
    assert list(works(result)) == [
        "0704.0471", "0704.0716", "0704.0874", "0704.1109", "0704.1114", "0704.1586",
    ]  # fmt: skip


def test_arxivraw_versions_with_dates_and_sizes() -> None:
    work = works(page("arXivRaw/ListRecordsResponse.xml"))["0704.0716"]
    assert work.versions == [
        VersionRecord(1, utc(2007, 4, 5, 12, 45, 3), "43kb"),
        VersionRecord(2, utc(2007, 9, 28, 15, 13, 43), "48kb"),
        VersionRecord(3, utc(2008, 2, 29, 16, 5, 39), "48kb"),
        VersionRecord(4, utc(2008, 11, 14, 9, 7, 25), "49kb"),
    ]
    assert work.latest_version is None
    assert work.created is None
    assert work.source == "oai-arXivRaw"
    assert work.categories == ["math-ph", "math.MP"]
    assert work.journal_ref == (
        "Polygons, polyominoes and polycubes, 247-299, Lecture Notes in Phys., 775, Springer, "
        "Dordrecht, 2009"
    )
    assert work.extra == {"msc-class": "05A15, 05A16"}
    assert work.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"


def test_arxivraw_authors_are_split_from_the_raw_string() -> None:
    found = works(page("arXivRaw/ListRecordsResponse.xml"))
    assert found["0704.0471"].authors == [
        AuthorRecord("D.V. Shetty"),
        AuthorRecord("S.J. Yennello"),
        AuthorRecord("G.A. Souliotis"),
    ]
    assert found["0704.1109"].authors == [
        AuthorRecord("Valeria M. Rosa"),
        AuthorRecord("Patricio S. letelier"),  # printed so by the submitter
    ]
    assert found["0704.1109"].submitter == "Patricio S. Letelier"


def test_erratum_doi_is_kept_in_extra() -> None:
    work = works(page("arXivRaw/ListRecordsResponse.xml"))["0704.0471"]
    assert work.doi == "10.1103/PhysRevC.76.024606"
    assert work.extra["dois"] == "10.1103/PhysRevC.76.024606 10.1103/PhysRevC.76.039902"
    assert work.title == (
        "Density dependence of the symmetry energy and the nuclear equation of state: "
        "A Dynamical and Statistical model perspective"
    )


def test_arxivraw_get_record() -> None:
    result = page("arXivRaw/GetRecordResponse.xml")
    assert result.resumption_token is None
    [work] = result.items
    assert isinstance(work, WorkRecord)
    assert work.arxiv_id == "1302.2146"
    assert work.title == "The Same-Sign Dilepton Signature of RPV/MFV SUSY"
    assert [a.name for a in work.authors] == [
        "Joshua Berger", "Maxim Perelstein", "Michael Saelim", "Philip Tanedo",
    ]  # fmt: skip
    assert work.versions == [
        VersionRecord(1, utc(2013, 2, 8, 21, 0, 1), "853kb"),
        VersionRecord(2, utc(2013, 4, 2, 1, 50, 8), "849kb"),
    ]
    assert work.categories == ["hep-ph", "hep-ex"]
    assert work.comments == "18 pages, 6 figures; v2: References added"


def test_arxiv_format_has_structured_authors_and_only_created_updated() -> None:
    result = page("arXiv/arxiv-physics-hep-ex.xml")
    assert result.metadata_prefix == "arXiv"
    assert result.resumption_token is None
    work = works(result)["1706.09418"]
    assert work.source == "oai-arXiv"
    assert work.authors == [
        AuthorRecord("Daniel Dercks"),
        AuthorRecord("Herbi Dreiner"),
        AuthorRecord("Manuel E. Krauss"),
        AuthorRecord("Toby Opferkuch"),
        AuthorRecord("Annika Reinert"),
    ]
    assert work.created == utc(2017, 6, 28)
    assert work.updated == utc(2017, 11, 26)
    assert work.versions == [VersionRecord(1, utc(2017, 6, 28))]
    assert work.latest_version is None
    assert work.report_no == "BONN-TH-2017-03"
    assert work.doi == "10.1140/epjc/s10052-017-5414-4"
    assert work.latest_version_date == utc(2017, 6, 28)


def test_arxiv_format_get_record_with_msc_class() -> None:
    [work] = page("arXiv/arxiv-single.xml").items
    assert isinstance(work, WorkRecord)
    assert work.arxiv_id == "1401.2122"
    assert work.title == "New integrable (3+1)-dimensional systems and contact geometry"
    assert work.authors == [AuthorRecord("A. Sergyeyev")]
    assert work.categories == ["math.AP", "hep-th", "math-ph", "math.DG", "math.MP", "nlin.SI"]
    assert work.extra == {"msc-class": "37K05 37K10 53D10"}
    assert (work.created, work.updated) == (utc(2014, 1, 9), utc(2017, 10, 23))


def test_arxiv_format_names_join_forenames_and_keyname() -> None:
    work = works(page("arXiv/arxiv-physics-hep-th.xml"))["1607.01710"]
    assert [a.name for a in work.authors] == [
        "R. A. C. Correa", "D. M. Dantas", "P. H. R. S. Moraes", "A. de Souza Dutra", "C. A. S. Almeida",
    ]  # fmt: skip
    assert work.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("ErrorResponseBadArgument.xml", "badArgument", "Verb 'ListRecords', illegal argument 'identifier'."),
        ("ErrorResponseBadResumptionToken.xml", "badResumptionToken",
         "The resumptionToken supplied is illegal for this repository"),
        ("ErrorResponseBadVerb.xml", "badVerb", "Bad verb. Verb 'wah' not implemented."),
        ("ErrorResponseIdDoesNotExist.xml", "idDoesNotExist",
         "Identifier 'oai:arXiv.org:0813.2274' has correct form but does not correspond to an "
         "item in this repository"),
        ("ErrorResponseNoRecordsMatch.xml", "noRecordsMatch",
         "Set argument doesn't match any sets. The setSpec was 'moo'"),
    ],
)  # fmt: skip
def test_oai_errors_are_reported_on_the_page(name: str, code: str, message: str) -> None:
    result = page(f"arXivRaw/{name}")
    assert result.error_code == code
    assert result.error_message == message
    assert result.items == []
    assert result.resumption_token is None


def test_deleted_record_is_skipped_as_deleted_upstream() -> None:
    data = (OAI / "arXivRaw/GetRecordResponse.xml").read_text(encoding="utf-8")
    deleted = re.sub(r"<metadata>.*</metadata>", "", data, flags=re.DOTALL).replace(
        "<header>", '<header status="deleted">'
    )
    [item] = parse_oai(deleted.encode()).items
    assert item == SkippedRecord(where="record 1", reason="deleted upstream", arxiv_id="1302.2146")


def test_malformed_xml_names_line_and_column() -> None:
    data = (OAI / "arXivRaw/ListRecordsResponse.xml").read_bytes()
    result = parse_oai(data[:3000])
    assert result.error_code == "malformed"
    assert result.error_message is not None
    assert re.search(r"line \d+, column \d+", result.error_message)
    assert result.items == []


def test_an_atom_feed_is_not_taken_for_oai() -> None:
    atom = OAI.parent / "atom" / "query_empty.new-api-2025-11-11.xml"
    result = parse_oai(atom.read_bytes())
    assert result.error_code == "malformed"
    assert result.error_message == "not an OAI-PMH response: the document element is <feed>"
