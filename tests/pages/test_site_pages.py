"""Pages that never dead-end: allauth's pages in the site layout with each error under its own
field, the favicon, the home page's folded topics, and the 410 page."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.factories import TopicFactory, UserFactory, WorkFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough passphrase 42"


def field_block(html: str, name: str) -> str:
    match = re.search(
        rf'<div class="field[^"]*" data-field="{name}">(.*?)</div>\s*(?=<div class="field|<button|$)',
        html,
        re.S,
    )
    assert match, f"no field {name}"
    return match.group(1)


def in_site_layout(html: str) -> bool:
    return (
        'class="site-header"' in html
        and 'class="site-footer"' in html
        and "bzpeer/site.css" in html
    )


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/confirm-email/",
        "/accounts/confirm-email/bad-key/",
    ],
)
def test_account_pages_use_the_site_layout(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert in_site_layout(html) and 'class="auth card"' in html


def test_duplicate_username_error_is_under_the_username_field(client):
    UserFactory(username="taken")
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.org",
            "username": "taken",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    username = field_block(html, "username")
    assert "A user with that username already exists." in username
    assert (
        'aria-describedby="id_username_error"' in username and 'id="id_username_error"' in username
    )
    assert "already exists" not in field_block(html, "email")


def test_wrong_password_is_a_form_error_and_password_reset_ends_on_a_site_page(client):
    UserFactory(username="ada", email="ada@uni.example")
    html = client.post("/accounts/login/", {"login": "ada", "password": "wrong"}).content.decode()
    assert 'class="form-errors" role="alert"' in html and in_site_layout(html)
    response = client.post("/accounts/password/reset/", {"email": "ada@uni.example"}, follow=True)
    assert "Check your e-mail" in response.content.decode() and len(mail.outbox) == 1
    link = re.search(r"https?://testserver(/accounts/password/reset/key/\S+)", mail.outbox[0].body)
    page = client.get(link.group(1), follow=True).content.decode()
    assert "Choose a new password" in page and in_site_layout(page)


def test_favicon_is_linked_and_served(client):
    html = client.get("/").content.decode()
    assert 'rel="icon"' in html and "bzpeer/favicon.svg" in html
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO header


def test_home_lists_recent_works_first_and_folds_topics_by_archive(client):
    galaxies = TopicFactory(code="astro-ph.GA", name="Astrophysics of Galaxies", archive="astro-ph")
    stars = TopicFactory(
        code="astro-ph.SR", name="Solar and Stellar Astrophysics", archive="astro-ph"
    )
    learning = TopicFactory(code="cs.LG", name="Machine Learning", archive="cs")
    for topic, n in ((galaxies, 2), (stars, 1), (learning, 1)):
        for _ in range(n):
            WorkFactory(primary_topic=topic)
    html = client.get("/").content.decode()
    assert html.index("Recent works") < html.index('id="topics-heading"')
    groups = re.findall(
        r'<details class="archive"( open)?>\s*<summary><span class="archive-name">([^<]+)</span>'
        r' <span class="meta">([^<]+)</span>',
        html,
    )
    assert groups == [
        (" open", "Astrophysics", "astro-ph · 3 works"),
        ("", "Computer Science", "cs · 1 work"),
    ]


def test_410_page_is_in_the_site_layout_with_search(client):
    from django.template.loader import render_to_string

    html = render_to_string("410.html", {"note": "Gone for good."})
    assert "Gone for good." in html and 'role="search"' in html and 'class="site-header"' in html
