"""Write endpoints of the REST API (follow, unfollow, claim, withdraw) and who may use them:
anonymous clients get 401, other users 403 (or see only their own rows), owners succeed."""

from __future__ import annotations

import pytest

from profiles.models import Claim, ClaimState, Follow
from publications.models import Author
from tests.factories import AuthorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(imported):
    return Author.objects.get(slug="christoph-richard")


def verified_user(**kwargs):
    return UserFactory(**kwargs)  # the factory's users have a verified address


def signed_in(api, user):
    api.force_authenticate(user)
    return api


EVIDENCE = {"message": "This is me; my thesis is 0704.0716.", "works": ["0704.0716"]}


# --- anonymous: every write endpoint and every "my" list is 401 with the error body -----------


@pytest.mark.parametrize(
    "method, url",
    [
        ("post", "/api/authors/christoph-richard/follow/"),
        ("delete", "/api/authors/christoph-richard/follow/"),
        ("get", "/api/me/follows/"),
        ("get", "/api/me/claims/"),
        ("post", "/api/me/claims/"),
        ("post", "/api/me/claims/1/withdraw/"),
    ],
)
def test_anonymous_clients_get_401(api, author, method, url):
    response = getattr(api, method)(
        url, {"author": author.slug, "evidence": EVIDENCE}, format="json"
    )
    assert response.status_code == 401
    assert response.json()["status"] == 401 and response["WWW-Authenticate"] == "Token"
    assert not Follow.objects.exists() and not Claim.objects.exists()


# --- follows --------------------------------------------------------------------------------


def test_follow_and_unfollow_are_safe_to_repeat(api, author):
    user = UserFactory()
    signed_in(api, user)
    first = api.post("/api/authors/christoph-richard/follow/")
    assert first.status_code == 201
    assert first.json() == {"author": "christoph-richard", "following": True, "followers_count": 1}
    again = api.post("/api/authors/christoph-richard/follow/")
    assert again.status_code == 200 and again.json()["followers_count"] == 1
    assert Follow.objects.filter(user=user, author=author).count() == 1
    gone = api.delete("/api/authors/christoph-richard/follow/")
    assert gone.status_code == 200
    assert gone.json() == {"author": "christoph-richard", "following": False, "followers_count": 0}
    assert api.delete("/api/authors/christoph-richard/follow/").json()["followers_count"] == 0
    assert not Follow.objects.exists()
    assert api.post("/api/authors/nobody-here/follow/").status_code == 404


def test_unfollow_only_touches_your_own_follow(api, author):
    other = UserFactory()
    Follow.objects.create(user=other, author=author)
    Author.objects.filter(pk=author.pk).update(followers_count=1)
    signed_in(api, UserFactory())
    assert api.delete("/api/authors/christoph-richard/follow/").json()["followers_count"] == 1
    assert Follow.objects.filter(user=other, author=author).exists()


def test_following_a_merged_record_is_refused(api, author):
    merged = AuthorFactory(merged_into=author)
    signed_in(api, UserFactory())
    response = api.post(f"/api/authors/{merged.slug}/follow/")
    assert response.status_code == 400 and "merged" in str(response.json()["errors"])
    assert not Follow.objects.exists()


def test_my_follows_lists_only_mine(api, author):
    me, other = UserFactory(), UserFactory()
    second = AuthorFactory()
    Follow.objects.create(user=me, author=author)
    Follow.objects.create(user=me, author=second)
    Follow.objects.create(user=other, author=AuthorFactory())
    signed_in(api, me)
    body = api.get("/api/me/follows/").json()
    assert [f["author"]["slug"] for f in body["results"]] == [second.slug, author.slug]


def test_session_authentication_needs_the_csrf_token(author):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    response = client.post("/api/authors/christoph-richard/follow/")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    assert not Follow.objects.exists()


# --- claims ---------------------------------------------------------------------------------


def test_claim_create_list_and_withdraw_by_the_owner(api, author):
    user = verified_user()
    signed_in(api, user)
    response = api.post(
        "/api/me/claims/", {"author": author.slug, "evidence": EVIDENCE}, format="json"
    )
    assert response.status_code == 201, response.content
    claim = response.json()
    assert claim["state"] == "pending" and claim["author"]["slug"] == author.slug
    assert claim["evidence"]["works"] == ["0704.0716"]
    assert [c["id"] for c in api.get("/api/me/claims/").json()["results"]] == [claim["id"]]
    twice = api.post(
        "/api/me/claims/", {"author": author.slug, "evidence": EVIDENCE}, format="json"
    )
    assert twice.status_code == 400 and "pending" in str(twice.json()["errors"])
    withdrawn = api.post(claim["withdraw_url"])
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"
    again = api.post(claim["withdraw_url"])
    assert again.status_code == 400
    assert Claim.objects.get().state == ClaimState.WITHDRAWN


def test_another_user_cannot_withdraw_or_see_a_claim(api, author):
    owner = verified_user()
    claim = Claim.objects.create(user=owner, author=author, evidence=EVIDENCE)
    signed_in(api, verified_user())
    response = api.post(f"/api/me/claims/{claim.pk}/withdraw/")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert api.get("/api/me/claims/").json()["results"] == []
    claim.refresh_from_db()
    assert claim.state == ClaimState.PENDING


def test_claim_needs_a_verified_email_and_evidence(api, author):
    signed_in(api, UserFactory(verified_email=False))
    response = api.post(
        "/api/me/claims/", {"author": author.slug, "evidence": EVIDENCE}, format="json"
    )
    assert response.status_code == 403 and "Verify" in response.json()["detail"]
    signed_in(api, verified_user())
    for body in [
        {"author": author.slug, "evidence": {}},
        {"author": author.slug, "evidence": {"works": ["not an id"]}},
        {"author": author.slug},
        {"author": "bad slug!", "evidence": EVIDENCE},
        {"author": author.slug, "evidence": {"message": "x" * 2001}},
    ]:
        response = api.post("/api/me/claims/", body, format="json")
        assert response.status_code == 400, body
        assert set(response.json()) == {"status", "code", "detail", "errors"}
    assert (
        api.post(
            "/api/me/claims/", {"author": "nobody-here", "evidence": EVIDENCE}, format="json"
        ).status_code
        == 404
    )
    assert not Claim.objects.exists()


def test_withdrawing_an_unknown_claim_is_404(api, imported):
    signed_in(api, UserFactory())
    assert api.post("/api/me/claims/999999/withdraw/").status_code == 404
    assert api.post("/api/me/claims/99999999999999999999999/withdraw/").status_code == 404
