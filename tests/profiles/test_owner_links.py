"""The owner's ORCID iD (only as proven by ORCID sign-in) and homepage on the profile."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount
from django.core.cache import cache

from profiles.claims import claim_approve
from publications.models import Author
from tests.factories import (
    AuthorFactory,
    AuthorshipFactory,
    ClaimFactory,
    CuratorFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
ORCID = "0000-0002-1825-0097"


def own(author: Author, user=None):
    user = user or UserFactory()
    claim_approve(claim=ClaimFactory(user=user, author=author), reviewer=CuratorFactory())
    author.refresh_from_db()
    return user


def page(client, author: Author) -> str:
    cache.clear()
    response = client.get(author.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_the_owners_orcid_shows_once_proven_by_orcid_sign_in(client):
    author = AuthorFactory()
    owner = own(author)
    assert "ORCID iD" not in page(client, author)
    SocialAccount.objects.create(user=owner, provider="orcid", uid=ORCID)
    html = page(client, author)
    assert f'href="https://orcid.org/{ORCID}" rel="me noopener">ORCID iD {ORCID}</a>' in html
    assert "proven by ORCID sign-in" in html


def test_a_typed_orcid_or_someone_elses_sign_in_is_never_shown(client):
    author = AuthorFactory()
    owner = own(author)
    # An iD typed into the claim form is evidence for curators, not a proven iD.
    ClaimFactory(user=owner, author=AuthorFactory(), evidence={"orcid": ORCID})
    SocialAccount.objects.create(user=UserFactory(), provider="orcid", uid=ORCID)
    SocialAccount.objects.create(user=owner, provider="google", uid="12345")
    assert "ORCID iD" not in page(client, author)
    unclaimed = AuthorFactory()
    assert "ORCID iD" not in page(client, unclaimed)


def test_owner_sets_a_homepage_shown_with_safe_link_relations(client):
    author = AuthorFactory()
    owner = own(author)
    client.force_login(owner)
    response = client.post(f"/authors/{author.slug}/edit/", {"homepage": "https://example.org/~me"})
    assert response.status_code == 302
    author.refresh_from_db()
    assert author.homepage == "https://example.org/~me"
    client.logout()
    html = page(client, author)
    assert '<a class="homepage" href="https://example.org/~me" rel="nofollow ugc noopener">' in html
    assert (
        client.get(f"/api/authors/{author.slug}/").json()["homepage"] == "https://example.org/~me"
    )


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        "ftp://example.org/",
        "example.org",
        "https://" + "a" * 500 + ".org",
        "data:text/html,<script>alert(1)</script>",
    ],
)
def test_homepages_other_than_http_urls_are_refused_with_a_reason(client, value):
    author = AuthorFactory()
    client.force_login(own(author))
    response = client.post(f"/authors/{author.slug}/edit/", {"homepage": value}, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "The homepage must be a web address" in text or "limited to 500 characters" in text
    author.refresh_from_db()
    assert author.homepage == ""


def test_only_the_owner_sets_the_homepage(client):
    author = AuthorFactory()
    own(author)
    client.force_login(UserFactory())
    response = client.post(f"/authors/{author.slug}/edit/", {"homepage": "https://evil.example/"})
    assert response.status_code == 403
    author.refresh_from_db()
    assert author.homepage == ""


def test_claimed_profile_queries_do_not_grow_with_works(client, django_assert_num_queries):
    counts = []
    for n, orcid in ((2, ORCID), (30, "0000-0001-5109-3700")):
        author = AuthorFactory()
        owner = own(author)
        SocialAccount.objects.create(user=owner, provider="orcid", uid=orcid)
        for _ in range(n):
            AuthorshipFactory(author=author)
        cache.clear()
        with django_assert_num_queries(8) as ctx:
            # record, trust trend, top topics, printed affiliation, ORCID, last synced, works page,
            # first authors
            assert orcid in page(client, author)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
