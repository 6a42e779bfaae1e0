"""Log-in limits shared by every log-in path, client addresses behind proxies, no credentials and
no writes before the e-mail address is verified, and the private feed address the user can
replace."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from profiles.models import Follow
from tests.factories import AuthorFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def token_attempt(password: str, *, login: str = "target", address: str = "203.0.113.7", **extra):
    return APIClient(REMOTE_ADDR=address).post(
        "/api/auth/token/", {"username": login, "password": password}, **extra
    )


def form_attempt(password: str, *, login: str = "target", address: str = "203.0.113.7", **extra):
    client = Client(REMOTE_ADDR=address)
    response = client.post("/accounts/login/", {"login": login, "password": password}, **extra)
    return response, client


def test_failed_api_log_ins_lock_the_form_log_in_too():
    UserFactory(username="target")
    for attempt in range(5):
        assert token_attempt(f"guess{attempt}").status_code == 401
    # The account's allowance (5 failures) is spent: the API now answers 429, even to the right
    # password, and so does the site's log-in form.
    locked = token_attempt(PASSWORD)
    assert locked.status_code == 429 and locked.json()["code"] == "throttled"
    page, client = form_attempt(PASSWORD, address="198.51.100.20")
    assert "Too many failed login attempts" in page.content.decode()
    assert "_auth_user_id" not in client.session
    assert not Token.objects.exists()


def test_failed_form_log_ins_lock_the_token_endpoint_too():
    UserFactory(username="target")
    for attempt in range(5):
        form_attempt(f"guess{attempt}")
    assert token_attempt(PASSWORD, address="198.51.100.20").status_code == 429
    assert not Token.objects.exists()


def test_a_client_supplied_forwarded_for_does_not_reset_the_address_limit():
    """Guessing across many accounts from one address: 10 failures per minute per address, and a
    made-up X-Forwarded-For header does not make a new address."""
    for n in range(12):
        UserFactory(username=f"victim{n}")
    answers = [
        token_attempt("guess", login=f"victim{n}", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code
        for n in range(11)
    ]
    assert answers == [401] * 10 + [429]
    right = token_attempt(PASSWORD, login="victim11", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert right.status_code == 429


def test_behind_trusted_proxies_the_forwarded_address_is_the_client(settings):
    """With BZPEER_TRUSTED_PROXIES=1 the address the proxy appends is the client's: two clients
    behind the same proxy have their own allowances (and the API throttles count them apart)."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for n in range(11):
        UserFactory(username=f"victim{n}")
    proxy = "192.0.2.1"
    first = [
        token_attempt(
            "guess", login=f"victim{n}", address=proxy, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.50"
        ).status_code
        for n in range(11)
    ]
    assert first == [401] * 10 + [429]
    # A spoofed first entry does not help: the proxy's own entry (the last) is what counts.
    assert (
        token_attempt(
            "guess", login="victim10", address=proxy, HTTP_X_FORWARDED_FOR="5.6.7.8, 203.0.113.50"
        ).status_code
        == 429
    )
    other = token_attempt(
        PASSWORD, login="victim10", address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.51"
    )
    assert other.status_code == 200 and other.json()["token"]


def test_the_api_throttles_ignore_a_client_supplied_forwarded_for(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "100/min"},
    }
    client = APIClient(REMOTE_ADDR="203.0.113.9")
    answers = [
        client.get("/api/topics/", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code for n in range(4)
    ]
    assert answers == [200, 200, 200, 429]


def test_an_unverified_account_gets_no_token():
    UserFactory(username="target", verified_email=False)
    response = token_attempt(PASSWORD)
    assert response.status_code == 403 and "Verify your e-mail" in response.json()["detail"]
    assert not Token.objects.exists()
    UserFactory(username="verified")
    assert token_attempt(PASSWORD, login="verified").json()["token"]
    # By e-mail address too, like the form.
    assert token_attempt(PASSWORD, login="verified@example.org").status_code == 200


def test_an_unverified_account_cannot_write_through_the_api():
    user = UserFactory(username="target", verified_email=False)
    author = AuthorFactory()
    token = Token.objects.create(user=user)  # e.g. given out before verification was required
    by_token = APIClient()
    by_token.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    by_session = APIClient()
    by_session.force_login(user)
    for client in (by_token, by_session):
        response = client.post(f"/api/authors/{author.slug}/follow/")
        assert response.status_code == 403 and "Verify your e-mail" in response.json()["detail"]
        assert client.get("/api/me/follows/").status_code == 200  # reading is fine
    assert not Follow.objects.exists()
    author.refresh_from_db()
    assert author.followers_count == 0


def test_an_unverified_account_cannot_follow_on_the_site():
    user = UserFactory(verified_email=False)
    author = AuthorFactory()
    client = Client()
    client.force_login(user)
    response = client.post(f"/authors/{author.slug}/follow/", HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and "Verify your e-mail" in response.json()["error"]
    assert not Follow.objects.exists()


def test_every_api_write_needs_a_verified_email():
    """Every API view with a write method carries the rule (a new one cannot forget it)."""
    from django.urls import get_resolver

    from profiles.api_permissions import VerifiedEmailForWrites

    checked = 0
    for pattern in get_resolver("bzpeer.api_urls").url_patterns:
        view = getattr(pattern.callback, "view_class", None) or getattr(
            pattern.callback, "cls", None
        )
        if view is None or pattern.name == "token":
            continue
        if any(hasattr(view, method) for method in ("post", "put", "patch", "delete")):
            assert VerifiedEmailForWrites in view.permission_classes, pattern.name
            checked += 1
    assert checked >= 3


# --- The private following feed ---------------------------------------------------------------


def _feed_path(client) -> str:
    page = client.get("/following/").content.decode()
    url = page.split('rel="alternate" type="application/atom+xml"')[1].split('href="')[1]
    return url.split('"')[0].replace("http://testserver", "")


def test_a_user_replaces_their_feed_address_and_the_old_one_stops_working():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    old = _feed_path(client)
    assert _feed_path(client) == old  # stable until replaced
    assert Client().get(old).status_code == 200
    page = client.post("/following/new-feed-address/", follow=True).content.decode()
    assert "the old one no longer works" in page
    new = _feed_path(client)
    assert new != old
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200
    # The page has the button.
    assert 'action="/following/new-feed-address/"' in client.get("/following/").content.decode()


def test_feed_addresses_are_not_derived_from_the_user_id():
    """The old address was the user id signed with the site key: guessable from the key, and
    never revocable. Now it is a random key per user."""
    from django.core import signing

    user = UserFactory()
    client = Client()
    client.force_login(user)
    path = _feed_path(client)
    key = path.rstrip("/").rsplit("/", 1)[1]
    assert len(key) >= 40
    forged = signing.dumps(user.pk, salt="bzpeer.following-feed")
    assert Client().get(f"/following/feed/{forged}/").status_code == 404
    other = Client()
    other.force_login(UserFactory())
    assert _feed_path(other) != path


def test_the_admin_log_in_form_counts_in_the_same_limits():
    UserFactory(username="target", is_staff=True)
    for attempt in range(5):
        token_attempt(f"guess{attempt}")
    client = Client(REMOTE_ADDR="198.51.100.30")
    page = client.post("/admin/login/?next=/admin/", {"username": "target", "password": PASSWORD})
    assert page.status_code == 200 and "Too many failed login attempts" in page.content.decode()
    assert "_auth_user_id" not in client.session
