"""Accounts through HTTP with django-allauth: sign up, e-mail verification, log in/out, password
reset, and the ORCID provider."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough passphrase 42"


def _link(message, path_part: str) -> str:
    url = re.search(rf"https?://[^\s]+{path_part}[^\s]*", message.body).group(0)
    return url.split("testserver", 1)[1]


def test_sign_up_needs_email_verification_then_logs_in(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "ada@uni.example",
            "username": "ada",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ada@uni.example"]
    # Logging in before verifying sends the user back to verify.
    client.post("/accounts/login/", {"login": "ada", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    confirm = _link(mail.outbox[0], "/accounts/confirm-email/")
    assert client.get(confirm).status_code == 200
    response = client.post(confirm)
    assert response.status_code == 302
    user = get_user_model().objects.get(username="ada")
    assert user.emailaddress_set.get().verified
    assert client.session["_auth_user_id"] == str(user.pk)
    response = client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_log_in_with_email_or_username(client):
    UserFactory(username="grace", email="grace@navy.example")
    for login in ("grace", "grace@navy.example"):
        response = client.post(
            "/accounts/login/", {"login": login, "password": "correct horse battery staple"}
        )
        assert response.status_code == 302 and response["Location"] == "/following/"
        client.post("/accounts/logout/")


def test_password_reset_by_email(client):
    UserFactory(username="emmy", email="emmy@uni.example")
    client.post("/accounts/password/reset/", {"email": "emmy@uni.example"})
    assert len(mail.outbox) == 1
    link = _link(mail.outbox[0], "/accounts/password/reset/key/")
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = client.post(
        form_url, {"password1": "a brand new passphrase 7", "password2": "a brand new passphrase 7"}
    )
    assert response.status_code == 302
    client.logout()
    response = client.post(
        "/accounts/login/", {"login": "emmy", "password": "a brand new passphrase 7"}
    )
    assert response.status_code == 302


def test_orcid_sign_in_is_offered_and_goes_to_orcid(client, settings):
    from allauth.socialaccount.providers.orcid.provider import OrcidProvider

    settings.SOCIALACCOUNT_PROVIDERS = {
        "orcid": {
            "BASE_DOMAIN": "sandbox.orcid.org",
            "MEMBER_API": False,
            "APPS": [{"client_id": "APP-TEST", "secret": "s"}],
        }
    }
    assert OrcidProvider.id == "orcid"
    assert "/accounts/orcid/login/" in client.get("/accounts/login/").content.decode()
    response = client.post("/accounts/orcid/login/")
    assert response.status_code == 302
    # allauth reads BASE_DOMAIN when its ORCID views load; the sandbox switch is tested below.
    assert re.match(r"https://(sandbox\.)?orcid\.org/oauth/authorize\?", response["Location"])
    assert "client_id=APP-TEST" in response["Location"]


def test_orcid_is_configured_from_the_environment(monkeypatch):
    import importlib

    import bzpeer.settings as bzpeer_settings

    monkeypatch.setenv("BZPEER_ORCID_CLIENT_ID", "APP-FROM-ENV")
    monkeypatch.setenv("BZPEER_ORCID_SECRET", "secret")
    monkeypatch.setenv("BZPEER_ORCID_SANDBOX", "1")
    try:
        reloaded = importlib.reload(bzpeer_settings)
        orcid = reloaded.SOCIALACCOUNT_PROVIDERS["orcid"]
        assert orcid["APPS"] == [{"client_id": "APP-FROM-ENV", "secret": "secret"}]
        assert orcid["BASE_DOMAIN"] == "sandbox.orcid.org"
    finally:
        monkeypatch.undo()
        importlib.reload(bzpeer_settings)
