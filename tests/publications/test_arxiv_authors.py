"""split_authors on real arXiv author lines.

The lines come from tests/data/arxiv/snapshot-authors-sample.jsonl (real records copied from
shared/data/arxiv/snapshot: astro-ph listings and the Kaggle head), chosen for their odd
author strings; the expected values are what a reader of each line would write down.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from publications.arxiv.authors import split_authors
from publications.arxiv.records import AuthorRecord as A

SAMPLE_FILE = (
    Path(__file__).resolve().parents[1] / "data" / "arxiv" / "snapshot-authors-sample.jsonl"
)
SAMPLE = {
    record["id"]: record
    for record in map(json.loads, SAMPLE_FILE.read_text(encoding="utf-8").splitlines())
}


def authors_of(arxiv_id: str) -> list[A]:
    return split_authors(SAMPLE[arxiv_id]["authors"])


def test_commas_and_tex_accents_without_affiliations() -> None:
    assert authors_of("0704.0001") == [
        A("C. Balázs"),
        A("E. L. Berger"),
        A("P. M. Nadolsky"),
        A("C.-P. Yuan"),
    ]


def test_affiliation_in_parentheses_belongs_to_its_author() -> None:
    assert authors_of("astro-ph/0001003") == [
        A("Julio F. Navarro", "University of Victoria"),
        A("Matthias Steinmetz", "University of Arizona"),
    ]


def test_a_trailing_affiliation_is_shared_by_the_authors_printed_before_it() -> None:
    # arXiv's own rule (back-propagation): the group of co-authors shares the institution.
    shared = "CAS-PKU BAC & Astronomy Department, PKU"
    assert authors_of("astro-ph/0001002") == [
        A("G.J. Qiao", shared),
        A("R.X. Xu", shared),
        A("J.F. Liu", shared),
        A("J.L. Han", shared),
        A("B. Zhang", shared),
    ]


def test_back_propagation_stops_at_the_next_author_with_an_affiliation() -> None:
    # 0704.0155: "..., David Jansen and Ewine van Dishoeck (Leiden)", lines wrapped at 80 columns.
    assert authors_of("0704.0155") == [
        A("Floris van der Tak", "SRON Groningen"),
        A("John Black", "Onsala"),
        A("Fredrik Schoeier", "Stockholm"),
        A("David Jansen", "Leiden"),
        A("Ewine van Dishoeck", "Leiden"),
    ]


def test_numbered_footnote_affiliations_are_mapped_and_joined() -> None:
    nanjing = "School of Astronomy and Space Science, Nanjing University"
    carnegie = "The Observatories of the Carnegie Institution for Science"
    assert authors_of("1305.5158") == [
        A("Meng Gu", f"{nanjing}; {carnegie}"),
        A("Luis C. Ho", carnegie),
        A("Chien Y. Peng", "Giant Magellan Telescope Organization"),
        A(
            "Song Huang",
            f"{nanjing}; {carnegie}; "
            "Key Laboratory of Modern Astronomy and Astrophysics, Nanjing University",
        ),
    ]


def test_footnote_markers_with_and_and_wrapped_legend() -> None:
    assert authors_of("0704.0025") == [
        A(
            "A. S. Mishchenko",
            "CREST, Japan Science and Technology Agency; "
            "Russian Research Centre ``Kurchatov Institute''",
        ),
        A("N. Nagaosa", "CREST, Japan Science and Technology Agency; The University of Tokyo"),
    ]


def test_fifteen_authors_six_footnotes_across_wrapped_lines() -> None:
    authors = authors_of("0704.0128")
    assert [a.name for a in authors] == [
        "P.A. Evans", "A.P. Beardmore", "K.L. Page", "L.G. Tyler", "J.P. Osborne", "M.R. Goad",
        "P.T. O'Brien", "L. Vetere", "J. Racusin", "D. Morris", "D.N. Burrows", "M. Capalbi",
        "M. Perri", "N. Gehrels", "P. Romano",
    ]  # fmt: skip
    assert authors[0].affiliation == "University of Leicester"
    assert authors[8] == A("J. Racusin", "Pennsylvania State University")
    assert authors[13] == A("N. Gehrels", "NASA/Goddard Space Flight Center")
    assert authors[14] == A(
        "P. Romano", "INAF-Osservatorio Astronomico di Brera; Universita' degli Studi di Milano"
    )


def test_marker_after_a_comma_still_belongs_to_the_author_before_it() -> None:
    # "Myung Gyoon Lee, (1), and Doug Geisler (2)"
    assert authors_of("astro-ph/0001007") == [
        A("Eunhyeuk Kim", "Seoul National University, Korea"),
        A("Myung Gyoon Lee", "Seoul National University, Korea"),
        A("Doug Geisler", "Universidad de Concepcion, Chile"),
    ]


def test_bare_number_legend_does_not_split_on_numbers_inside_an_affiliation() -> None:
    # "(1 Dip. Astro., Bologna; 2 INAF--Oss. ...; 7 S.I.S.S.A., Via Beirut 2 - 4, Trieste; 8 ...)"
    authors = {a.name: a.affiliation for a in authors_of("0704.0139")}
    assert authors["M. Mapelli"] == "S.I.S.S.A., Via Beirut 2 - 4, Trieste"
    assert authors["S. Sigurdsson"] == "Astronomy Department, University of Virginia"
    assert authors["G. Beccari"] == (
        "INAF--Oss. Astro., Bologna; Dip. di Scienze della Comunicazione, Teramo; "
        "INAF--Oss. Astro. di Collurania, Teramo"
    )


@pytest.mark.parametrize(
    ("arxiv_id", "name", "affiliation"),
    [
        ("astro-ph/0306401", "N. Huelamo", "ESO Chile"),  # legend after ";" without a bracket
        ("astro-ph/0605329", "Alan Boss", "DTM, Carnegie Institution of Washington"),  # "(1: ...; 2: ...)"
        ("astro-ph/0610504", "Dariusz Gora", "Universitat Karlsruhe; Institute of Nuclear Physics PAN"),
        ("1805.09851", "Nirupam Roy", "Indian Institute of Science, India"),  # [(1) ..., (2) ...]
        ("0706.2932", "Antonio Pipino", "Astrophysics, University of Oxford, U.K.; "
         "Dipartimento di Astronomia, Universita di Trieste, Italy"),  # "(1, A, 2 B, 3, C)"
        ("astro-ph/0302585", "B. C. Joshi", "University of Manchester, UK; "
         "National Center for Radio Astrophysics, India"),  # keys after values
        ("astro-ph/0310040", "Maxim Lyutikov", "McGill University"),  # legend nobody points to
        ("0803.2235", "M. J. Michałowski", "Dark Cosmology Centre (NBI) Copenhagen; "
         "Institute for Astronomy (ROE) Edinburgh"),  # nested brackets in the legend
    ],
)  # fmt: skip
def test_legend_variants(arxiv_id: str, name: str, affiliation: str) -> None:
    authors = {a.name: a.affiliation for a in authors_of(arxiv_id)}
    assert authors[name] == affiliation


def test_suffix_after_a_comma_stays_with_its_author() -> None:
    assert authors_of("astro-ph/0003152") == [A("George A. Baker, Jr")]
    assert authors_of("astro-ph/0005258") == [
        A("Eric A. Lufkin", "U. Virginia; U. Alabama; NASA/GSFC"),
        A("Craig L. Sarazin", "U. Virginia"),
        A("Raymond E. White, III", "U. Alabama; NASA/GSFC"),
    ]


def test_collaboration_prefix_is_an_author_and_gets_no_affiliation() -> None:
    authors = authors_of("astro-ph/0001111")
    assert authors[0] == A("The Milagro Collaboration")
    assert authors[1] == A("R. Atkins")
    assert authors[-1] == A("G.B. Yodh")
    assert len(authors) == 40  # the collaboration and 39 people


def test_for_the_collaboration_splits_person_and_collaboration() -> None:
    assert authors_of("astro-ph/0011355") == [
        A("Masaki Mori", "ICRR, U. Tokyo"),
        A("CANGAROO collaboration"),
    ]
    # "..., R. Williamson (Stanford), for the the GLAST Collaboration"
    assert authors_of("astro-ph/0003407")[-2:] == [
        A("R. Williamson", "Stanford"),
        A("GLAST Collaboration"),
    ]


def test_on_behalf_of_in_parentheses_is_not_an_affiliation() -> None:
    assert authors_of("astro-ph/0001380") == [
        A("F. Montanet"),
        A("ANTARES collaboration"),
    ]


def test_et_al_is_dropped_and_a_bracketed_collaboration_is_kept() -> None:
    assert authors_of("astro-ph/0009242") == [
        A("E. Andres"),
        A("P. Askebjer"),
        A("X. Bai"),
        A("G. Barouch"),
        A("S. W. Barwick"),
        A("The AMANDA collaboration"),
    ]


def test_nicknames_in_parentheses_stay_in_the_name() -> None:
    names = [a.name for a in authors_of("0805.2121")]
    assert names[6] == "Xinyang (Fred) Liu"
    assert len(names) == 12
    assert [a.name for a in authors_of("2302.08386")][9] == "F. (Adam) Dong"
    assert authors_of("2008.03351")[:3] == [
        A("Yuxi (Lucy) Lu"),
        A("Ruth Angus"),
        A("Marcel A. Agüeros"),
    ]


def test_inverted_surname_initials_list_is_paired_not_doubled() -> None:
    assert authors_of("1009.1015") == [
        A("Martinez, P."),
        A("Dorrer, C."),
        A("Kasper, M."),
        A("Boccaletti, A."),
        A("Dohlen, K"),
    ]


def test_and_between_every_author_and_tex_in_braces() -> None:
    assert authors_of("1009.0627") == [
        A("Joanna Drążkowska"),
        A("Michał Hanasz"),
        A("Kacper Kowalik"),
    ]


def test_whole_line_in_parentheses_is_still_a_name() -> None:
    assert authors_of("astro-ph/9402057") == [A("Adrian L. Melott")]


@pytest.mark.parametrize("raw", ["", "   ", "\n"])
def test_empty_author_line_gives_no_authors(raw: str) -> None:
    assert split_authors(raw) == []


def test_arxivraw_line_with_comma_and_before_last_author() -> None:
    # 0704.0471 in the arXivRaw ListRecords fixture.
    assert split_authors("D.V. Shetty, S.J. Yennello, and G.A. Souliotis") == [
        A("D.V. Shetty"),
        A("S.J. Yennello"),
        A("G.A. Souliotis"),
    ]


def test_names_agree_with_kaggle_authors_parsed_on_the_sample() -> None:
    """Kaggle's authors_parsed (arXiv's own parser) is a cross-check, never an input."""
    for record in SAMPLE.values():
        if "authors_parsed" not in record:
            continue
        names = [a.name for a in split_authors(record["authors"])]
        keynames = [parts[0] for parts in record["authors_parsed"]]
        assert len(names) == len(keynames), record["id"]
        for name, keyname in zip(names, keynames, strict=True):
            assert name.endswith(keyname), (record["id"], name, keyname)
