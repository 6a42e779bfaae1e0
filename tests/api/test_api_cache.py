"""Answers of the read API come from the catalogue cache (bzpeer/page_cache.py): no query on an
anonymous repeat, the same stored answer for signed-in clients (who pay their session or token
only), never for other formats, dropped by every change. What keeps visitors apart:
test_api_cache_visitors.py."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bzpeer import page_cache
from publications import curation_works
from publications.models import Work
from tests.factories import CuratorFactory, UserFactory

pytestmark = pytest.mark.django_db

CACHED = [
    "/api/works/",
    "/api/works/?page_size=3",
    "/api/works/0704.0716/",
    "/api/works/0704.0716/authors/",
    "/api/authors/christoph-richard/works/",
    "/api/authors/christoph-richard/",
    "/api/authors/",
    "/api/authors/?q=richard",
    "/api/graph/slice/?author=christoph-richard",
]


@pytest.mark.parametrize("url", CACHED)
def test_a_repeated_anonymous_read_runs_no_query(api, imported, django_assert_num_queries, url):
    first = api.get(url)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        again = api.get(url)
    assert again.status_code == 200 and again.json() == first.json()
    assert again["Content-Type"] == first["Content-Type"]
    if first.has_header("ETag"):
        assert again["ETag"] == first["ETag"]
        with django_assert_num_queries(0):
            assert api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_signed_in_clients_get_the_stored_answer_and_html_is_never_served_from_the_cache(
    api, imported
):
    api.get("/api/works/0704.0716/")
    Work.objects.filter(arxiv_id="0704.0716").update(title="Renamed without telling anyone")
    assert api.get("/api/works/0704.0716/").json()["title"] != "Renamed without telling anyone"
    # The API answers JSON only: a browser's HTML request is refused, not given the cached body.
    assert api.get("/api/works/0704.0716/", HTTP_ACCEPT="text/html").status_code == 406
    api.force_authenticate(UserFactory())
    # The answer holds nothing per client: signed in, the same stored answer until a change
    # is announced (every change that matters sends the signal, tested below).
    assert api.get("/api/works/0704.0716/").json()["title"] != "Renamed without telling anyone"
    page_cache.invalidate([])
    assert api.get("/api/works/0704.0716/").json()["title"] == "Renamed without telling anyone"


@pytest.mark.parametrize("url", CACHED)
def test_a_signed_in_read_of_a_stored_answer_costs_only_the_sign_in(
    api, imported, django_assert_num_queries, url
):
    first = api.get(url)
    assert first.status_code == 200
    api.force_login(UserFactory())
    with django_assert_num_queries(2):  # the session, its user
        again = api.get(url)
    assert again.status_code == 200 and again.content == first.content
    api.logout()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory()).key}")
    with django_assert_num_queries(1):  # the token with its user
        again = api.get(url)
    assert again.status_code == 200 and again.content == first.content


@pytest.mark.parametrize("url", CACHED)
def test_a_signed_in_miss_is_stored_for_everybody(api, imported, django_assert_num_queries, url):
    signed_in = APIClient()
    signed_in.force_login(UserFactory())
    first = signed_in.get(url)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        again = api.get(url)
    assert again.status_code == 200 and again.content == first.content


def test_hiding_a_work_shows_at_once(api, imported, django_capture_on_commit_callbacks):
    listed = {w["arxiv_id"] for w in api.get("/api/works/", {"page_size": 100}).json()["results"]}
    assert "0704.0716" in listed and api.get("/api/works/0704.0716/").status_code == 200
    work = Work.objects.get(arxiv_id="0704.0716")
    with django_capture_on_commit_callbacks(execute=True):
        curation_works.work_set_hidden(
            work_id=work.pk, hidden=True, actor=CuratorFactory(), reason="duplicate"
        )
    listed = {w["arxiv_id"] for w in api.get("/api/works/", {"page_size": 100}).json()["results"]}
    assert "0704.0716" not in listed
    assert api.get("/api/works/0704.0716/").status_code == 404
    assert api.get("/api/works/0704.0716/authors/").status_code == 404


def test_an_owner_edit_and_a_hidden_record_show_at_once_in_the_author_answers(
    api, imported, django_capture_on_commit_callbacks
):
    from profiles.claims import claim_approve
    from profiles.models import Author
    from profiles.owner_edits import author_set_hidden
    from tests.factories import ClaimFactory

    author = Author.objects.get(slug="christoph-richard")
    owner = UserFactory()
    assert api.get("/api/authors/christoph-richard/").json()["is_claimed"] is False
    with django_capture_on_commit_callbacks(execute=True):
        claim_approve(claim=ClaimFactory(user=owner, author=author), reviewer=CuratorFactory())
    assert api.get("/api/authors/christoph-richard/").json()["is_claimed"] is True
    listed = api.get("/api/authors/", {"q": "richard"}).json()["results"]
    assert "christoph-richard" in {a["slug"] for a in listed}
    author.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        author_set_hidden(user=owner, author=author, hidden=True)
    assert api.get("/api/authors/christoph-richard/").status_code == 410
    listed = api.get("/api/authors/", {"q": "richard"}).json()["results"]
    assert "christoph-richard" not in {a["slug"] for a in listed}
