"""The claim form and the claims page as a researcher uses them: ticked works survive an error,
a waiting claim is said up front, approved claims show their real level, and giving up an owned
record asks first (a plain form, no script)."""

from __future__ import annotations

import re

import pytest

from profiles.claims import claim_approve, claim_create
from profiles.models import Claim
from publications.models import Author
from tests.factories import (
    AuthorFactory,
    AuthorshipFactory,
    ClaimFactory,
    CuratorFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _checked(page: str) -> set[str]:
    return set(re.findall(r'name="works" value="([^"]+)" checked', page))


def test_ticked_works_are_kept_after_an_error(client):
    author = AuthorFactory()
    works = [AuthorshipFactory(author=author).work for _ in range(3)]
    client.force_login(UserFactory())
    ticked = [works[0].arxiv_id, works[2].arxiv_id]
    response = client.post(
        f"/authors/{author.slug}/claim/",
        {"works": ticked, "orcid": "0000-0002-1825-0098", "message": "These are mine."},
    )
    page = response.content.decode()
    assert response.status_code == 400 and "not a valid ORCID" in page
    assert _checked(page) == set(ticked)
    assert "These are mine." in page
    assert not Claim.objects.exists()
    assert _checked(client.get(f"/authors/{author.slug}/claim/").content.decode()) == set()


def test_the_form_says_up_front_that_a_claim_is_waiting(client):
    user, author = UserFactory(), AuthorFactory()
    client.force_login(user)
    assert (
        "already have a claim" not in client.get(f"/authors/{author.slug}/claim/").content.decode()
    )
    claim_create(user=user, author=author, evidence={"message": "mine"})
    page = client.get(f"/authors/{author.slug}/claim/").content.decode()
    assert 'id="claim-pending"' in page and "already have a claim on this record waiting" in page
    assert "Send claim" not in page


def test_approved_claims_show_the_level_they_were_granted(client):
    claim = ClaimFactory()
    claim_approve(claim=claim, reviewer=CuratorFactory())
    pending = ClaimFactory(user=claim.user)
    client.force_login(claim.user)
    page = client.get("/claims/").content.decode()
    row = page[page.index(f'data-claim="{claim.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "L4 · confirmed by a curator" in row and "L2" not in row
    other = page[page.index(f'data-claim="{pending.pk}"') :]
    assert "L2 · claimed, verified e-mail" in other[: other.index("</tr>")]


def test_the_api_shows_the_granted_level_too(client):
    from rest_framework.test import APIClient

    claim = ClaimFactory()
    claim_approve(claim=claim, reviewer=CuratorFactory(), level=4)
    api = APIClient()
    api.force_authenticate(claim.user)
    [listed] = api.get("/api/me/claims/").json()["results"]
    assert (listed["evidence_level"], listed["level"]) == (2, 4)


def test_giving_up_an_approved_claim_asks_for_confirmation(client):
    claim = ClaimFactory()
    claim_approve(claim=claim, reviewer=CuratorFactory())
    client.force_login(claim.user)
    listing = client.get("/claims/").content.decode()
    assert f'href="/claims/{claim.pk}/withdraw/"' in listing
    confirm = client.get(f"/claims/{claim.pk}/withdraw/")
    page = confirm.content.decode()
    assert confirm.status_code == 200 and "Give up the record" in page and 'name="confirm"' in page
    # A POST without the confirmation (an old form, a double click) only shows the question.
    unconfirmed = client.post(f"/claims/{claim.pk}/withdraw/")
    assert unconfirmed.status_code == 200 and "Give up the record" in unconfirmed.content.decode()
    assert Claim.objects.get(pk=claim.pk).state == "approved"
    assert Author.objects.get(pk=claim.author_id).claimed_by == claim.user
    done = client.post(f"/claims/{claim.pk}/withdraw/", {"confirm": "1"})
    assert done.status_code == 302
    assert Claim.objects.get(pk=claim.pk).state == "withdrawn"
    assert Author.objects.get(pk=claim.author_id).claimed_by is None


def test_a_pending_claim_is_withdrawn_in_one_step(client):
    claim = ClaimFactory()
    client.force_login(claim.user)
    assert client.post(f"/claims/{claim.pk}/withdraw/").status_code == 302
    assert Claim.objects.get(pk=claim.pk).state == "withdrawn"
