"""Curation that cannot be abused or lost: only the fields a curator may change are editable (each
change audited), a curator's flag decision survives every recompute, undoing a merge works from
the record's page and returns exactly what moved, and an owner's two records can be merged."""

from __future__ import annotations

import importlib

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader

from graph import services
from graph.scoring import ScoreInputs, compute_score
from graph.selectors import several_researchers_queue
from profiles.models import Claim, Follow
from publications import curation, curation_works
from publications.models import Author, Authorship, AuthorshipSource, CurationEvent, Work
from publications.services import import_path
from tests.conftest import ARXIV
from tests.factories import AuthorFactory, AuthorshipFactory, UserFactory, WorkFactory

pytestmark = pytest.mark.django_db

# Real astro-ph records: Joel Smoller's works fall into two groups of co-authors on two topics,
# so the recompute flags his record "may combine several researchers".
COAUTHORS = ARXIV / "astro-ph-coauthors.jsonl"

# Fields no curator sets by hand: identity (owner, level, slug, merge), the owner's own choice,
# what the recompute computes, and the flag (decided through its actions).
LOCKED = [
    "claimed_by",
    "verification_level",
    "slug",
    "merged_into",
    "receives_imports",
    "open_to_collaborate",
    "may_combine_several",
    "several_decision",
    "works_count",
    "followers_count",
    "topics_count",
    "close_collaborators_count",
    "trust_score",
    "trust_tier",
    "name_key",
]


def locked_values(author: Author) -> dict:
    return Author.objects.filter(pk=author.pk).values(*LOCKED).get()


def attack(curator) -> dict:
    """A change form POST that tries to set every locked field."""
    return {
        "claimed_by": curator.pk,
        "verification_level": "4",
        "slug": "stolen-record",
        "merged_into": "",
        "receives_imports": "",
        "open_to_collaborate": "on",
        "may_combine_several": "",
        "several_decision": "one",
        "works_count": "999",
        "followers_count": "999",
        "topics_count": "9",
        "close_collaborators_count": "9",
        "trust_score": "99",
        "trust_tier": "Exemplary",
        "name_key": "stolen",
    }


# --- 1. only the fields a curator may change, each change audited ------------------------------


def test_the_flagged_queue_change_page_changes_nothing(client, curator):
    author = AuthorFactory(may_combine_several=True, works_count=5, display_name="Ann Flagged")
    before = locked_values(author)
    client.force_login(curator)
    url = f"/admin/publications/maycombineseveralrecord/{author.pk}/change/"
    assert client.get(url)["Location"] == f"/admin/publications/author/{author.pk}/change/"
    response = client.post(url, {"display_name": "Mallory", **attack(curator)})
    assert response.status_code == 302
    assert response["Location"] == f"/admin/publications/author/{author.pk}/change/"
    assert locked_values(author) == before
    assert Author.objects.get(pk=author.pk).display_name == "Ann Flagged"
    assert not Claim.objects.exists() and not CurationEvent.objects.exists()


def test_the_author_change_form_edits_only_curator_fields_and_audits_each(client, curator):
    author = AuthorFactory(display_name="Robin de Jong", may_combine_several=True)
    before = locked_values(author)
    client.force_login(curator)
    page = client.get(f"/admin/publications/author/{author.pk}/change/").content.decode()
    for name in LOCKED:
        assert f'name="{name}"' not in page, name
    for name in curation_works.CURATOR_EDITABLE_FIELDS:
        assert f'name="{name}"' in page, name

    response = client.post(
        f"/admin/publications/author/{author.pk}/change/",
        {
            "display_name": "Robin  de Jong-Smith",
            "name_variants": "R. de Jong, R. de Jong",
            "institution": "",
            "bio": "Arakelov geometry.",
            **attack(curator),
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert locked_values(author) == before
    author.refresh_from_db()
    assert (author.display_name, author.name_variants, author.bio) == (
        "Robin de Jong-Smith",
        ["R. de Jong"],
        "Arakelov geometry.",
    )
    event = CurationEvent.objects.get()
    assert (event.action, event.actor, event.author_id) == ("edit", curator, author.pk)
    assert event.before == {"display_name": "Robin de Jong", "name_variants": [], "bio": ""}
    assert event.after == {
        "display_name": "Robin de Jong-Smith",
        "name_variants": ["R. de Jong"],
        "bio": "Arakelov geometry.",
    }
    assert not Claim.objects.exists()


def test_the_edit_service_refuses_locked_fields_and_is_safe_to_run_twice(curator):
    author = AuthorFactory()
    for field in ["slug", "claimed_by", "trust_score", "works_count", "verification_level"]:
        with pytest.raises(curation_works.CurationError):
            curation_works.author_curator_edit(
                author_id=author.pk, changes={field: 1}, actor=curator
            )
    assert not CurationEvent.objects.exists()
    first = curation_works.author_curator_edit(
        author_id=author.pk, changes={"bio": "Number theory."}, actor=curator
    )
    again = curation_works.author_curator_edit(
        author_id=author.pk, changes={"bio": "Number theory."}, actor=curator
    )
    assert first is not None and again is None and CurationEvent.objects.count() == 1
    with pytest.raises(curation_works.CurationError):
        curation_works.author_curator_edit(
            author_id=author.pk, changes={"display_name": "  "}, actor=curator
        )


def test_score_history_and_topics_are_read_only_even_for_superusers(admin_client):
    author = AuthorFactory()
    work = WorkFactory()
    assert admin_client.get("/admin/graph/scorechange/").status_code == 200
    assert (
        admin_client.post(
            "/admin/graph/scorechange/add/",
            {"author": author.pk, "score": 99, "tier": "Exemplary", "formula_version": 1},
        ).status_code
        == 403
    )
    topic = work.primary_topic
    response = admin_client.post(
        f"/admin/publications/topic/{topic.pk}/change/",
        {"code": "hacked", "name": "Hacked", "archive": "x", "group": "x"},
    )
    assert response.status_code == 403
    topic.refresh_from_db()
    assert topic.code == "astro-ph.GA"
    # The old second queue of flagged records (it edited slugs) is gone: one queue.
    assert admin_client.get("/admin/graph/severalresearchersrecord/").status_code == 404


# --- 2. a curator's flag decision survives every recompute -------------------------------------


@pytest.fixture
def smoller():
    import_path(COAUTHORS)
    services.recompute_all()
    return Author.objects.get(slug="joel-smoller")


def unflagged_score(author: Author) -> int:
    return compute_score(
        ScoreInputs(
            verification_level=author.verification_level,
            works=author.works_count,
            first_year=author.first_year,
            last_year=author.last_year,
            close_collaborators=author.close_collaborators_count,
        )
    ).score


def penalty_fact(author: Author) -> str:
    return author.trust_components["items"][4]["fact"]


def test_a_cleared_flag_stays_cleared_after_recomputes_and_can_be_set_again(
    client, curator, smoller, django_capture_on_commit_callbacks
):
    assert (
        smoller.shows_may_combine_several
        and penalty_fact(smoller) == "may combine several researchers"
    )
    client.force_login(curator)
    with django_capture_on_commit_callbacks(execute=True):  # the recompute the change triggers
        client.post(
            "/admin/publications/maycombineseveralrecord/",
            {"action": "clear_flag", ACTION_CHECKBOX_NAME: [smoller.pk]},
        )
    services.recompute_all()
    services.recompute_authors([smoller.pk])

    cleared = Author.objects.get(pk=smoller.pk)
    assert cleared.several_decision == "one" and not cleared.shows_may_combine_several
    assert cleared.may_combine_several  # what the recompute finds is kept apart
    assert cleared.trust_score == unflagged_score(cleared) and penalty_fact(cleared) == "none"
    assert cleared not in several_researchers_queue()
    assert (
        "Joel Smoller"
        not in client.get("/admin/publications/maycombineseveralrecord/").content.decode()
    )
    assert (
        "Joel Smoller"
        in client.get(
            "/admin/publications/maycombineseveralrecord/?review=cleared"
        ).content.decode()
    )
    assert (
        "May combine several researchers"
        not in client.get("/authors/joel-smoller/").content.decode()
    )
    assert client.get("/api/authors/joel-smoller/").json()["may_combine_several"] is False

    # A new decision: flagged again from the list of cleared records.
    client.post(
        "/admin/publications/maycombineseveralrecord/?review=cleared",
        {"action": "flag_several", ACTION_CHECKBOX_NAME: [smoller.pk]},
    )
    services.recompute_all()
    flagged = Author.objects.get(pk=smoller.pk)
    assert flagged.several_decision == "several" and flagged.shows_may_combine_several
    assert flagged.trust_score == unflagged_score(flagged) - 15
    assert flagged in several_researchers_queue()

    # Handed back to the recompute: it decides again.
    client.post(
        "/admin/publications/maycombineseveralrecord/",
        {"action": "flag_to_recompute", ACTION_CHECKBOX_NAME: [smoller.pk]},
    )
    services.recompute_all()
    assert Author.objects.get(pk=smoller.pk).several_decision == ""
    assert Author.objects.get(pk=smoller.pk).shows_may_combine_several
    assert list(
        CurationEvent.objects.filter(author=smoller).order_by("id").values_list("action", flat=True)
    ) == ["unflag", "flag", "flag_to_recompute"]


def test_a_curator_can_flag_a_record_the_recompute_does_not(curator, smoller):
    other = Author.objects.get(slug="yun-soo-myung")
    assert not other.shows_may_combine_several
    assert (
        curation_works.authors_decide_several(
            author_ids=[other.pk], decision="several", actor=curator
        )
        == 1
    )
    assert (
        curation_works.authors_decide_several(
            author_ids=[other.pk], decision="several", actor=curator
        )
        == 0
    )  # safe to run twice
    services.recompute_all()
    other.refresh_from_db()
    assert other.shows_may_combine_several and not other.may_combine_several
    assert penalty_fact(other) == "may combine several researchers"


def test_earlier_flag_clearing_in_the_history_becomes_the_decision():
    cleared, flagged, untouched = AuthorFactory(), AuthorFactory(), AuthorFactory()
    for author, actions in [(cleared, ["flag", "unflag"]), (flagged, ["unflag", "flag"])]:
        for action in actions:
            CurationEvent.objects.create(
                action=action, target_type="author", target_id=str(author.pk), author=author
            )
    migration = importlib.import_module("profiles.migrations.0008_several_researchers_decision")
    # The models as that migration saw them (author records lived in profiles then).
    state = MigrationLoader(connection).project_state(
        ("profiles", "0008_several_researchers_decision")
    )
    migration.decisions_from_history(state.apps, None)
    decisions = dict(Author.objects.values_list("pk", "several_decision"))
    assert (decisions[cleared.pk], decisions[flagged.pk], decisions[untouched.pk]) == (
        "one",
        "several",
        "",
    )


# --- 3. undo a merge from the record's page; a partial undo returns exactly what moved ---------


def test_undo_this_merge_opens_its_own_page_from_the_merged_record(client, curator):
    kept, merged = AuthorFactory(), AuthorFactory()
    AuthorshipFactory(author=merged)
    curation.merge_authors(kept_id=kept.pk, merged_ids=[merged.pk], actor=curator)
    client.force_login(curator)
    page = client.get(f"/admin/publications/author/{merged.pk}/change/").content.decode()
    # No form inside the change form: its fields ("This field is required") would be posted.
    assert f'action="/admin/publications/author/{merged.pk}/unmerge/"' not in page
    assert f'href="/admin/publications/author/{merged.pk}/unmerge/"' in page

    confirm = client.get(f"/admin/publications/author/{merged.pk}/unmerge/")
    assert confirm.status_code == 200
    assert (
        "Undo this merge" in confirm.content.decode()
        and "1 authorship(s)" in confirm.content.decode()
    )
    response = client.post(
        f"/admin/publications/author/{merged.pk}/unmerge/", {"note": "two people"}
    )
    assert response["Location"] == f"/admin/publications/author/{merged.pk}/change/"
    assert Author.objects.get(pk=merged.pk).merged_into_id is None
    assert CurationEvent.objects.get(action="unmerge").note == "two people"
    again = client.get(f"/admin/publications/author/{merged.pk}/unmerge/").content.decode()
    assert "nothing to undo" in again


def three_records():
    """A, B and C with works (one work lists A and C), follows and claims that overlap."""
    a, b, c = (AuthorFactory(display_name=f"Ann Lee {x}") for x in "ABC")
    shared = WorkFactory()
    AuthorshipFactory(work=shared, author=a, position=1)
    AuthorshipFactory(work=shared, author=c, position=2)
    for author in (a, a, b, b, c):
        AuthorshipFactory(author=author)
    users = {
        name: UserFactory(username=name)
        for name in ["both_ab", "only_b", "a_and_c", "only_c", "claims_ab", "claims_a", "owner_b"]
    }
    for name, records in [
        ("both_ab", [a, b]),
        ("only_b", [b]),
        ("a_and_c", [a, c]),
        ("only_c", [c]),
    ]:
        for record in records:
            Follow.objects.create(user=users[name], author=record)
    Claim.objects.create(user=users["claims_ab"], author=a)
    Claim.objects.create(user=users["claims_ab"], author=b)
    Claim.objects.create(user=users["claims_a"], author=a)
    Claim.objects.create(user=users["owner_b"], author=b, state="approved")
    Author.objects.filter(pk=b.pk).update(claimed_by=users["owner_b"], verification_level=4)
    return a, b, c


def state() -> dict:
    return {
        "follows": sorted(Follow.objects.values_list("user__username", "author_id")),
        "claims": sorted(Claim.objects.values_list("id", "author_id", "state")),
        "authorships": sorted(Authorship.objects.values_list("id", "author_id", "source")),
        "records": sorted(
            Author.objects.values_list(
                "id", "merged_into_id", "claimed_by_id", "verification_level"
            )
        ),
    }


class Rollback(Exception):
    pass


def merged_alone(kept: Author, record: Author, curator) -> dict:
    """The state after merging only ``record`` into ``kept`` (then rolled back)."""
    with pytest.raises(Rollback), transaction.atomic():
        curation.merge_authors(kept_id=kept.pk, merged_ids=[record.pk], actor=curator)
        expected = state()
        raise Rollback
    return expected


@pytest.mark.parametrize("undone_first", ["A", "B"])
def test_a_partial_undo_of_a_three_way_merge_returns_every_follow_claim_and_authorship(
    curator, undone_first
):
    a, b, c = three_records()
    original = state()
    first, other = (a, b) if undone_first == "A" else (b, a)
    expected = merged_alone(c, other, curator)
    assert state() == original

    curation.merge_authors(kept_id=c.pk, merged_ids=[a.pk, b.pk], actor=curator)
    curation.unmerge_author(author_id=first.pk, actor=curator)
    # As if only the other record had been merged: nobody lost a follow or a pending claim.
    assert state() == expected
    curation.unmerge_author(author_id=other.pk, actor=curator)
    assert state() == original
    for record in (a, b, c):
        record.refresh_from_db()
        assert record.followers_count == Follow.objects.filter(author=record).count()


# --- 4. an owner's request to merge two of their records ---------------------------------------


def own(author: Author, user, level: int = 3) -> None:
    Claim.objects.create(user=user, author=author, state="approved")
    Author.objects.filter(pk=author.pk).update(claimed_by=user, verification_level=level)


def test_an_owner_merge_request_can_be_confirmed_and_a_duplicate_is_refused(client, curator):
    first, second = AuthorFactory(), AuthorFactory()
    AuthorshipFactory(author=first)
    moving = AuthorshipFactory(author=second)
    owner = UserFactory(username="owner")
    own(first, owner, level=3)
    own(second, owner, level=4)
    original = state()
    client.force_login(owner)
    client.post(
        f"/authors/{first.slug}/merge-request/", {"other": second.slug, "message": "Both me"}
    )
    for into, other in [(first, second), (second, first)]:  # the same pair, either way round
        again = client.post(f"/authors/{into.slug}/merge-request/", {"other": other.slug})
        assert again.status_code == 302
        assert "already asked" in client.get(again["Location"]).content.decode()
    assert CurationEvent.objects.filter(action="merge_requested").count() == 1

    client.force_login(curator)
    html = client.get("/admin/publications/curationevent/?action=merge_requested").content.decode()
    link = f"/admin/publications/author/merge/?ids={first.pk},{second.pk}&amp;kept={first.pk}"
    preview = client.get(link.replace("&amp;", "&")).content.decode()
    assert link in html and "Confirm merge" in preview and "Two approved claims" not in preview
    done = client.post(
        "/admin/publications/author/merge/",
        {"ids": f"{first.pk},{second.pk}", "kept": first.pk, "confirm": "1"},
    )
    assert done.status_code == 302
    first.refresh_from_db()
    assert first.claimed_by == owner and first.verification_level == 3
    assert Authorship.objects.get(pk=moving.pk).author_id == first.pk
    assert Authorship.objects.get(pk=moving.pk).source == AuthorshipSource.CURATOR
    assert set(Claim.objects.values_list("author_id", "state")) == {
        (first.pk, "approved"),
        (second.pk, "approved"),
    }  # the second stays on its record
    assert client.get(f"/authors/{second.slug}/").status_code == 301

    curation.unmerge_author(author_id=second.pk, actor=curator)
    assert state() == original
    client.force_login(owner)  # after an undo, asking again is a new request
    client.post(f"/authors/{first.slug}/merge-request/", {"other": second.slug})
    assert CurationEvent.objects.filter(action="merge_requested").count() == 2


def test_two_different_owners_still_cannot_be_merged(curator):
    first, second = AuthorFactory(), AuthorFactory()
    own(first, UserFactory())
    own(second, UserFactory())
    preview = curation.merge_preview(kept_id=first.pk, merged_ids=[second.pk])
    assert any("Two approved claims" in c for c in preview.conflicts)
    with pytest.raises(curation.CurationError):
        curation.merge_authors(kept_id=first.pk, merged_ids=[second.pk], actor=curator)


def test_a_work_page_is_for_reading_and_its_actions_still_work(client, curator, monkeypatch):
    work = WorkFactory(title="As imported")
    client.force_login(curator)
    page = client.get(f"/admin/publications/work/{work.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(f"/admin/publications/work/{work.pk}/change/", {}).status_code == 403
    client.post(
        "/admin/publications/work/",
        {
            "action": "hide_works",
            ACTION_CHECKBOX_NAME: [work.pk],
            "reason": "duplicate",
            "apply": "Hide",
        },
    )
    assert Work.objects.get(pk=work.pk).hidden
