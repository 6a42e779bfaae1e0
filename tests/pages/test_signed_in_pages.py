"""Signed-in visitors get the anonymous page from the page cache with their own parts rendered for
them (bzpeer/personal.py): the header's account links and, on a profile, the follow, claim
and invitation cards. Each visitor sees their own state, on a page another visitor's request
stored, and nothing of anybody else's."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client, RequestFactory

from bzpeer import personal
from profiles.claims import claim_approve
from profiles.follows import follow_author
from profiles.owner_edits import author_set_hidden
from tests.factories import (
    AuthorFactory,
    AuthorshipFactory,
    ClaimFactory,
    CuratorFactory,
    TopicFactory,
    UserFactory,
    WorkFactory,
)
from tests.pages.test_profile_page import make_author_with_works

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


@pytest.fixture
def catalogue(db):
    topic = TopicFactory()
    author = AuthorFactory(display_name="Vera Halo")
    works = [WorkFactory(title=f"Dark matter halo {i}", primary_topic=topic) for i in range(3)]
    for work in works:
        AuthorshipFactory(work=work, author=author)
    work = works[0]
    return [
        "/",
        work.get_absolute_url(),
        f"/works/{work.arxiv_id}/?author={author.slug}",
        f"/works/{work.arxiv_id}/authors/",
        topic.get_absolute_url(),
        "/search/?q=dark+matter",
    ]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def view(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def body(html: str) -> str:
    return html[html.index('<main id="main">') :]


def token_of(client: Client, html: str) -> str:
    """The page's CSRF token (each form's, all of them of the client's CSRF cookie)."""
    tokens = TOKEN.findall(html)
    assert tokens
    secret = client.cookies["csrftoken"].value
    assert all(_unmask_cipher_token(token) == secret for token in tokens)
    return tokens[0]


def test_a_page_another_visitor_stored_shows_each_visitor_their_own_header(catalogue):
    ada, bob = UserFactory(username="reader-ada"), UserFactory(username="reader-bob")
    first, second = signed_in(ada), signed_in(bob)
    for path in catalogue:
        mine = view(first, path)  # stores the anonymous page
        theirs = view(second, path)  # served from it
        anonymous = view(Client(), path)
        assert "Log out reader-ada" in mine and "reader-bob" not in mine, path
        assert "Log out reader-bob" in theirs and "reader-ada" not in theirs, path
        assert "Log out" not in anonymous and "csrfmiddlewaretoken" not in anonymous, path
        assert body(mine) == body(theirs) == body(anonymous), path
        assert token_of(first, mine) != token_of(second, theirs)


def test_a_signed_in_view_of_a_stored_page_reads_only_the_session_and_the_user(
    catalogue, django_assert_num_queries
):
    client = signed_in(UserFactory(username="ada"))
    for path in catalogue:
        view(Client(), path)
        # session, user; a work page for a record in its first authors also places the record
        # (as it does for anonymous visitors)
        with django_assert_num_queries(3 if "?author=" in path else 2, info=path):
            assert "Log out ada" in view(client, path)


def test_a_flash_message_gets_a_page_of_its_own(catalogue):
    client = signed_in(UserFactory(username="ada"))
    path = catalogue[1]
    view(client, path)
    storage = CookieStorage(RequestFactory().get("/"))
    client.cookies[storage.cookie_name] = storage._encode(
        [Message(constants.SUCCESS, "You follow Vera Halo now.")]
    )
    html = view(client, path)
    assert "You follow Vera Halo now." in html and "Log out ada" in html
    assert "You follow Vera Halo now." not in view(Client(), path)
    assert "You follow Vera Halo now." not in view(signed_in(UserFactory()), path)


def warm_profile(author) -> None:
    """The first anonymous view learns the record id, the second stores the page."""
    anonymous = Client()
    view(anonymous, author.get_absolute_url())
    view(anonymous, author.get_absolute_url())


def test_each_visitor_sees_their_own_follow_claim_and_owner_state_on_a_stored_profile():
    author = make_author_with_works(3)
    owner, follower, stranger = (UserFactory(username=n) for n in ("olga", "fred", "sam"))
    claim_approve(claim=ClaimFactory(user=owner, author=author), reviewer=CuratorFactory())
    follow_author(user=follower, author=author)
    warm_profile(author)
    url = author.get_absolute_url()
    anonymous = view(Client(), url)
    pages = {user.username: (signed_in(user), user) for user in (owner, follower, stranger)}
    html = {name: view(client, url) for name, (client, _) in pages.items()}
    for name, page in html.items():
        assert f"Log out {name}" in page
        others = {"olga", "fred", "sam"} - {name}
        assert not any(f"Log out {other}" in page for other in others)
        assert page.count("Log out") == 1
        token_of(pages[name][0], page)
        # Everything outside the header and the visitor's cards is the stored anonymous page.
        start = "<!--/visitor:profile-actions-->"
        assert page[page.index(start) :] == anonymous[anonymous.index(start) :]
    assert "Following · Unfollow" in html["fred"]
    assert "Following · Unfollow" not in html["sam"] and "Follow researcher" in html["sam"]
    assert "Edit your record" in html["olga"] and "This is your own record." in html["olga"]
    assert "Edit your record" not in html["fred"] and "Edit your record" not in html["sam"]
    assert "Dispute the claim" in html["sam"] and "Dispute the claim" not in html["olga"]
    assert 'name="message"' in html["sam"] and 'name="message"' not in html["olga"]
    assert "Log out" not in anonymous and "csrfmiddlewaretoken" not in anonymous


def test_a_signed_in_view_of_a_stored_profile_reads_three_rows(django_assert_num_queries):
    author = make_author_with_works(3)
    client = signed_in(UserFactory(username="ada"))
    warm_profile(author)
    with django_assert_num_queries(3):  # session, user, the record with the visitor's state
        assert "Log out ada" in view(client, author.get_absolute_url())


def test_the_token_of_a_stored_profile_lets_the_visitor_follow():
    author = make_author_with_works(2)
    user = UserFactory(username="ada")
    warm_profile(author)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    html = view(client, author.get_absolute_url())
    token = token_of(client, html)
    response = client.post(f"/authors/{author.slug}/follow/", {"csrfmiddlewaretoken": token})
    assert response.status_code in (200, 302)
    assert "Following · Unfollow" in view(client, author.get_absolute_url())


def test_a_hidden_record_is_never_spliced_from_a_stored_page():
    """Hidden after the page was stored, with no signal delivered: the record is read afresh."""
    author = make_author_with_works(2)
    owner = UserFactory(username="olga")
    claim_approve(claim=ClaimFactory(user=owner, author=author), reviewer=CuratorFactory())
    warm_profile(author)
    author.refresh_from_db()
    author_set_hidden(user=owner, author=author, hidden=True)  # on-commit bump never runs here
    assert signed_in(UserFactory()).get(author.get_absolute_url()).status_code == 410
    assert signed_in(owner).get(author.get_absolute_url()).status_code == 410


def test_splice_refuses_a_page_whose_marks_are_missing_or_doubled():
    page = b"<p><!--visitor:account-->x<!--/visitor:account--></p>"
    assert personal.splice(page, {"account": "me"}) == (
        b"<p><!--visitor:account-->me<!--/visitor:account--></p>"
    )
    assert personal.splice(b"<p>no marks</p>", {"account": "me"}) is None
    assert personal.splice(page + page, {"account": "me"}) is None
    assert personal.splice(page, {"account": "me", "profile-actions": "mine"}) is None


def test_as_anonymous_restores_the_visitor():
    request = RequestFactory().get("/")
    request.user = user = UserFactory()
    assert personal.as_anonymous(request, lambda: isinstance(request.user, AnonymousUser))
    assert request.user is user
