"""Every write needs login and CSRF. For each one: a visitor, another user, the owner and a
curator, and what each of them gets."""

from __future__ import annotations

import pytest
from django.test import Client

from profiles.claims import claim_approve
from profiles.invitations import invitation_send
from profiles.models import Claim, CollaborationInvitation, Follow
from publications.models import Author
from publications.services import import_path
from tests.conftest import ARXIV
from tests.factories import AuthorFactory, ClaimFactory, CuratorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """A record owned by ``owner``, with a pending invitation from ``sender``."""
    import_path(ARXIV / "abs-current-30.jsonl")
    author = Author.objects.get(slug="jacob-devlin")
    owner = UserFactory(username="owner")
    claim = claim_approve(claim=ClaimFactory(user=owner, author=author), reviewer=CuratorFactory())
    sender = UserFactory(username="sender")
    invitation = invitation_send(
        sender=sender, author=author, message="hello", contact="me@example.org"
    )
    return {
        "author": Author.objects.get(pk=author.pk),
        "owner": owner,
        "other": UserFactory(username="other"),
        "curator": CuratorFactory(username="curator-x"),
        "claim": claim,
        "invitation": invitation,
        "sender": sender,
    }


def _client(world, role: str, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    if role != "anonymous":
        client.force_login(world[role])
    return client


def _login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def _state(world) -> tuple:
    author = Author.objects.get(pk=world["author"].pk)
    return (
        Follow.objects.count(),
        Claim.objects.count(),
        author.bio,
        author.authorships.count(),
        CollaborationInvitation.objects.filter(state="pending").count(),
        Claim.objects.get(pk=world["claim"].pk).state,
    )


WRITES = {
    "follow": lambda w: (f"/authors/{w['author'].slug}/follow/", {}),
    "claim": lambda w: (f"/authors/{w['author'].slug}/claim/", {"message": "mine"}),
    "edit": lambda w: (f"/authors/{w['author'].slug}/edit/", {"bio": "changed", "affiliation": ""}),
    "not-mine": lambda w: (f"/authors/{w['author'].slug}/not-mine/", {"arxiv_id": "1810.04805"}),
    "add-work": lambda w: (f"/authors/{w['author'].slug}/add-work/", {"arxiv_id": "0704.0002"}),
    "invite": lambda w: (
        f"/authors/{w['author'].slug}/invite/",
        {"message": "work with me", "contact": "me@example.org"},
    ),
    "answer": lambda w: (f"/inbox/{w['invitation'].pk}/decline/", {}),
    "withdraw-claim": lambda w: (f"/claims/{w['claim'].pk}/withdraw/", {"confirm": "1"}),
}

# What each role gets: "login" (sent to log in, nothing changes), "ok" (302, the write happened),
# a status code (refused, nothing changes) or "refused" (302 back with a message, nothing changes).
EXPECTED = {
    "follow": {"anonymous": "login", "other": "ok", "owner": "ok", "curator": "ok"},
    "claim": {"anonymous": "login", "other": "ok", "owner": 400, "curator": "ok"},
    "edit": {"anonymous": "login", "other": 403, "owner": "ok", "curator": 403},
    "not-mine": {"anonymous": "login", "other": 403, "owner": "ok", "curator": 403},
    "add-work": {"anonymous": "login", "other": 403, "owner": "refused", "curator": 403},
    "invite": {"anonymous": "login", "other": "ok", "owner": "refused", "curator": "ok"},
    "answer": {"anonymous": "login", "other": 404, "owner": "ok", "curator": 404},
    "withdraw-claim": {"anonymous": "login", "other": 404, "owner": "ok", "curator": 404},
}


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("role", ["anonymous", "other", "owner", "curator"])
def test_who_may_write(world, write, role):
    path, data = WRITES[write](world)
    before = _state(world)
    response = _client(world, role).post(path, data)
    expected = EXPECTED[write][role]
    if expected == "login":
        assert _login_redirect(response), (response.status_code, response.get("Location"))
        assert _state(world) == before
    elif expected == "ok":
        assert response.status_code == 302 and not _login_redirect(response)
        assert _state(world) != before
    elif expected == "refused":
        assert response.status_code == 302 and not _login_redirect(response)
        assert _state(world) == before
    else:
        assert response.status_code == expected
        assert _state(world) == before


@pytest.mark.parametrize("write", list(WRITES))
def test_every_write_needs_csrf(world, write):
    path, data = WRITES[write](world)
    before = _state(world)
    response = _client(world, "owner", csrf=True).post(path, data)
    assert response.status_code == 403
    assert _state(world) == before


def test_writes_refuse_get(world):
    client = _client(world, "owner")
    for write in ("follow", "not-mine", "add-work", "invite", "answer"):
        path, _ = WRITES[write](world)
        assert client.get(path).status_code == 405, write
    # Giving up an owned record: GET asks for confirmation and changes nothing.
    before = _state(world)
    path, _ = WRITES["withdraw-claim"](world)
    assert client.get(path).status_code == 200 and _state(world) == before


def test_nobody_reads_another_users_claims_or_invitations(world):
    other = _client(world, "other")
    assert world["author"].display_name not in other.get("/claims/").content.decode()
    assert "hello" not in other.get("/inbox/").content.decode()
    assert "hello" in _client(world, "owner").get("/inbox/").content.decode()
    assert "hello" in _client(world, "sender").get("/inbox/").content.decode()


def test_pages_for_signed_in_users_send_visitors_to_log_in(world):
    client = Client()
    for path in ("/claims/", "/inbox/", "/following/", f"/authors/{world['author'].slug}/claim/"):
        assert _login_redirect(client.get(path)), path


def test_log_in_attempts_are_rate_limited(client):
    from django.core.cache import cache

    cache.clear()
    UserFactory(username="target", email="target@example.org")
    pages = [
        client.post(
            "/accounts/login/", {"login": "target", "password": f"wrong{i}"}
        ).content.decode()
        for i in range(6)
    ]
    assert "Too many failed login attempts" not in pages[0]
    assert "Too many failed login attempts" in pages[-1]
    # Even the right password is refused while the limit holds.
    right = client.post(
        "/accounts/login/", {"login": "target", "password": "correct horse battery staple"}
    )
    assert right.status_code == 200 and "_auth_user_id" not in client.session
    cache.clear()


def test_unclaimed_record_claim_by_two_users_keeps_both_pending():
    author = AuthorFactory()
    for _ in range(2):
        client = Client()
        client.force_login(UserFactory())
        client.post(f"/authors/{author.slug}/claim/", {"message": "mine"})
    assert sorted(Claim.objects.values_list("state", flat=True)) == ["pending", "pending"]
