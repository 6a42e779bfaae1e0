"""BibTeX, RIS and CSV exports of works and the conflict-of-interest list: escaping, every work
(not only page 1), streamed, fixed query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from publications.exports import bibtex_value, csv_cell
from publications.models import Author, Work
from publications.selectors import author_coauthors
from publications.services import import_path
from tests.conftest import ARXIV
from tests.factories import AuthorFactory, AuthorshipFactory, UserFactory, WorkFactory

TEX_RECORDS = ARXIV / "tex-text.jsonl"


def body(response) -> str:
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode()


def braces_balanced(text: str) -> bool:
    depth = 0
    for i, char in enumerate(text):
        if char in "{}" and i and text[i - 1] == "\\":
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


# --- escaping ------------------------------------------------------------------------------------


def test_bibtex_values_escape_latex_specials_outside_mathematics():
    assert bibtex_value("50% of R&D in #1") == r"50\% of R\&D in \#1"
    assert bibtex_value(r"already \% escaped") == r"already \% escaped"
    assert bibtex_value(r"($\approx 75 %$) efficient") == r"($\approx 75 %$) efficient"
    # An unpaired brace would end the entry early: every brace is escaped then.
    assert bibtex_value("a { b") == r"a \{ b"
    assert bibtex_value("{Cegrell}'s {classes}") == "{Cegrell}'s {classes}"
    assert bibtex_value("two\nlines") == "two lines"
    assert bibtex_value("ends with \\") == "ends with \\ "


def test_csv_cells_that_a_spreadsheet_would_run_get_a_quote():
    for formula in ('=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "\tx"):
        assert csv_cell(formula) == "'" + formula
    assert csv_cell("Monge-Ampère") == "Monge-Ampère" and csv_cell(None) == ""


@pytest.mark.django_db
def test_bibtex_of_a_work_is_the_typed_tex_and_parses(client):
    import_path(TEX_RECORDS)
    text = body(client.get("/works/0704.0866/cite.bib"))
    assert text.startswith("@article{arXiv:0704.0866,\n")
    assert (
        r"title = {{A priori estimates for weak solutions of complex Monge-Amp\`ere equations}}"
        in text
    )
    assert "author = {S.Benelkourchi and V.Guedj and A.Zeriahi}" in text
    assert "eprint = {0704.0866}" in text and "archivePrefix = {arXiv}" in text
    assert braces_balanced(text)
    old_style = body(client.get("/works/astro-ph/9204001/cite.bib"))
    assert old_style.startswith("@misc{arXiv:astro-ph_9204001,") or old_style.startswith(
        "@article{arXiv:astro-ph_9204001,"
    )
    assert "Paczyński" in old_style


@pytest.mark.django_db
def test_bibtex_keeps_a_name_holding_and_in_one_piece_and_escapes_specials(client):
    work = WorkFactory(title="Rates of 50% & more {unbalanced", journal_ref="")
    AuthorshipFactory(work=work, position=1, printed_name="ATLAS and CMS Collaborations")
    AuthorshipFactory(work=work, position=2, printed_name="R&D Team")
    text = body(client.get(f"/works/{work.arxiv_id}/cite.bib"))
    assert r"title = {{Rates of 50\% \& more \{unbalanced}}" in text
    assert r"author = {{ATLAS and CMS Collaborations} and R\&D Team}" in text
    assert braces_balanced(text)


@pytest.mark.django_db
def test_ris_of_a_work_has_one_line_per_value(client):
    work = WorkFactory(title="A title", abstract="First paragraph.\n\nSecond paragraph.")
    AuthorshipFactory(work=work, position=1, printed_name="Ann Author")
    text = body(client.get(f"/works/{work.arxiv_id}/cite.ris"))
    lines = text.strip().split("\r\n")
    assert lines[0] == "TY  - UNPB" and lines[-1] == "ER  -"
    assert "AB  - First paragraph. Second paragraph." in lines
    assert "AU  - Ann Author" in lines and f"ID  - arXiv:{work.arxiv_id}" in lines


# --- a profile's works ---------------------------------------------------------------------------


def record_with_works(n: int) -> Author:
    author = AuthorFactory()
    for i in range(n):
        work = WorkFactory(title=f"=cmd|' /C calc'!A0 number {i}" if i == 0 else f"Work {i}")
        AuthorshipFactory(work=work, author=author, position=1)
        AuthorshipFactory(work=work, position=2, printed_name=f"Co Author {i}")
    return author


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["bib", "ris", "csv"])
def test_profile_exports_hold_every_work_streamed_with_a_fixed_query_count(
    client, django_assert_num_queries, fmt
):
    counts = []
    for n in (3, 45):  # more than two pages of the profile
        author = record_with_works(n)
        url = f"/authors/{author.slug}/works.{fmt}"
        with django_assert_num_queries(2) as ctx:  # the record, the works (one cursor)
            response = client.get(url)
            assert response.streaming
            text = body(response)
        counts.append(len(ctx.captured_queries))
        marker = {"bib": "@misc{", "ris": "TY  - ", "csv": "Co Author"}[fmt]
        assert text.count(marker) == n
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_profile_csv_quotes_formulas_and_says_how_each_work_was_attached(client):
    author = record_with_works(2)
    AuthorshipFactory(author=author, source="curator", work=WorkFactory(title="Curated"))
    rows = list(csv.reader(io.StringIO(body(client.get(f"/authors/{author.slug}/works.csv")))))
    assert rows[0][:3] == ["arxiv_id", "title", "authors"]
    by_title = {row[1]: row for row in rows[1:]}
    assert "'=cmd|' /C calc'!A0 number 0" in by_title
    assert by_title["Curated"][10] == "curator" and by_title["Work 1"][10] == "arxiv"


@pytest.mark.django_db
def test_search_page_exports_its_works_with_every_author(client, django_assert_num_queries):
    import_path(TEX_RECORDS)
    with django_assert_num_queries(2):
        text = body(client.get("/search/works.bib", {"q": "Monge-Ampere"}))
    assert text.count("@") == 2 and "arXiv:0704.0866" in text and "arXiv:0704.0359" in text
    assert "Nguyen Van Khue and Pham Hoang Hiep" in text
    ris = body(client.get("/search/works.ris", {"q": "Monge-Ampere", "page": 2}))
    assert ris == ""  # page 2 of two results
    assert client.get("/search/works.bib").status_code == 400


@pytest.mark.django_db
def test_exports_of_a_merged_record_redirect_and_unknown_ids_are_404(client):
    target = AuthorFactory()
    merged = AuthorFactory(merged_into=target)
    response = client.get(f"/authors/{merged.slug}/works.csv")
    assert (
        response.status_code == 301 and response["Location"] == f"/authors/{target.slug}/works.csv"
    )
    assert client.get("/authors/nobody/works.bib").status_code == 404
    assert client.get("/works/0704.9999/cite.bib").status_code == 404


# --- conflict-of-interest list -------------------------------------------------------------------


def at(years_ago: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=int(365.25 * years_ago))


def shared(author: Author, other: Author, *, years_ago: float, title: str = "") -> Work:
    work = WorkFactory(first_submitted=at(years_ago), title=title or f"Shared {years_ago}")
    AuthorshipFactory(work=work, author=author, position=1)
    AuthorshipFactory(work=work, author=other, position=2)
    return work


@pytest.fixture
def coi(db):
    me = AuthorFactory(display_name="Me Myself")
    close, once, old = (
        AuthorFactory(display_name=n) for n in ("Close Colleague", "Once Met", "Old Friend")
    )
    shared(me, close, years_ago=0.5, title="Newest together")
    shared(me, close, years_ago=2)
    shared(me, once, years_ago=1)
    shared(me, old, years_ago=5)
    return me


def test_coauthors_of_the_last_years_with_their_shared_works(client, coi):
    html = body(client.get(f"/authors/{coi.slug}/coauthors/"))
    assert html.index("Close Colleague") < html.index("Once Met")
    assert "Old Friend" not in html and "Newest together" in html
    html = body(client.get(f"/authors/{coi.slug}/coauthors/", {"years": 6}))
    assert "Old Friend" in html
    listing = author_coauthors(author_id=coi.pk, years=3, today=timezone.now().date())
    assert [(c.author.display_name, len(c.works)) for c in listing.coauthors] == [
        ("Close Colleague", 2),
        ("Once Met", 1),
    ]
    assert listing.coauthors[0].works[0].title == "Newest together"


def test_coauthors_csv_quotes_formulas(client, coi):
    evil = AuthorFactory(display_name='=HYPERLINK("http://evil")')
    shared(coi, evil, years_ago=1, title="@SUM(1)")
    rows = list(csv.reader(io.StringIO(body(client.get(f"/authors/{coi.slug}/coauthors.csv")))))
    assert rows[0] == [
        "coauthor",
        "profile",
        "shared_works",
        "last_shared_year",
        "arxiv_ids",
        "titles",
    ]
    names = [row[0] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil")' in names and "Old Friend" not in names
    assert any(row[5] == "'@SUM(1)" for row in rows[1:])


@pytest.mark.parametrize("years", ["0", "21", "abc", "-1", "3.5"])
def test_coauthor_years_out_of_bounds_are_a_clear_400(client, coi, years):
    response = client.get(f"/authors/{coi.slug}/coauthors/", {"years": years})
    assert response.status_code == 400 and b"years must be a whole number" in response.content


def test_coauthor_list_query_count_does_not_grow(client, db, django_assert_num_queries):
    for n in (2, 30):
        me = AuthorFactory()
        for i in range(n):
            shared(me, AuthorFactory(), years_ago=0.1 + i / 100)
        with django_assert_num_queries(4):  # the record, co-authors, their records, the works
            assert body(client.get(f"/authors/{me.slug}/coauthors/")).count("shared-works") == n
        with django_assert_num_queries(4):
            assert body(client.get(f"/authors/{me.slug}/coauthors.csv")).count("\n") == n + 1


def test_a_hidden_record_keeps_its_exports_and_coauthors_to_its_owner(client, coi):
    owner = UserFactory()
    Author.objects.filter(pk=coi.pk).update(hidden=True, claimed_by=owner)
    for url in (
        f"/authors/{coi.slug}/works.csv",
        f"/authors/{coi.slug}/works.bib",
        f"/authors/{coi.slug}/coauthors/",
        f"/authors/{coi.slug}/coauthors.csv",
    ):
        assert client.get(url).status_code == 410, url
    client.force_login(owner)
    assert "Close Colleague" in body(client.get(f"/authors/{coi.slug}/coauthors/"))


def test_a_hidden_coauthor_is_listed_unlinked(client, coi):
    once = Author.objects.get(display_name="Once Met")
    Author.objects.filter(pk=once.pk).update(hidden=True)
    html = body(client.get(f"/authors/{coi.slug}/coauthors/"))
    assert "Once Met" in html and f'href="/authors/{once.slug}/"' not in html
    rows = list(csv.reader(io.StringIO(body(client.get(f"/authors/{coi.slug}/coauthors.csv")))))
    assert [row[1] for row in rows if row[0] == "Once Met"] == [""]
