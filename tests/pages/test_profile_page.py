"""The researcher profile: the seed's sections with real figures, works newest first, a fixed
number of queries whatever the record's size, and the Atom feed."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache

from publications.models import Author, Work
from publications.selectors import LISTED_AUTHORS
from publications.signals import author_records_changed
from tests.factories import (
    AuthorFactory,
    AuthorshipFactory,
    TopicFactory,
    UserFactory,
    WorkFactory,
    save_computed,
)
from tests.pages.conftest import store_counters

pytestmark = pytest.mark.django_db


def profile(client, slug: str, **params) -> str:
    response = client.get(f"/authors/{slug}/", params)
    assert response.status_code == 200
    return response.content.decode()


def test_profile_shows_every_seed_section_with_stored_figures(client, imported):
    author = Author.objects.get(slug="christoph-richard")
    author.trust_score, author.trust_tier = 21, "Emerging"
    save_computed(author)
    html = profile(client, author.slug)
    for text in [
        "Researcher profile",
        "Christoph Richard",
        "Affiliation not imported",
        "Trust snapshot",
        "Trust 21 - Emerging",
        "Verification L1",
        "Unclaimed author",
        "Decide how to stay connected",
        "Follow researcher",
        "Identity and collaboration",
        "Log in to claim",
        "Claim this author entity first to unlock direct invitations.",
        "Research graph",
        "Open full explorer",
        "Building this graph slice",
        "Published work",
    ]:
        assert text in html, text
    assert f'data-count="works">{author.works_count}<' in html
    assert f'data-count="topics">{author.topics_count}<' in html
    assert f'data-count="close-collaborators">{author.close_collaborators_count}<' in html
    # Visitors follow through the login page (a link, so the page has no CSRF token to cache).
    assert (
        'class="button" href="/accounts/login/?next=/authors/christoph-richard/">Follow researcher<'
        in html
    )
    assert "csrfmiddlewaretoken" not in html
    assert "/accounts/login/?next=/authors/christoph-richard/" in html
    assert 'href="/graph/?author=christoph-richard"' in html
    assert "Open to collaborate" not in html


def test_generated_bio_is_neutral_and_true_and_an_owner_bio_replaces_it(client, imported):
    author = Author.objects.get(slug="christoph-richard")
    topic = Work.objects.filter(authorships__author=author).first().primary_topic
    html = profile(client, author.slug)
    assert author.works_count == 1 and author.first_year == author.last_year
    # Topic names, not bare codes, and the year said in words.
    assert (
        f"Christoph Richard has 1 work on arXiv in {author.first_year}, in {topic.name} "
        f"({topic.code})."
    ) in html

    author.bio, author.open_to_collaborate = "I study <b>tilings</b>.", True
    author.claimed_by = UserFactory()
    author.save()
    cache.clear()
    html = profile(client, author.slug)
    assert "I study &lt;b&gt;tilings&lt;/b&gt;." in html
    assert "has 1 work" not in html
    assert "Open to collaborate" in html and ">Claimed<" in html
    assert "Log in to claim" not in html
    assert "Claim this author entity first" not in html


def test_works_are_newest_first_with_first_year_and_latest_version(client):
    author = AuthorFactory(display_name="Dong Lin")
    old = WorkFactory(
        title="Small Towers Make Big Differences",
        first_submitted=dt.datetime(2020, 8, 1, tzinfo=dt.UTC),
        latest_version_date=dt.datetime(2022, 3, 12, tzinfo=dt.UTC),
        version_count=3,
        abstract="First paragraph.\n\nSecond paragraph.",
    )
    new = WorkFactory(
        title="Interleaved Reasoning", first_submitted=dt.datetime(2025, 5, 1, tzinfo=dt.UTC)
    )
    for work in (old, new):
        AuthorshipFactory(work=work, author=author)
    store_counters(author)
    html = profile(client, author.slug)
    assert html.index("Interleaved Reasoning") < html.index("Small Towers Make Big Differences")
    assert ">2020</span>" in html and "latest version v3, <time" in html and "12 Mar 2022" in html
    assert "<p>First paragraph.</p><p>Second paragraph.</p>" in html
    assert "2 published items" in html


def test_long_author_lists_are_cut_with_a_count(client):
    author = AuthorFactory()
    work = WorkFactory(authors_count=30)
    AuthorshipFactory(work=work, author=author, position=1)
    for position in range(2, 31):
        AuthorshipFactory(work=work, position=position)
    html = profile(client, author.slug)
    assert f"and {30 - LISTED_AUTHORS} more" in html


def test_works_are_paginated(client):
    author = AuthorFactory()
    for _ in range(25):
        AuthorshipFactory(author=author)
    store_counters(author)
    first, second = profile(client, author.slug), profile(client, author.slug, page=2)
    assert first.count('class="work-item"') == 20 and second.count('class="work-item"') == 5
    assert "Page 1 of 2" in first and "?page=2" in first
    assert profile(client, author.slug, page="junk").count('class="work-item"') == 20


def test_merged_record_redirects_permanently(client):
    target = AuthorFactory()
    merged = AuthorFactory(merged_into=target)
    response = client.get(f"/authors/{merged.slug}/")
    assert response.status_code == 301 and response["Location"] == target.get_absolute_url()


def test_unknown_record_is_404(client, db):
    assert client.get("/authors/nobody-here/").status_code == 404


def make_author_with_works(n: int) -> Author:
    author = AuthorFactory()
    topic = TopicFactory()
    for _ in range(n):
        work = WorkFactory(primary_topic=topic, authors_count=3)
        AuthorshipFactory(work=work, author=author, position=1)
        AuthorshipFactory(work=work, position=2)
        AuthorshipFactory(work=work, position=3)
    return store_counters(author)


@pytest.mark.parametrize("path", ["/authors/{slug}/", "/authors/{slug}/feed/"])
def test_profile_and_feed_queries_do_not_grow_with_the_number_of_works(
    client, django_assert_num_queries, path
):
    small, large = make_author_with_works(1), make_author_with_works(60)
    counts = []
    for author in (small, large):
        cache.clear()
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path.format(slug=author.slug)).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    cache.clear()
    with django_assert_num_queries(counts[0]):
        client.get(path.format(slug=large.slug))


def test_profile_page_budget_and_its_cache(client, django_assert_num_queries):
    author = make_author_with_works(60)
    # record, trust trend, top topics, printed affiliation (the record has no institution),
    # last synced, works page, their first authors
    with django_assert_num_queries(7):
        client.get(f"/authors/{author.slug}/")
    with django_assert_num_queries(2):  # the record and its trust trend: fragments are cached
        client.get(f"/authors/{author.slug}/")
    with django_assert_num_queries(
        0
    ):  # visitors: the whole page is cached (test_profile_page_cache)
        client.get(f"/authors/{author.slug}/")
    # A new work changes the stored counters, which are part of the fragments' key; the import
    # that adds it says so after commit, which drops the visitors' page.
    AuthorshipFactory(
        work=WorkFactory(
            title="A brand new work", first_submitted=dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
        ),
        author=author,
    )
    store_counters(author)
    author_records_changed.send(sender=None, author_ids=[author.pk], authorships_changed=True)
    assert "A brand new work" in profile(client, author.slug)


def test_atom_feed_lists_the_authors_works(client, imported):
    response = client.get("/authors/christoph-richard/feed/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.fromstring(response.content)
    titles = [e.findtext("a:title", namespaces=ns) for e in feed.findall("a:entry", ns)]
    assert "Limit distributions and scaling functions" in titles
    assert len(titles) == Author.objects.get(slug="christoph-richard").works_count
