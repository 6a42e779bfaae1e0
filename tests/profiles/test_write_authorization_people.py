"""Who may write what on the people side of the site: follows, the owner's page visibility,
invitations (send, answer, block, unblock, withdraw) and digest settings. Each row is tried by
every kind of user (a visitor, a signed-in user whose e-mail is not verified, another user, the
record's owner, staff outside the curators group, a curator); a refusal leaves everything as it
was. The identity rows: the owner's answer to the engine's "Is this also you?" proposal, to its
"Are all these works yours?" (a split proposal on the owner's record) and a
follower's choice after a split. The claim and ownership rows are in test_write_authorization.py, the account rows in
tests/test_write_authorization_accounts.py, the admin rows in
tests/publications/test_admin_authorization.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from profiles.claims import claim_approve
from profiles.follows import follow_author
from profiles.invitations import invitation_send
from profiles.models import (
    CollaborationInvitation,
    DigestSubscription,
    Follow,
    InvitationBlock,
    SplitNotice,
)
from publications.curation import split_author
from publications.models import Author, Authorship, IdentityDecision
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
    owner = UserFactory(username="owner")
    author = AuthorFactory(display_name="Ada Owner", slug="ada-owner")
    claim_approve(claim=ClaimFactory(user=owner, author=author), reviewer=CuratorFactory())
    users = {
        "unverified": UserFactory(username="unverified", verified_email=False),
        "other": UserFactory(username="other"),
        "owner": owner,
        "staff": UserFactory(username="staff", is_staff=True),
        "curator": CuratorFactory(username="curator-x"),
    }
    # "other" sent the owner an invitation; a third person is blocked by the owner.
    invitation = invitation_send(
        sender=users["other"],
        author=Author.objects.get(pk=author.pk),
        message="Shall we work together?",
        contact="other@example.org",
    )
    blocked = UserFactory(username="blocked")
    InvitationBlock.objects.create(blocker=owner, blocked=blocked)
    # Every verified user follows a second record, to try unfollowing it.
    followed = AuthorFactory(display_name="Bo Followed", slug="bo-followed")
    for role, user in users.items():
        if role != "unverified":
            follow_author(user=user, author=followed)
    # The identity engine proposes an unclaimed record to the owner ("Is this also you?").
    proposed = AuthorFactory(display_name="A. Owner", slug="a-owner")
    AuthorshipFactory(author=proposed)
    decision = IdentityDecision.objects.create(
        kind="proposal",
        author=author,
        records=[author.pk, proposed.pk],
        reason="one person: 3 shared co-authors",
        confidence=0.9,
    )
    # The engine found two people on the owner's record: it proposes the split to the owner.
    AuthorshipFactory(author=author)
    elsewhere = AuthorshipFactory(author=author)
    split_proposal = IdentityDecision.objects.create(
        kind="split_proposal",
        author=author,
        records=[author.pk],
        reason="several people: 2 persons of 1 and 1 authorships",
        evidence={"split_off": [[elsewhere.pk]], "people": []},
        confidence=0.6,
    )
    # The followed record turns out to hold two people: its followers are told.
    first = AuthorshipFactory(author=followed).work
    AuthorshipFactory(author=followed)
    split_off, _ = split_author(author_id=followed.pk, work_ids=[first.pk], actor=users["curator"])
    return {
        "author": author,
        "decision": decision,
        "split_proposal": split_proposal,
        "split_off": split_off,
        "notice": SplitNotice.objects.get(user=owner, author=followed),
        "invitation": invitation,
        "blocked": blocked,
        "users": users,
    }


def _state(world) -> tuple:
    author = Author.objects.get(pk=world["author"].pk)
    return (
        sorted(Follow.objects.values_list("user_id", "author_id")),
        author.hidden,
        sorted(CollaborationInvitation.objects.values_list("id", "state", "receiver_contact")),
        sorted(InvitationBlock.objects.values_list("blocker_id", "blocked_id")),
        sorted(DigestSubscription.objects.values_list("user_id", "frequency")),
        sorted(IdentityDecision.objects.values_list("id", "review")),
        sorted(Author.objects.values_list("id", "merged_into_id")),
        sorted(SplitNotice.objects.values_list("id", "closed_at")),
        sorted(Authorship.objects.values_list("id", "author_id", "source")),
    )


@dataclass
class Write:
    path: Callable[[dict], str]
    data: Callable[[dict], dict]
    expected: dict  # role -> "login" | "ok" | status code (refused, nothing changed)


def _invitation(world, action: str) -> str:
    return f"/inbox/{world['invitation'].pk}/{action}/"


# Only the receiver (the record's owner) answers; its sender ("other") sees it but is refused;
# everyone else gets 404 (the invitation is not theirs to see).
RECEIVER_ONLY = {
    "anonymous": "login",
    "unverified": 404,
    "other": 403,
    "owner": "ok",
    "staff": 404,
    "curator": 404,
}

WRITES = {
    "follow (page)": Write(
        lambda w: "/authors/ada-owner/follow/",
        lambda w: {},
        # An unverified account is sent back with a message; a follow would move the score.
        {
            "anonymous": "login",
            "unverified": 302,
            "other": "ok",
            "owner": "ok",
            "staff": "ok",
            "curator": "ok",
        },
    ),
    "unfollow (page)": Write(
        lambda w: "/authors/bo-followed/unfollow/",
        lambda w: {},
        # The unverified account follows nothing: nothing to remove.
        {
            "anonymous": "login",
            "unverified": 302,
            "other": "ok",
            "owner": "ok",
            "staff": "ok",
            "curator": "ok",
        },
    ),
    "hide the record's page": Write(
        lambda w: "/authors/ada-owner/visibility/",
        lambda w: {"hidden": "1"},
        {
            "anonymous": "login",
            "unverified": 403,
            "other": 403,
            "owner": "ok",
            "staff": 403,
            "curator": 403,
        },
    ),
    "send an invitation": Write(
        lambda w: "/authors/ada-owner/invite/",
        lambda w: {"message": "Hello", "contact": "me@example.org"},
        # "other" already has an open invitation; the owner cannot invite themself.
        {
            "anonymous": "login",
            "unverified": 302,
            "other": 302,
            "owner": 302,
            "staff": "ok",
            "curator": "ok",
        },
    ),
    "accept an invitation": Write(
        lambda w: _invitation(w, "accept"),
        lambda w: {"contact": "ada@example.org"},
        RECEIVER_ONLY,
    ),
    "decline an invitation": Write(
        lambda w: _invitation(w, "decline"), lambda w: {}, RECEIVER_ONLY
    ),
    "block a sender": Write(lambda w: _invitation(w, "block"), lambda w: {}, RECEIVER_ONLY),
    "withdraw an invitation": Write(
        lambda w: _invitation(w, "withdraw"),
        lambda w: {},
        # Only its sender ("other"); the receiver sees it but cannot withdraw it.
        {
            "anonymous": "login",
            "unverified": 404,
            "other": "ok",
            "owner": 403,
            "staff": 404,
            "curator": 404,
        },
    ),
    "unblock a sender": Write(
        lambda w: f"/inbox/blocked/{w['blocked'].pk}/unblock/",
        lambda w: {},
        # A block is its blocker's alone: anyone else's request removes nothing.
        {
            "anonymous": "login",
            "unverified": 302,
            "other": 302,
            "owner": "ok",
            "staff": 302,
            "curator": 302,
        },
    ),
    "take a proposed record (Is this also you?)": Write(
        lambda w: "/authors/ada-owner/proposals/",
        lambda w: {"decision": w["decision"].pk, "answer": "take"},
        # Only the record's owner; everyone else is refused before anything is read.
        {
            "anonymous": "login",
            "unverified": 403,
            "other": 403,
            "owner": "ok",
            "staff": 403,
            "curator": 403,
        },
    ),
    "not me (a proposed record)": Write(
        lambda w: "/authors/ada-owner/proposals/",
        lambda w: {"decision": w["decision"].pk, "answer": "not-me"},
        {
            "anonymous": "login",
            "unverified": 403,
            "other": 403,
            "owner": "ok",
            "staff": 403,
            "curator": 403,
        },
    ),
    "move another person's works off my record (Are all these works yours?)": Write(
        lambda w: "/authors/ada-owner/split-proposals/",
        lambda w: {"decision": w["split_proposal"].pk, "answer": "move", "piece": "0"},
        # Only the record's owner; curators decide split proposals in the admin queue.
        {
            "anonymous": "login",
            "unverified": 403,
            "other": 403,
            "owner": "ok",
            "staff": 403,
            "curator": 403,
        },
    ),
    "all the works left are mine (a split proposal)": Write(
        lambda w: "/authors/ada-owner/split-proposals/",
        lambda w: {"decision": w["split_proposal"].pk, "answer": "keep"},
        {
            "anonymous": "login",
            "unverified": 403,
            "other": 403,
            "owner": "ok",
            "staff": 403,
            "curator": 403,
        },
    ),
    "choose whom to follow after a split": Write(
        lambda w: f"/following/split/{w['notice'].pk}/",
        lambda w: {"follow": [str(w["split_off"].pk)]},
        # The owner's notice: anyone else's request finds no such notice (sent back).
        {
            "anonymous": "login",
            "unverified": 302,
            "other": 302,
            "owner": "ok",
            "staff": 302,
            "curator": 302,
        },
    ),
    "digest settings": Write(
        lambda w: "/settings/digest/",
        lambda w: {"frequency": "weekly"},
        {
            "anonymous": "login",
            "unverified": 302,
            "other": "ok",
            "owner": "ok",
            "staff": "ok",
            "curator": "ok",
        },
    ),
}


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("role", ROLES)
def test_who_may_write(world, write, role):
    row = WRITES[write]
    expected = row.expected[role]
    before = _state(world)
    client = Client()
    if role != "anonymous":
        client.force_login(world["users"][role])
    response = client.post(row.path(world), row.data(world))
    where = response.get("Location", "")
    if expected == "login":
        assert response.status_code == 302 and where.startswith("/accounts/login/"), where
    elif expected == "ok":
        assert response.status_code in (200, 302), response.status_code
        assert "/login/" not in where
        assert _state(world) != before
        return
    else:
        assert response.status_code == expected, (response.status_code, where)
    assert _state(world) == before


def test_the_table_covers_every_role():
    assert all(set(row.expected) == set(ROLES) for row in WRITES.values())
