"""Text helpers, checked on names and values copied from real arXiv records (ids given)."""

from __future__ import annotations

import datetime as dt

import pytest

from publications.arxiv.text import (
    clean_name,
    collapse_whitespace,
    decode_tex_accents,
    parse_arxiv_date,
    split_arxiv_id,
    split_categories,
    split_dois,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("C. Bal\\'azs", "C. Balázs"),  # 0704.0001
        ('Franz G\\"ahler', "Franz Gähler"),  # 0704.0163
        ('H. Br\\"{a}uninger', "H. Bräuninger"),  # astro-ph listing
        ('Hermann B{\\"o}hnhardt', "Hermann Böhnhardt"),  # astro-ph/0703554
        ("Ariane Lan\\c{c}on", "Ariane Lançon"),  # astro-ph/0003451
        ("Miodrag Srem\\v{c}evi\\'c", "Miodrag Sremčević"),  # astro-ph/0304381
        ("Jan \\v{R}\\'idk\\'y", "Jan Řídký"),  # astro-ph/0606004
        ("C. Pe\\~na-Garay", "C. Peña-Garay"),  # hep-ph/0001101
        ("M. Kachelrie\\ss", "M. Kachelrieß"),  # astro-ph/0612247
        ('Boris H\\"au\\ss ler', "Boris Häußler"),  # 0704.2601: TeX eats the space
        ("Palle M{\\o}ller", "Palle Møller"),  # astro-ph/0306347
        ("O. St{\\aa}l", "O. Stål"),  # astro-ph/0604199
        ("Bogdan Wszo{\\l}ek", "Bogdan Wszołek"),  # astro-ph/0607193
        ("G. Garc\\'{\\i}a-Segura", "G. García-Segura"),  # astro-ph/0007189
        ("Zs. K\\H{o}v\\'ari", "Zs. Kővári"),  # 0711.0742
        ("Joanna Dr{\\ka}\\.zkowska", "Joanna Drążkowska"),  # 1009.0627
        ('Marcel A.~Ag\\"ueros', "Marcel A. Agüeros"),  # 2008.03351
        ("Nolan R. Walborn", "Nolan R. Walborn"),
    ],
)
def test_tex_accents_in_real_names_become_unicode(raw: str, expected: str) -> None:
    assert clean_name(raw) == expected


def test_decoded_accents_are_single_composed_characters() -> None:
    # NFC: "á" is one code point, so a name typed with TeX equals the same name typed in Unicode.
    assert decode_tex_accents("Bal\\'azs") == "Bal\u00e1zs"


def test_clean_name_joins_wrapped_lines() -> None:
    raw = 'Institut f\\"ur Theoretische und\n  Angewandte Physik, Universit\\"at Stuttgart'
    assert (
        clean_name(raw) == "Institut für Theoretische und Angewandte Physik, Universität Stuttgart"
    )


def test_collapse_whitespace_leaves_math_alone() -> None:
    # 0704.1586's title: only the wrapped line changes.
    raw = "Core excitation in the elastic scattering and breakup of $^{11}$Be on\n  protons"
    assert collapse_whitespace(raw) == (
        "Core excitation in the elastic scattering and breakup of $^{11}$Be on protons"
    )
    assert collapse_whitespace(None) == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Mon, 2 Apr 2007 19:18:42 GMT", dt.datetime(2007, 4, 2, 19, 18, 42, tzinfo=dt.UTC)),
        ("Tue, 29 Jan 2008 20:15:01 GMT", dt.datetime(2008, 1, 29, 20, 15, 1, tzinfo=dt.UTC)),
        ("2022-01-31T18:59:34Z", dt.datetime(2022, 1, 31, 18, 59, 34, tzinfo=dt.UTC)),
        ("2025-08-20T00:00:00-04:00", dt.datetime(2025, 8, 20, 4, 0, 0, tzinfo=dt.UTC)),
        ("2014-01-09", dt.datetime(2014, 1, 9, tzinfo=dt.UTC)),
    ],
)
def test_arxiv_dates_become_aware_utc(raw: str, expected: dt.datetime) -> None:
    parsed = parse_arxiv_date(raw)
    assert parsed == expected
    assert parsed.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize("raw", ["", "yesterday", "Mon, 2 Foo 2007 19:18:42 GMT", "2007-13-01"])
def test_unparseable_dates_raise_with_the_value(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_arxiv_date(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("http://arxiv.org/abs/hep-th/9901001v2", ("hep-th/9901001", 2)),
        ("http://arxiv.org/abs/2201.13452v1", ("2201.13452", 1)),
        ("http://arxiv.org/abs/1610.08734v3", ("1610.08734", 3)),
        ("https://arxiv.org/abs/nucl-ex/0408020v1", ("nucl-ex/0408020", 1)),
        ("oai:arXiv.org:0704.0471", ("0704.0471", None)),
        ("0704.0001", ("0704.0001", None)),
        ("math/0202001v4", ("math/0202001", 4)),
    ],
)
def test_split_arxiv_id(raw: str, expected: tuple[str, int | None]) -> None:
    assert split_arxiv_id(raw) == expected


@pytest.mark.parametrize(
    "raw", ["http://arxiv.org/api/errors#incorrect_id_format_for_1234.12345", "", "1234"]
)
def test_split_arxiv_id_rejects_what_is_not_an_id(raw: str) -> None:
    with pytest.raises(ValueError):
        split_arxiv_id(raw)


def test_split_dois_keeps_every_doi_of_an_erratum() -> None:
    # 0704.0471 (arXivRaw): the paper and its erratum.
    assert split_dois("10.1103/PhysRevC.76.024606 10.1103/PhysRevC.76.039902") == [
        "10.1103/PhysRevC.76.024606",
        "10.1103/PhysRevC.76.039902",
    ]
    assert split_dois(None) == []


def test_split_categories_keeps_primary_first_without_duplicates() -> None:
    assert split_categories("math-ph math.MP math-ph") == ["math-ph", "math.MP"]
    assert split_categories(None) == []


def test_abstract_paragraphs_keeps_indented_breaks_and_joins_wrapped_lines():
    from publications.arxiv.text import abstract_paragraphs

    raw = "  First line\nwrapped here.\n  Second paragraph\nalso wrapped.\n"
    assert abstract_paragraphs(raw) == "First line wrapped here.\n\nSecond paragraph also wrapped."
    assert abstract_paragraphs(None) == ""


def test_snapshot_abstract_keeps_its_paragraphs(arxiv_data):
    import json

    from publications.arxiv.snapshot import record_from_json

    line = next(
        line
        for line in (arxiv_data / "abs-current-30.jsonl").read_text().splitlines()
        if json.loads(line)["id"] == "math/0202001"
    )
    work = record_from_json(json.loads(line), where="line 1")
    paragraphs = work.abstract.split("\n\n")
    assert len(paragraphs) == 3
    assert paragraphs[0].startswith("This paper is a survey, with few proofs, of ideas")
    assert paragraphs[1].startswith("A par")
    assert all("\n" not in p and "  " not in p for p in paragraphs)
