"""Text-mode TeX shown in Unicode (pages, feeds, API), originals kept, searches with or without
accents. Real records: tests/data/arxiv/tex-text.jsonl, copied from abs-current.jsonl."""

from __future__ import annotations

import html

import pytest

from publications.arxiv.text import fold_accents, tex_to_unicode, work_text
from publications.models import Author, Work
from publications.services import import_path, works_text_convert
from tests.conftest import ARXIV

TEX_RECORDS = ARXIV / "tex-text.jsonl"


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        # 0704.0866 title
        (
            r"A priori estimates for weak solutions of complex Monge-Amp\`ere equations",
            "A priori estimates for weak solutions of complex Monge-Ampère equations",
        ),
        # 0704.0860 journal-ref
        (
            r"Changsha, Hunan (Chine), 12-14 D{\'e}cembre 2005 (18/12/2005) 49-56",
            "Changsha, Hunan (Chine), 12-14 Décembre 2005 (18/12/2005) 49-56",
        ),
        # 0704.0861 abstract
        (
            r"the data collected from the Leurr{\'e}.com honeypot platforms",
            "the data collected from the Leurré.com honeypot platforms",
        ),
        # 0704.0921 title: the mathematics stays for KaTeX
        (
            r"Z^0 \to 2\gamma and the Twisted Coproduct of the Poincar\'{e} Group",
            "Z^0 → 2γ and the Twisted Coproduct of the Poincaré Group",
        ),
        # 0704.0866 abstract: $...$ untouched, the accent outside converted
        (
            r"Let $X$ be a compact K\"ahler manifold and $\om$ a smooth closed form",
            r"Let $X$ be a compact Kähler manifold and $\om$ a smooth closed form",
        ),
        # 0704.0754 comments
        (
            r"talk given at the Poincar\'e Seminar ``Gravitation et Exp\'erience''",
            "talk given at the Poincaré Seminar “Gravitation et Expérience”",
        ),
        ("{\\deg}C", "°C"),
        # Kept as typed: percent signs, tildes, escaped dollars, unknown macros, references.
        (r"($\approx 75 %$) efficient", r"($\approx 75 %$) efficient"),
        (r"~10 Myr and 5% of \$5", r"~10 Myr and 5% of \$5"),
        (r"see \cite{abc} and \mymacro{x}", r"see \cite{abc} and \mymacro{x}"),
        (r"unbalanced { brace \'e", r"unbalanced { brace \'e"),
        ("plain text", "plain text"),
    ],
)
def test_text_mode_tex_becomes_unicode_and_mathematics_stays(typed, shown):
    assert tex_to_unicode(typed) == shown


def test_accents_fold_for_search():
    assert (
        fold_accents("Monge-Ampère Paczyński Kähler Łódź") == "Monge-Ampere Paczynski Kahler Lodz"
    )
    assert fold_accents("plain") == "plain"


def test_work_text_keeps_only_the_originals_that_changed():
    text = work_text(title=r"Monge-Amp\`ere", abstract="No TeX here.", comments="", journal_ref="")
    assert text.title == "Monge-Ampère"
    assert text.originals == {"title": r"Monge-Amp\`ere"}
    assert text.folded == "Monge-Ampere\nNo TeX here."
    plain = work_text(title="Plain", abstract="Text", comments="", journal_ref="")
    assert (plain.originals, plain.folded) == ({}, "")


@pytest.fixture
def tex_works(db):
    import_path(TEX_RECORDS)


def test_import_stores_unicode_and_the_originals(tex_works):
    work = Work.objects.get(arxiv_id="0704.0866")
    assert work.title == "A priori estimates for weak solutions of complex Monge-Ampère equations"
    assert work.tex_originals["title"] == (
        r"A priori estimates for weak solutions of complex Monge-Amp\`ere equations"
    )
    assert "compact Kähler manifold" in work.abstract and r"$\om$" in work.abstract
    assert "\\`" not in work.abstract and '\\"' not in work.abstract
    assert "Décembre 2005" in Work.objects.get(arxiv_id="0704.0860").journal_ref
    assert "Leurré.com" in Work.objects.get(arxiv_id="0704.0861").abstract
    assert Work.objects.get(arxiv_id="0704.0359").tex_originals == {}  # nothing to convert


def test_pages_feed_and_api_show_unicode(client, tex_works):
    page = client.get("/works/0704.0866/").content.decode()
    assert "<title>A priori estimates for weak solutions of complex Monge-Ampère equations" in page
    assert "K\\&quot;ahler" not in page and "Kähler" in page
    author = Author.objects.get(authorships__work__arxiv_id="0704.0866", authorships__position=1)
    feed = client.get(f"/authors/{author.slug}/feed/").content.decode()
    assert "Monge-Ampère" in html.unescape(feed) and "Amp\\`ere" not in feed
    api = client.get("/api/works/0704.0866/").json()
    assert api["title"].endswith("Monge-Ampère equations")
    assert api["tex"]["title"].endswith("Monge-Amp\\`ere equations")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Monge-Ampère", {"0704.0866", "0704.0359"}),  # one typed with TeX, one in ASCII
        ("Monge-Ampere", {"0704.0866", "0704.0359"}),
        ("Kahler manifold", {"0704.0866"}),
        ("Paczyński", {"0704.0280"}),  # the abstract spells "Paczynski"
        ("Leurré", {"0704.0861"}),
    ],
)
def test_search_finds_works_with_or_without_accents(client, tex_works, query, expected):
    page = client.get("/search/", {"q": query}).content.decode()
    found = {w.arxiv_id for w in Work.objects.all() if f"/works/{w.arxiv_id}/" in page}
    assert found == expected


def test_search_finds_the_author_record_with_or_without_accents(client, tex_works):
    for query in ("Paczyński", "Paczynski", "Bohdan Paczynski"):
        page = client.get("/search/", {"q": query}).content.decode()
        assert "Bohdan Paczyński" in page, query


def test_convert_work_text_brings_old_rows_to_unicode_and_is_safe_to_rerun(tex_works):
    fields = ("title", "abstract", "comments", "journal_ref", "tex_originals", "search_folded")
    imported = {w["arxiv_id"]: w for w in Work.objects.values("arxiv_id", *fields)}
    # Every work as imports stored it before the conversion existed: the text as typed.
    for work in Work.objects.all():
        typed = {name: work.tex_originals.get(name, getattr(work, name)) for name in fields[:4]}
        Work.objects.filter(pk=work.pk).update(**typed, tex_originals={}, search_folded="")
    assert Work.objects.get(arxiv_id="0907.2020").title.startswith("Comment on the ``Invariance")

    rewritten = works_text_convert(batch_size=3)

    assert rewritten == sum(
        1 for w in imported.values() if w["tex_originals"] or w["search_folded"]
    )
    assert {w["arxiv_id"]: w for w in Work.objects.values("arxiv_id", *fields)} == imported
    work = Work.objects.get(arxiv_id="0704.0866")
    assert work.title.endswith("Monge-Ampère equations")
    assert work.tex_originals["title"].endswith("Monge-Amp\\`ere equations")
    assert "Monge-Ampere" in work.search_folded
    assert Work.objects.get(arxiv_id="0907.2020").title.startswith("Comment on the “Invariance")
    assert works_text_convert() == 0
