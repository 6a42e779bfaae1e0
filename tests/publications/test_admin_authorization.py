"""Who may use each write path of the curation admin: every role against every path.

Anyone who is not staff (visitors, unverified accounts, other users, even the owner of the
record) is sent to the admin login; staff outside the curators group get 403, even when someone
gave them the admin's model permissions; curators succeed. A refused request changes nothing and
writes no CurationEvent. The owner's own write paths (the edit page, merge requests) are tested
in tests/profiles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission

from profiles.models import Claim
from publications import curation, curation_works, tasks
from publications.models import Author, CurationEvent, IdentityDecision, Work
from tests.factories import AuthorFactory, AuthorshipFactory, CuratorFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "unverified",
    "other_user",
    "owner",
    "staff",
    "staff_with_permissions",
    "curator",
]
NOT_STAFF = {"anonymous", "unverified", "other_user", "owner"}
# What a careless superuser might give a staff member by hand: the admin's model permissions
# without the curators group.
MODEL_PERMISSIONS = [
    "view_author",
    "change_author",
    "view_maycombineseveralrecord",
    "change_maycombineseveralrecord",
    "view_work",
    "change_work",
    "view_identitydecision",
]


@dataclass
class Scene:
    author: Author  # owned by "owner", two works, flagged by the recompute
    other: Author  # a second record, one work
    merged: Author  # merged into ``kept`` by a curator
    kept: Author
    work: Work
    owner: object
    queued: list
    events: int  # CurationEvents after the set-up (its merge)
    decision: IdentityDecision  # the identity engine proposes ``other`` to ``author``'s owner


@pytest.fixture
def scene(monkeypatch) -> Scene:
    owner = UserFactory(username="owner")
    author = AuthorFactory(display_name="Ann Owned", may_combine_several=True)
    Claim.objects.create(user=owner, author=author, state="approved")
    Author.objects.filter(pk=author.pk).update(claimed_by=owner, verification_level=3)
    first = AuthorshipFactory(author=author).work
    AuthorshipFactory(author=author)
    other = AuthorFactory()
    AuthorshipFactory(author=other)
    kept, merged = AuthorFactory(), AuthorFactory()
    AuthorshipFactory(author=merged)
    curation.merge_authors(kept_id=kept.pk, merged_ids=[merged.pk], actor=CuratorFactory())
    queued: list = []
    monkeypatch.setattr(tasks.reimport_work, "delay", queued.append)
    monkeypatch.setattr(curation_works, "workers_configured", lambda: True)
    author.refresh_from_db()
    decision = IdentityDecision.objects.create(
        kind="proposal",
        author=author,
        records=[author.pk, other.pk],
        reason="one person: 2 shared co-authors",
        confidence=0.85,
    )
    return Scene(
        author, other, merged, kept, first, owner, queued, CurationEvent.objects.count(), decision
    )


def user_for(role: str, scene: Scene):
    if role == "anonymous":
        return None
    if role == "unverified":
        return UserFactory(username="unverified", verified_email=False)
    if role == "other_user":
        return UserFactory(username="other")
    if role == "owner":
        return scene.owner
    if role == "curator":
        return CuratorFactory(username="curator")
    user = UserFactory(username=role, is_staff=True)
    if role == "staff_with_permissions":
        user.user_permissions.add(*Permission.objects.filter(codename__in=MODEL_PERMISSIONS))
    return user


@dataclass
class WritePath:
    method: str
    url: Callable[[Scene], str]
    data: Callable[[Scene], dict]
    done: Callable[[Scene], bool]  # the write happened


PATHS = {
    "admin change of an author": WritePath(
        "post",
        lambda s: f"/admin/publications/author/{s.author.pk}/change/",
        lambda s: {
            "display_name": "Changed by hand",
            "name_variants": "",
            "institution": "",
            "bio": "",
        },
        lambda s: Author.objects.get(pk=s.author.pk).display_name == "Changed by hand",
    ),
    "flagged queue change page": WritePath(
        "post",
        lambda s: f"/admin/publications/maycombineseveralrecord/{s.author.pk}/change/",
        lambda s: {"display_name": "Changed by hand", "slug": "stolen", "trust_score": "99"},
        lambda s: (
            Author.objects.filter(pk=s.author.pk, slug="stolen").exists()
            or Author.objects.get(pk=s.author.pk).display_name == "Changed by hand"
        ),
    ),
    "clear flag": WritePath(
        "post",
        lambda s: "/admin/publications/maycombineseveralrecord/",
        lambda s: {"action": "clear_flag", ACTION_CHECKBOX_NAME: [s.author.pk]},
        lambda s: Author.objects.get(pk=s.author.pk).several_decision == "one",
    ),
    "merge": WritePath(
        "post",
        lambda s: "/admin/publications/author/merge/",
        lambda s: {"ids": f"{s.other.pk},{s.kept.pk}", "kept": s.kept.pk, "confirm": "1"},
        lambda s: Author.objects.get(pk=s.other.pk).merged_into_id == s.kept.pk,
    ),
    "undo merge": WritePath(
        "post",
        lambda s: f"/admin/publications/author/{s.merged.pk}/unmerge/",
        lambda s: {},
        lambda s: Author.objects.get(pk=s.merged.pk).merged_into_id is None,
    ),
    "split": WritePath(
        "post",
        lambda s: f"/admin/publications/author/{s.author.pk}/split/",
        lambda s: {"works": [s.work.pk]},
        lambda s: Author.objects.filter(display_name="Ann Owned").count() == 2,
    ),
    "accept an identity proposal": WritePath(
        "post",
        lambda s: "/admin/publications/identitydecision/",
        lambda s: {"action": "accept", ACTION_CHECKBOX_NAME: [s.decision.pk]},
        lambda s: (
            IdentityDecision.objects.get(pk=s.decision.pk).review == "accepted"
            and Author.objects.get(pk=s.other.pk).merged_into_id == s.author.pk
        ),
    ),
    "reject an identity proposal": WritePath(
        "post",
        lambda s: "/admin/publications/identitydecision/",
        lambda s: {"action": "reject", ACTION_CHECKBOX_NAME: [s.decision.pk]},
        lambda s: IdentityDecision.objects.get(pk=s.decision.pk).review == "rejected",
    ),
    "hide work": WritePath(
        "post",
        lambda s: "/admin/publications/work/",
        lambda s: {
            "action": "hide_works",
            ACTION_CHECKBOX_NAME: [s.work.pk],
            "reason": "spam",
            "apply": "Hide",
        },
        lambda s: Work.objects.get(pk=s.work.pk).hidden,
    ),
    "re-import": WritePath(
        "post",
        lambda s: "/admin/publications/work/",
        lambda s: {"action": "reimport_works", ACTION_CHECKBOX_NAME: [s.work.pk]},
        lambda s: CurationEvent.objects.filter(action="reimport").exists(),
    ),
}

# The flagged queue's change page edits nothing, for curators too (it sends them to the record).
NEVER_WRITES = {"flagged queue change page"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", list(PATHS))
def test_admin_write_paths_by_role(client, scene, django_capture_on_commit_callbacks, path, role):
    write = PATHS[path]
    user = user_for(role, scene)
    if user is not None:
        client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(client, write.method)(write.url(scene), write.data(scene))

    if role == "curator":
        assert response.status_code in (200, 302), response.content.decode()[:500]
        assert write.done(scene) is (path not in NEVER_WRITES)
        return
    if role in NOT_STAFF:
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    elif role == "staff":
        assert response.status_code == 403
    else:  # staff with model permissions: 403, or the action is not offered (the list again)
        assert response.status_code in (200, 302, 403)
        if response.status_code == 302:
            assert "/login/" not in response["Location"]
    assert not write.done(scene)
    assert CurationEvent.objects.count() == scene.events
    assert scene.queued == []


def test_a_curator_taken_out_of_the_group_is_refused_at_the_next_request(client):
    """The curators-group check is made once per request (on the request's user), never kept
    longer: the request after a curator leaves the group is refused."""
    from django.contrib.auth.models import Group

    curator = CuratorFactory()
    client.force_login(curator)
    assert client.get("/admin/publications/author/").status_code == 200
    curator.groups.remove(Group.objects.get(name="curators"))
    assert client.get("/admin/publications/author/").status_code == 403
    record = AuthorFactory()
    response = client.post(f"/admin/publications/author/{record.pk}/change/", {"bio": "x"})
    assert response.status_code == 403
