"""Long author lists on the work page: the first authors and the visitor's own record, every author
one click away on /works/<id>/authors/, affiliations numbered over the whole list."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bzpeer import page_cache
from publications.models import WORK_PAGE_FIRST_AUTHORS, Author, Authorship, Work
from publications.services import import_path
from tests.conftest import ARXIV
from tests.factories import AuthorFactory, AuthorshipFactory, WorkFactory

pytestmark = pytest.mark.django_db


def get(client, path: str, **extra) -> str:
    response = client.get(path, **extra)
    assert response.status_code == 200, path
    return response.content.decode()


def author_list(html: str) -> str:
    """The work page's list of authors (the header's <ol>), without related works."""
    return re.search(r'<ol class="work-authors"[^>]*>(.*?)</ol>', html, re.S).group(1)


def positions(html: str) -> list[int]:
    return [int(p) for p in re.findall(r'<li value="(\d+)" id="author-', author_list(html))]


def queries(client, path: str, **extra) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path, **extra).status_code == 200
    return len(ctx.captured_queries)


def make_work(n: int, affiliation=lambda i: "") -> tuple[Work, list[Author]]:
    work = WorkFactory(authors_count=n)
    authors = AuthorFactory.create_batch(n)
    Authorship.objects.bulk_create(
        Authorship(
            work=work,
            author=a,
            position=i,
            printed_name=a.display_name,
            printed_affiliation=affiliation(i),
        )
        for i, a in enumerate(authors, 1)
    )
    return work, authors


@pytest.fixture
def collaboration(db) -> Work:
    """The real LHCb paper 2103.11058 (969 authors) and the CMS and LHCb paper 1411.4413."""
    import_path(ARXIV / "collaboration-papers.jsonl")
    return Work.objects.get(arxiv_id="2103.11058")


def test_a_collaboration_paper_shows_its_first_authors_and_links_every_author(
    client, collaboration
):
    work = collaboration
    lines = list(Authorship.objects.filter(work=work).order_by("position"))
    assert work.authors_count == len(lines) > 900
    html = get(client, work.get_absolute_url())
    assert positions(html) == list(range(1, WORK_PAGE_FIRST_AUTHORS + 1))
    listed = author_list(html)
    assert lines[0].printed_name in listed and lines[19].printed_name in listed
    assert lines[20].printed_name not in listed and lines[-1].printed_name not in listed
    assert f"All {work.authors_count:,} authors" in html
    assert f'href="/works/{work.arxiv_id}/authors/"' in html
    assert (
        f'href="/works/{work.arxiv_id}/authors/#author-21">… {work.authors_count - 20:,} more authors'
        in html
    )

    everyone = get(client, f"/works/{work.arxiv_id}/authors/")
    assert positions(everyone) == list(range(1, work.authors_count + 1))
    names = [everyone.index(f'id="author-{line.position}"><a href="/authors/') for line in lines]
    assert names == sorted(names)
    assert "more author" not in author_list(everyone)


def test_the_biggest_sample_paper_costs_the_same_queries_as_a_small_one(client, collaboration):
    small, authors = make_work(2)
    AuthorshipFactory(work=WorkFactory(), author=authors[0])  # a related work, as the big one has
    big = Work.objects.get(arxiv_id="1411.4413")
    assert big.authors_count > 2500
    for view in ("/works/{}/", "/works/{}/authors/"):
        assert queries(client, view.format(small.arxiv_id)) == queries(
            client, view.format(big.arxiv_id)
        )
    assert queries(client, f"/works/{big.arxiv_id}/authors/") == 2  # the work, its author lines


def test_the_visitors_own_record_is_shown_with_its_neighbours(client):
    work, authors = make_work(60)
    me = authors[39]  # position 40
    html = get(client, f"{work.get_absolute_url()}?author={me.slug}")
    assert positions(html) == [*range(1, 21), 38, 39, 40, 41, 42]
    assert (
        f'<li value="40" id="author-40" class="context" aria-current="true"><a href="/authors/{me.slug}/">'
        in html
    )
    # What is left out is said, with a link to the full list at the first line left out.
    assert f'href="/works/{work.arxiv_id}/authors/#author-21">… 17 more authors</a>' in html
    assert f'href="/works/{work.arxiv_id}/authors/#author-43">… 18 more authors</a>' in html
    # The profile page the visitor came from says the same, when no parameter does.
    referer = f"http://testserver/authors/{me.slug}/"
    assert positions(get(client, work.get_absolute_url(), HTTP_REFERER=referer)) == positions(html)
    # Another site's page, a record not on the work, or one among the first authors: the plain page.
    plain = [*range(1, 21)]
    other_site = f"http://elsewhere.example/authors/{me.slug}/"
    assert positions(get(client, work.get_absolute_url(), HTTP_REFERER=other_site)) == plain
    assert (
        positions(get(client, f"{work.get_absolute_url()}?author={AuthorFactory().slug}")) == plain
    )
    assert positions(get(client, f"{work.get_absolute_url()}?author={authors[3].slug}")) == plain
    assert 'aria-current="true"' not in get(
        client, f"{work.get_absolute_url()}?author=no-such-record"
    )


def test_a_context_costs_one_query_whatever_the_list(client):
    small, small_authors = make_work(25)
    big, big_authors = make_work(400)
    for authors in (small_authors, big_authors):
        AuthorshipFactory(work=WorkFactory(), author=authors[0])
    with_context = [
        queries(client, f"{w.get_absolute_url()}?author={a[-1].slug}")
        for w, a in ((small, small_authors), (big, big_authors))
    ]
    assert with_context[0] == with_context[1] == queries(client, big.get_absolute_url()) + 1


def test_affiliations_are_numbered_over_the_whole_list(client):
    def affiliation(i: int) -> str:
        if i <= 20:
            return "Alpha" if i % 2 else "Beta"
        return "Gamma" if i < 40 else "Delta"

    work, authors = make_work(40, affiliation)
    html = get(client, f"{work.get_absolute_url()}?author={authors[34].slug}")  # position 35
    assert re.findall(r'<li value="(\d+)" id="affiliation-\d+">(\w+)</li>', html) == [
        ("1", "Alpha"),
        ("2", "Beta"),
        ("3", "Gamma"),
    ]
    line = re.search(r'<li value="35".*?</li>', html).group(0)
    assert '<a href="#affiliation-3" aria-label="affiliation 3">3</a>' in line
    everyone = get(client, f"/works/{work.arxiv_id}/authors/")
    assert re.findall(r'<li value="(\d+)" id="affiliation-\d+">(\w+)</li>', everyone) == [
        ("1", "Alpha"),
        ("2", "Beta"),
        ("3", "Gamma"),
        ("4", "Delta"),
    ]
    line = re.search(r'<li value="40".*?</li>', everyone).group(0)
    assert '<a href="#affiliation-4" aria-label="affiliation 4">4</a>' in line


def test_a_short_list_is_shown_whole(client):
    work, authors = make_work(WORK_PAGE_FIRST_AUTHORS)
    html = get(client, f"{work.get_absolute_url()}?author={authors[-1].slug}")
    assert positions(html) == list(range(1, WORK_PAGE_FIRST_AUTHORS + 1))
    assert "All 20 authors" not in html and "more author" not in html


def test_profiles_link_long_works_with_their_record(client):
    me = AuthorFactory()
    long_work, authors = make_work(30)
    Authorship.objects.filter(work=long_work, position=25).update(author=me)
    short_work = WorkFactory(authors_count=1)
    AuthorshipFactory(work=short_work, author=me, position=1)
    Author.objects.filter(pk=me.pk).update(works_count=2)
    html = get(client, me.get_absolute_url())
    assert f'href="/works/{long_work.arxiv_id}/?author={me.slug}"' in html
    assert f'href="/works/{short_work.arxiv_id}/"' in html
    assert 'aria-current="true"' in get(client, f"/works/{long_work.arxiv_id}/?author={me.slug}")


def test_a_slug_that_is_not_shown_apart_gets_no_cache_entry_of_its_own(client):
    work, authors = make_work(30)
    for slug in ("no-such-record", authors[0].slug):
        get(client, f"{work.get_absolute_url()}?author={slug}")
        key = page_cache.catalogue_key(
            "work", (work.arxiv_id, slug), page_cache.catalogue_generation()
        )
        assert page_cache.catalogue_get(key) is None
    get(client, f"{work.get_absolute_url()}?author={authors[-1].slug}")
    key = page_cache.catalogue_key(
        "work", (work.arxiv_id, authors[-1].slug), page_cache.catalogue_generation()
    )
    assert b'aria-current="true"' in page_cache.catalogue_get(key)


def test_unknown_and_hidden_works_have_no_author_list(client):
    work, _ = make_work(3)
    Work.objects.filter(pk=work.pk).update(hidden=True)
    assert client.get(f"/works/{work.arxiv_id}/authors/").status_code == 404
    assert client.get("/works/9999.99999/authors/").status_code == 404
