"""The anonymous page cache of the catalogue pages (work, its full author list, home, topic, search;
bzpeer/page_cache.py): served with no query, one entry per normalised address, the content
shared with signed-in users through a fragment, and dropped by every change a visitor could see."""

from __future__ import annotations

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory

from graph.services import recompute_authors
from publications import curation_works
from publications.curation import merge_authors
from publications.models import Author, Work
from tests.factories import (
    AuthorFactory,
    AuthorshipFactory,
    CuratorFactory,
    TopicFactory,
    UserFactory,
    WorkFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db):
    topic = TopicFactory()
    author = AuthorFactory(display_name="Vera Halo")
    works = [WorkFactory(title=f"Dark matter halo {i}", primary_topic=topic) for i in range(3)]
    for work in works:
        AuthorshipFactory(work=work, author=author)
    return {"topic": topic, "author": author, "works": works}


def pages(catalogue) -> list[str]:
    work = catalogue["works"][0]
    return [
        "/",
        work.get_absolute_url(),
        f"/works/{work.arxiv_id}/authors/",
        catalogue["topic"].get_absolute_url(),
        "/search/?q=dark+matter",
    ]


def view(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def test_a_second_anonymous_view_runs_no_query(client, catalogue, django_assert_num_queries):
    for path in pages(catalogue):
        first = view(client, path)
        with django_assert_num_queries(0):
            assert view(client, path) == first
        assert "csrfmiddlewaretoken" not in first


@pytest.mark.parametrize(
    ("first", "same"),
    [
        ("/search/?q=dark+matter", "/search/?q=+dark++matter+"),
        ("/search/?q=dark+matter&page=1&apage=1", "/search/?q=dark+matter&page=0001&apage=01"),
        ("/topics/astro-ph.GA/", "/topics/astro-ph.GA/?page=01"),
    ],
)
def test_one_entry_per_normalised_address(
    client, catalogue, django_assert_num_queries, first, same
):
    view(client, first)
    with django_assert_num_queries(0):
        view(client, same)


def test_other_parameters_and_messages_get_a_fresh_page(client, catalogue):
    work = catalogue["works"][0]
    view(client, work.get_absolute_url())
    Work.objects.filter(pk=work.pk).update(title="Renamed without telling anyone")
    assert "Renamed without telling anyone" in view(
        client, f"{work.get_absolute_url()}?utm_source=x"
    )
    storage = CookieStorage(RequestFactory().get("/"))
    client.cookies[storage.cookie_name] = storage._encode(
        [Message(constants.SUCCESS, "Welcome back")]
    )
    assert "Welcome back" in view(client, work.get_absolute_url())


def test_signed_in_users_get_their_own_header_around_the_shared_content(
    client, catalogue, django_assert_max_num_queries
):
    work = catalogue["works"][0]
    anonymous = view(client, work.get_absolute_url())
    client.force_login(UserFactory(username="reader"))
    signed_in = view(client, work.get_absolute_url())
    assert "Log out reader" in signed_in and "Log out reader" not in anonymous
    start = anonymous.index('<main id="main">')
    assert signed_in[signed_in.index('<main id="main">') :] == anonymous[start:]
    # Session, user and the work (its title): the content comes from the fragment.
    with django_assert_max_num_queries(3):
        view(client, work.get_absolute_url())
    view(client, "/search/?q=dark+matter")
    with django_assert_max_num_queries(2):  # session, user
        view(client, "/search/?q=dark+matter")


def test_hiding_a_work_shows_at_once(client, catalogue, django_capture_on_commit_callbacks):
    work = catalogue["works"][0]
    for path in pages(catalogue):
        view(client, path)
    with django_capture_on_commit_callbacks(execute=True):
        curation_works.work_set_hidden(
            work_id=work.pk, hidden=True, actor=CuratorFactory(), reason="duplicate"
        )
    assert client.get(work.get_absolute_url()).status_code == 404
    assert client.get(f"/works/{work.arxiv_id}/authors/").status_code == 404
    for path in ("/", catalogue["topic"].get_absolute_url(), "/search/?q=dark+matter"):
        assert work.title not in view(client, path), path


def test_a_curation_merge_shows_at_once(client, catalogue, django_capture_on_commit_callbacks):
    work = catalogue["works"][0]
    kept = AuthorFactory(display_name="Vera K. Halo")
    AuthorshipFactory(work=WorkFactory(), author=kept)
    assert f'href="/authors/{catalogue["author"].slug}/"' in view(client, work.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        merge_authors(kept_id=kept.pk, merged_ids=[catalogue["author"].pk], actor=CuratorFactory())
    assert f'href="/authors/{kept.slug}/"' in view(client, work.get_absolute_url())


def test_a_recompute_shows_at_once(client, catalogue, django_capture_on_commit_callbacks):
    author = catalogue["author"]
    assert "0 works" in view(client, "/search/?q=vera+halo")
    with django_capture_on_commit_callbacks(execute=True):
        recompute_authors([author.pk])  # no signal: the stored counters change
    assert Author.objects.get(pk=author.pk).works_count == 3
    assert "3 works" in view(client, "/search/?q=vera+halo")


def test_errors_are_not_cached(client, catalogue):
    work = catalogue["works"][0]
    Work.objects.filter(pk=work.pk).update(hidden=True)
    assert client.get(work.get_absolute_url()).status_code == 404
    Work.objects.filter(pk=work.pk).update(hidden=False)
    assert client.get(work.get_absolute_url()).status_code == 200
