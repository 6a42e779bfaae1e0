"""Who may write what, for the claim and ownership paths of the site, the API and the admin: each
row is tried by every kind of user (a visitor, a signed-in user whose e-mail is not verified,
another user, the record's owner, staff outside the curators group, a curator), and a refusal
must leave everything as it was. Other write paths add their rows in their own test files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from rest_framework.test import APIClient

from profiles.claims import claim_approve
from profiles.models import Claim, InstitutionDomain
from publications.models import Author, Authorship, CurationEvent, Institution
from publications.services import import_path
from tests.conftest import ARXIV
from tests.factories import (
    AuthorFactory,
    AuthorshipFactory,
    ClaimFactory,
    CuratorFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "unverified", "other", "owner", "staff", "curator"]


@pytest.fixture
def world():
    import_path(ARXIV / "abs-current-30.jsonl")
    author = Author.objects.get(slug="jacob-devlin")
    owner = UserFactory(username="owner")
    curator = CuratorFactory(username="curator-x")
    claim = claim_approve(claim=ClaimFactory(user=owner, author=author), reviewer=CuratorFactory())
    second = AuthorFactory(display_name="Jacob Devlin Second", slug="jacob-devlin-second")
    claim_approve(claim=ClaimFactory(user=owner, author=second), reviewer=CuratorFactory())
    # A work printed under the owner's name but attached to another (unclaimed) record.
    missing = AuthorshipFactory(
        printed_name="J. Devlin", author=AuthorFactory(display_name="J. Devlin", slug="j-devlin")
    )
    # Claims waiting for a curator: one on an unclaimed record, one disputing the owner's.
    waiting = ClaimFactory(author=AuthorFactory(), user=UserFactory(username="claimant"))
    dispute = ClaimFactory(author=author, user=UserFactory(username="disputer"))
    institution = Institution.objects.create(
        name="Google AI Language", name_key="google ai language"
    )
    domain = InstitutionDomain.objects.create(institution=institution, domain="google.com")
    return {
        "author": Author.objects.get(pk=author.pk),
        "second": second,
        "claim": claim,
        "missing": missing,
        "waiting": waiting,
        "dispute": dispute,
        "institution": institution,
        "domain": domain,
        "users": {
            "unverified": UserFactory(username="unverified", verified_email=False),
            "other": UserFactory(username="other"),
            "owner": owner,
            "staff": UserFactory(username="staff", is_staff=True),
            "curator": curator,
        },
    }


def _state(world) -> tuple:
    author = Author.objects.get(pk=world["author"].pk)
    return (
        sorted(Claim.objects.values_list("id", "state", "dispute_seen_at")),
        author.bio,
        author.claimed_by_id,
        sorted(Authorship.objects.values_list("id", "author_id")),
        CurationEvent.objects.count(),
        sorted(InstitutionDomain.objects.values_list("id", "domain")),
    )


@dataclass
class Write:
    path: Callable[[dict], str]
    data: Callable[[dict], dict]
    expected: dict  # role -> "login" | "admin-login" | "ok" | status code (refused, unchanged)
    api: bool = False


def _slug(w):
    return w["author"].slug


WRITES = {
    "claim create (page)": Write(
        lambda w: f"/authors/{w['second'].slug}/claim/",
        lambda w: {"message": "It is me."},
        {
            "anonymous": "login",
            "unverified": 403,
            "other": "ok",
            "owner": 400,
            "staff": "ok",
            "curator": "ok",
        },
    ),
    "claim create (API)": Write(
        lambda w: "/api/me/claims/",
        lambda w: {"author": w["second"].slug, "evidence": {"message": "It is me."}},
        {
            "anonymous": 401,
            "unverified": 403,
            "other": "ok",
            "owner": 400,
            "staff": "ok",
            "curator": "ok",
        },
        api=True,
    ),
    "claim withdraw (page)": Write(
        lambda w: f"/claims/{w['claim'].pk}/withdraw/",
        lambda w: {"confirm": "1"},
        {
            "anonymous": "login",
            "unverified": 404,
            "other": 404,
            "owner": "ok",
            "staff": 404,
            "curator": 404,
        },
    ),
    "claim withdraw (API)": Write(
        lambda w: f"/api/me/claims/{w['claim'].pk}/withdraw/",
        lambda w: {},
        {
            "anonymous": 401,
            "unverified": 403,
            "other": 403,
            "owner": "ok",
            "staff": 403,
            "curator": 403,
        },
        api=True,
    ),
    "add-work": Write(
        lambda w: f"/authors/{_slug(w)}/add-work/",
        lambda w: {"arxiv_id": w["missing"].work.arxiv_id},
        {
            "anonymous": "login",
            "unverified": 403,
            "other": 403,
            "owner": "ok",
            "staff": 403,
            "curator": 403,
        },
    ),
    "add-work of another person's line": Write(
        lambda w: f"/authors/{_slug(w)}/add-work/",
        lambda w: {"arxiv_id": "0704.0002", "position": "1"},
        {
            "anonymous": "login",
            "unverified": 403,
            "other": 403,
            "owner": 302,
            "staff": 403,
            "curator": 403,
        },
    ),
    "owner edit": Write(
        lambda w: f"/authors/{_slug(w)}/edit/",
        lambda w: {"bio": "Changed.", "affiliation": ""},
        {
            "anonymous": "login",
            "unverified": 403,
            "other": 403,
            "owner": "ok",
            "staff": 403,
            "curator": 403,
        },
    ),
    "not-mine": Write(
        lambda w: f"/authors/{_slug(w)}/not-mine/",
        lambda w: {"arxiv_id": "1810.04805"},
        {
            "anonymous": "login",
            "unverified": 403,
            "other": 403,
            "owner": "ok",
            "staff": 403,
            "curator": 403,
        },
    ),
    "merge request": Write(
        lambda w: f"/authors/{_slug(w)}/merge-request/",
        lambda w: {"other": w["second"].slug},
        {
            "anonymous": "login",
            "unverified": 403,
            "other": 403,
            "owner": "ok",
            "staff": 403,
            "curator": 403,
        },
    ),
    "claim approve (admin)": Write(
        lambda w: f"/admin/profiles/claim/{w['waiting'].pk}/change/",
        lambda w: {"approve": "1", "level": "4"},
        {
            "anonymous": "admin-login",
            "unverified": "admin-login",
            "other": "admin-login",
            "owner": "admin-login",
            "staff": 403,
            "curator": "ok",
        },
    ),
    "claim dispute seen (admin)": Write(
        lambda w: f"/admin/profiles/claim/{w['dispute'].pk}/change/",
        lambda w: {"dispute_seen": "1"},
        {
            "anonymous": "admin-login",
            "unverified": "admin-login",
            "other": "admin-login",
            "owner": "admin-login",
            "staff": 403,
            "curator": "ok",
        },
    ),
    "institution domain add (admin)": Write(
        lambda w: "/admin/profiles/institutiondomain/add/",
        lambda w: {"institution": w["institution"].pk, "domain": "deepmind.com"},
        {
            "anonymous": "admin-login",
            "unverified": "admin-login",
            "other": "admin-login",
            "owner": "admin-login",
            "staff": 403,
            "curator": "ok",
        },
    ),
    "institution domain delete (admin)": Write(
        lambda w: f"/admin/profiles/institutiondomain/{w['domain'].pk}/delete/",
        lambda w: {"post": "yes"},
        {
            "anonymous": "admin-login",
            "unverified": "admin-login",
            "other": "admin-login",
            "owner": "admin-login",
            "staff": 403,
            "curator": "ok",
        },
    ),
}


def _client(world, role: str, *, api: bool):
    client = APIClient() if api else Client()
    if role != "anonymous":
        client.force_login(world["users"][role])
    return client


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("role", ROLES)
def test_who_may_write(world, write, role):
    row = WRITES[write]
    expected = row.expected[role]
    before = _state(world)
    client = _client(world, role, api=row.api)
    if row.api:
        response = client.post(row.path(world), row.data(world), format="json")
    else:
        response = client.post(row.path(world), row.data(world))
    where = response.get("Location", "")
    if expected == "login":
        assert response.status_code == 302 and where.startswith("/accounts/login/"), where
    elif expected == "admin-login":
        assert response.status_code == 302 and where.startswith("/admin/login/"), where
    elif expected == "ok":
        assert response.status_code in (200, 201, 302), response.status_code
        assert "/login/" not in where
        assert _state(world) != before
        return
    else:
        assert response.status_code == expected, (response.status_code, where)
    assert _state(world) == before


def test_a_curator_with_a_stake_is_refused_on_the_review_page(world):
    """The record's owner made curator: the dispute against their own record is another
    curator's to decide."""
    from django.contrib.auth.models import Group

    owner = world["users"]["owner"]
    owner.is_staff = True
    owner.save()
    owner.groups.add(Group.objects.get_or_create(name="curators")[0])
    client = Client()
    client.force_login(owner)
    before = _state(world)
    for data in ({"dispute_seen": "1"}, {"reject": "1", "reason": "It is mine."}):
        response = client.post(f"/admin/profiles/claim/{world['dispute'].pk}/change/", data)
        assert (
            response.status_code == 200 and "another curator decides" in response.content.decode()
        )
    assert _state(world) == before
