"""Atom feeds carry arXiv abstracts as text: a feed reader shows markup in an abstract as the
characters written, never runs or renders it. Both feeds: an author record's and the private
following feed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from profiles.follows import follow_author
from tests.factories import AuthorFactory, AuthorshipFactory, UserFactory, WorkFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
ABSTRACT = 'We study <script>alert("feed")</script> & <b onmouseover="x()">bold</b> claims.'


def summaries(body: bytes) -> list[ET.Element]:
    return ET.fromstring(body).findall(f"{ATOM}entry/{ATOM}summary")


@pytest.fixture
def author():
    author = AuthorFactory()
    AuthorshipFactory(author=author, work=WorkFactory(abstract=ABSTRACT, title="Markup"))
    return author


def test_author_feed_sends_the_abstract_as_text(client, author):
    response = client.get(f"/authors/{author.slug}/feed/")
    assert response.status_code == 200
    [summary] = summaries(response.content)
    assert summary.get("type") == "text" and summary.text == ABSTRACT
    assert b'type="html"' not in response.content and b"<script" not in response.content


def test_following_feed_sends_the_abstract_as_text(client, author):
    user = UserFactory()
    follow_author(user=user, author=author)
    client.force_login(user)
    page = client.get("/following/").content.decode()
    feed_path = page.split('rel="alternate" type="application/atom+xml"')[1].split('href="')[1]
    feed_path = feed_path.split('"')[0].replace("http://testserver", "")
    client.logout()
    response = client.get(feed_path)
    assert response.status_code == 200
    [summary] = summaries(response.content)
    assert summary.get("type") == "text" and summary.text == ABSTRACT
    assert b'type="html"' not in response.content and b"<script" not in response.content
