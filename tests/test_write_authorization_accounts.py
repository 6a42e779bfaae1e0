"""Who may use the account write paths: the API token log-in, replacing the private feed address,
and following through the API. Each role (anonymous, unverified, another user, the record's owner,
staff outside the curators, a curator) tries each write; the table says what each gets and
whether anything changed."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from profiles.claims import claim_approve
from profiles.feed_keys import following_feed_key
from profiles.models import Follow, FollowingFeedKey
from publications.models import Author
from tests.factories import AuthorFactory, ClaimFactory, CuratorFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
ROLES = ["anonymous", "unverified", "other", "owner", "staff", "curator"]


@pytest.fixture
def world():
    author = AuthorFactory()
    owner = UserFactory(username="owner")
    claim_approve(claim=ClaimFactory(user=owner, author=author), reviewer=CuratorFactory())
    users = {
        "owner": owner,
        "unverified": UserFactory(username="unverified", verified_email=False),
        "other": UserFactory(username="other"),
        "staff": UserFactory(username="staff", is_staff=True),
        "curator": CuratorFactory(username="curator"),
    }
    for user in users.values():  # everyone has a feed address already
        FollowingFeedKey.objects.create(user=user, key=f"key-of-{user.username}")
    return {"author": Author.objects.get(pk=author.pk), "users": users}


def token_login(world, role):
    username = "owner" if role == "anonymous" else role
    password = "wrong password" if role == "anonymous" else PASSWORD
    response = APIClient().post("/api/auth/token/", {"username": username, "password": password})
    return response, Token.objects.filter(user__username=username).exists()


def feed_rotation(world, role):
    client = Client()
    if role != "anonymous":
        client.force_login(world["users"][role])
    mine = "owner" if role == "anonymous" else role
    before = FollowingFeedKey.objects.get(user__username=mine).key
    owners_before = FollowingFeedKey.objects.get(user__username="owner").key
    response = client.post("/following/new-feed-address/")
    after = FollowingFeedKey.objects.get(user__username=mine).key
    if role not in ("owner", "anonymous"):  # nobody changes somebody else's address
        assert FollowingFeedKey.objects.get(user__username="owner").key == owners_before
    return response, after != before


def _api(world, role) -> APIClient:
    client = APIClient()
    if role != "anonymous":
        token = Token.objects.create(user=world["users"][role])
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def api_follow(world, role):
    author = world["author"]
    response = _api(world, role).post(f"/api/authors/{author.slug}/follow/")
    author.refresh_from_db()
    return response, Follow.objects.filter(author=author).exists() or author.followers_count > 0


def api_unfollow(world, role):
    author = world["author"]
    for user in world["users"].values():
        Follow.objects.create(user=user, author=author)
    Author.objects.filter(pk=author.pk).update(followers_count=len(world["users"]))
    before = Follow.objects.count()
    response = _api(world, role).delete(f"/api/authors/{author.slug}/follow/")
    return response, Follow.objects.count() != before


WRITES = {
    "token-login": token_login,
    "feed-rotation": feed_rotation,
    "api-follow": api_follow,
    "api-unfollow": api_unfollow,
}

# What each role gets: a status code, and whether the write happened ("changed").
LOGIN = "login"  # sent to the log-in page, nothing changes
EXPECTED = {
    "token-login": {
        "anonymous": 401,
        "unverified": 403,
        "other": (200, "changed"),
        "owner": (200, "changed"),
        "staff": (200, "changed"),
        "curator": (200, "changed"),
    },
    "feed-rotation": {
        "anonymous": LOGIN,
        "unverified": 302,
        "other": (302, "changed"),
        "owner": (302, "changed"),
        "staff": (302, "changed"),
        "curator": (302, "changed"),
    },
    "api-follow": {
        "anonymous": 401,
        "unverified": 403,
        "other": (201, "changed"),
        "owner": (201, "changed"),
        "staff": (201, "changed"),
        "curator": (201, "changed"),
    },
    "api-unfollow": {
        "anonymous": 401,
        "unverified": 403,
        "other": (200, "changed"),
        "owner": (200, "changed"),
        "staff": (200, "changed"),
        "curator": (200, "changed"),
    },
}


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("role", ROLES)
def test_who_may_write(world, write, role):
    response, changed = WRITES[write](world, role)
    expected = EXPECTED[write][role]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        assert not changed
    elif isinstance(expected, tuple):
        assert response.status_code == expected[0], response.content
        assert changed
    else:
        assert response.status_code == expected, response.content
        assert not changed


def test_the_table_covers_every_role_and_write():
    assert set(EXPECTED) == set(WRITES)
    assert all(set(row) == set(ROLES) for row in EXPECTED.values())


def test_a_feed_key_is_made_once_per_user():
    user = UserFactory()
    assert following_feed_key(user=user) == following_feed_key(user=user)
    assert FollowingFeedKey.objects.filter(user=user).count() == 1
