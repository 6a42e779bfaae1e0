"""Records that hold several people: the identity engine splits them (or proposes the split to
curators when people fixed the record), stores its assessment of every record for the trust
score, and curators with a stake in a decision cannot decide it.

On real records: 20 works printed "G. Wang" from the labelled physics set
(../shared/data/identity/records.jsonl, copied into tests/data/identity/physics-g-wang.jsonl),
ten by a nuclear physicist at McGill (1994-2000) and ten by an instrumentation physicist
(2002-2006): INSPIRE's curated profiles say they are two people, and today's import puts them in
one record "G. Wang".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from profiles.follows import follow_author
from profiles.models import ClaimState, SplitNotice
from publications.curation import split_author
from publications.identity_review import curator_accept, curator_reject
from publications.identity_service import resolve_identities
from publications.models import (
    Author,
    Authorship,
    AuthorshipSource,
    CurationEvent,
    IdentityDecision,
)
from tests.factories import ClaimFactory, CuratorFactory, UserFactory

pytestmark = pytest.mark.django_db

G_WANG = Path(__file__).resolve().parent.parent / "data" / "identity" / "physics-g-wang.jsonl"
# The two people, by INSPIRE's labels (gold-dev.tsv).
MCGILL = {"0001.00038", "0001.00112", "9401.00007", "9401.00058", "9401.00100", "9501.00017",
          "9501.00126", "9601.00068", "9601.00075", "9601.00107"}  # fmt: skip
DETECTORS = {"0201.00284", "0201.00285", "0201.00286", "0201.00287", "0201.00306", "0301.00250",
             "0401.00379", "0401.00380", "0601.00282", "0601.00283"}  # fmt: skip


@pytest.fixture
def imported():
    call_command("import_arxiv", "--no-progress", str(G_WANG))
    return Author.objects.get(slug="g-wang")


def _works(author: Author) -> set[str]:
    return set(Authorship.objects.filter(author=author).values_list("work__arxiv_id", flat=True))


def _state():
    return (
        sorted(Authorship.objects.values_list("id", "author_id", "source")),
        sorted(Author.objects.live().values_list("id", flat=True)),
        IdentityDecision.objects.count(),
    )


def test_the_import_puts_both_people_in_one_record(imported):
    assert _works(imported) == MCGILL | DETECTORS


def test_the_engine_splits_a_record_holding_two_people(imported, client):
    reader = UserFactory(username="reader")
    follow_author(user=reader, author=imported)
    result = resolve_identities(names=["G. Wang"])
    assert result.split == 1
    decision = IdentityDecision.objects.get(kind="split")
    old, new = (Author.objects.get(pk=pk) for pk in decision.records)
    assert old.pk == imported.pk and old.slug == "g-wang"  # the old slug stays
    assert {frozenset(_works(old)), frozenset(_works(new))} == {
        frozenset(MCGILL),
        frozenset(DETECTORS),
    }
    # The moved authorships keep their source: nobody fixed them.
    assert set(Authorship.objects.filter(author=new).values_list("source", flat=True)) == {
        AuthorshipSource.ARXIV
    }
    assert decision.reason.startswith("several people: 2 persons of 10 and 10 authorships")
    assert [p["authorships"] for p in decision.evidence["people"]] == [10, 10]
    event = CurationEvent.objects.get(action="split")
    assert event.actor is None and event.author_id == old.pk and event.target_id == str(new.pk)
    # The followers are told and choose whom to follow; nobody is moved.
    assert SplitNotice.objects.filter(user=reader, author=old, closed_at=None).exists()
    # The old slug lists everyone published under the name.
    profile = client.get("/authors/g-wang/")
    assert profile.status_code == 200
    assert "/authors/g-wang/people/" in profile.content.decode()
    page = client.get("/authors/g-wang/people/").content.decode()
    assert old.get_absolute_url() in page and new.get_absolute_url() in page
    # Each record is one person for the engine.
    for record in (old, new):
        record.refresh_from_db()
        assert (record.identity_assessment, record.identity_confidence) == ("one", 1.0)


def test_a_second_full_pass_changes_nothing(imported):
    resolve_identities()
    state = _state()
    again = resolve_identities()
    assert (again.split, again.merged, again.proposals, again.split_proposals) == (0, 0, 0, 0)
    assert again.assessed == 0
    assert _state() == state


def test_a_claimed_record_is_only_proposed_for_curators(imported):
    owner = UserFactory(username="owner")
    Author.objects.filter(pk=imported.pk).update(claimed_by=owner)
    before = _works(imported)
    result = resolve_identities(names=["G. Wang"])
    assert (result.split, result.split_proposals) == (0, 1)
    assert _works(imported) == before
    proposal = IdentityDecision.objects.get(kind="split_proposal")
    assert proposal.records == [imported.pk] and proposal.review == ""
    assert proposal.reason.startswith("several people: 2 persons")
    assert len(proposal.evidence["split_off"]) == 1
    # The engine says so on the record: the trust score's flag.
    imported.refresh_from_db()
    assert imported.identity_assessment == "several"
    assert imported.identity_confidence == 0.5
    # Proposed once.
    again = resolve_identities(names=["G. Wang"])
    assert again.split_proposals == 0
    assert IdentityDecision.objects.filter(kind="split_proposal").count() == 1


def test_a_curator_accepts_a_split_proposal_in_the_queue(imported, client):
    Author.objects.filter(pk=imported.pk).update(claimed_by=UserFactory(username="owner"))
    resolve_identities(names=["G. Wang"])
    proposal = IdentityDecision.objects.get(kind="split_proposal")
    client.force_login(CuratorFactory(username="curator"))
    queue = client.get("/admin/publications/identitydecision/").content.decode()
    assert proposal.reason in queue
    response = client.post(
        "/admin/publications/identitydecision/",
        {"action": "accept", ACTION_CHECKBOX_NAME: [proposal.pk]},
    )
    assert response.status_code == 302
    assert IdentityDecision.objects.get(pk=proposal.pk).review == "accepted"
    new = Author.objects.exclude(pk=imported.pk).get(name_key=imported.name_key)
    assert {frozenset(_works(imported)), frozenset(_works(new))} == {
        frozenset(MCGILL),
        frozenset(DETECTORS),
    }
    assert CurationEvent.objects.get(action="split").actor.username == "curator"


def test_a_curator_split_and_not_mine_survive_a_full_pass(imported):
    curator = CuratorFactory(username="curator")
    # A curator splits two of the McGill works off (the rest stays), and an owner says one of
    # the detector works is not theirs.
    two = list(
        Authorship.objects.filter(author=imported, work__arxiv_id__in=sorted(MCGILL)[:2])
        .values_list("work_id", flat=True)
    )  # fmt: skip
    curated, _ = split_author(author_id=imported.pk, work_ids=two, actor=curator)
    elsewhere = Author.objects.create(display_name="G. Wang", name_key="g wang x",
                                      slug="g-wang-x", receives_imports=False)  # fmt: skip
    disowned = Authorship.objects.get(author=imported, work__arxiv_id=sorted(DETECTORS)[0])
    Authorship.objects.filter(pk=disowned.pk).update(
        author=elsewhere, source=AuthorshipSource.CLAIM
    )
    ours = [imported.pk, curated.pk, elsewhere.pk]

    def state():
        return sorted(
            Authorship.objects.filter(author__in=ours).values_list("id", "author_id", "source")
        )

    before = state()
    result = resolve_identities()  # a full pass (co-authors' name forms are joined too)
    assert result.split == 0
    assert state() == before
    assert not Author.objects.filter(pk__in=ours, merged_into__isnull=False).exists()
    assert set(Authorship.objects.filter(author=curated).values_list("work_id", flat=True)) == set(
        two
    )
    assert Authorship.objects.get(pk=disowned.pk).author_id == elsewhere.pk
    # The record a curator split still holds two people: proposed, never forced.
    assert IdentityDecision.objects.filter(kind="split_proposal", author=imported).exists()
    assert resolve_identities().split_proposals == 0


def test_a_curator_rejects_an_engine_split_and_it_is_undone_for_good(imported, client):
    resolve_identities(names=["G. Wang"])
    decision = IdentityDecision.objects.get(kind="split")
    curator_reject(decision=decision, actor=CuratorFactory(username="curator"))
    assert Author.objects.get(pk=decision.records[1]).merged_into_id == imported.pk
    assert _works(imported) == MCGILL | DETECTORS
    again = resolve_identities(names=["G. Wang"])
    assert again.split == 0  # a curator's merge fixed the record: proposed at most
    assert _works(imported) == MCGILL | DETECTORS


# ---------------------------------------------------------------------------------------------
# A curator with a stake in a decision cannot decide it


@pytest.fixture
def proposed(imported):
    owner = CuratorFactory(username="owner-curator")
    Author.objects.filter(pk=imported.pk).update(claimed_by=owner)
    resolve_identities(names=["G. Wang"])
    return owner, IdentityDecision.objects.get(kind="split_proposal")


@pytest.mark.parametrize("service", [curator_accept, curator_reject])
def test_the_owner_curator_cannot_decide(proposed, service):
    owner, decision = proposed
    with pytest.raises(PermissionDenied):
        service(decision=decision, actor=owner)
    assert IdentityDecision.objects.get(pk=decision.pk).review == ""


@pytest.mark.parametrize("service", [curator_accept, curator_reject])
def test_a_curator_with_a_pending_claim_cannot_decide(imported, service):
    resolve_identities(names=["G. Wang"])
    decision = IdentityDecision.objects.get(kind="split")
    claimant = CuratorFactory(username="claimant")
    ClaimFactory(user=claimant, author=Author.objects.get(pk=decision.records[1]),
                 state=ClaimState.PENDING)  # fmt: skip
    with pytest.raises(PermissionDenied):
        service(decision=decision, actor=claimant)
    assert IdentityDecision.objects.get(pk=decision.pk).review == ""


def test_the_admin_queue_refuses_the_owner_curator_and_lets_another_decide(proposed, client):
    owner, decision = proposed
    client.force_login(owner)
    response = client.post(
        "/admin/publications/identitydecision/",
        {"action": "accept", ACTION_CHECKBOX_NAME: [decision.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "another curator decides" in response.content.decode()
    assert IdentityDecision.objects.get(pk=decision.pk).review == ""
    assert not CurationEvent.objects.filter(action="split").exists()
    client.force_login(CuratorFactory(username="colleague"))
    client.post(
        "/admin/publications/identitydecision/",
        {"action": "reject", ACTION_CHECKBOX_NAME: [decision.pk]},
    )
    assert IdentityDecision.objects.get(pk=decision.pk).review == "rejected"


@pytest.mark.parametrize("role", ["anonymous", "user", "staff"])
def test_only_curators_decide(proposed, client, role):
    _, decision = proposed
    if role == "user":
        client.force_login(UserFactory(username="someone"))
    elif role == "staff":
        client.force_login(UserFactory(username="staff", is_staff=True))
    client.post(
        "/admin/publications/identitydecision/",
        {"action": "accept", ACTION_CHECKBOX_NAME: [decision.pk]},
    )
    assert IdentityDecision.objects.get(pk=decision.pk).review == ""
    with pytest.raises(PermissionDenied):
        curator_accept(decision=decision, actor=UserFactory(username="plain"))


# ---------------------------------------------------------------------------------------------
# The engine's assessment is the trust score's flag


def test_the_flag_follows_the_engine_and_a_curator_decision_wins(imported):
    from graph.services import recompute_all
    from publications.models import MayCombineSeveralDecision

    Author.objects.filter(pk=imported.pk).update(claimed_by=UserFactory(username="owner"))
    resolve_identities(names=["G. Wang"])  # claimed: proposed, not split
    recompute_all()
    imported.refresh_from_db()
    assert imported.identity_assessment == "several"
    assert imported.may_combine_several and imported.shows_may_combine_several
    assert "may combine several researchers" in str(imported.trust_components)
    # A curator clears the flag: later passes and recomputes keep the decision.
    Author.objects.filter(pk=imported.pk).update(several_decision=MayCombineSeveralDecision.ONE)
    resolve_identities(names=["G. Wang"])
    recompute_all()
    imported.refresh_from_db()
    assert imported.identity_assessment == "several"  # what the engine still thinks
    assert not imported.shows_may_combine_several
    assert "may combine several researchers" not in str(imported.trust_components)


def test_a_record_the_engine_holds_to_be_one_person_is_not_flagged(imported):
    from graph.services import recompute_all

    resolve_identities(names=["G. Wang"])
    recompute_all()
    for record in Author.objects.filter(name_key=imported.name_key):
        assert record.identity_assessment == "one"
        assert not record.may_combine_several


# ---------------------------------------------------------------------------------------------
# The owner of a record the engine would divide: "Are all these works yours?"


@pytest.fixture
def owned(imported):
    """G. Wang's record is claimed: the engine finds the two people and moves nothing."""
    owner = UserFactory(username="owner")
    Author.objects.filter(pk=imported.pk).update(claimed_by=owner, verification_level=3)
    resolve_identities(names=["G. Wang"])
    return owner, IdentityDecision.objects.get(kind="split_proposal")


def test_the_owner_sees_the_other_person_with_works_and_evidence(owned, client, imported):
    owner, decision = owned
    client.force_login(owner)
    page = client.get("/authors/g-wang/edit/").content.decode()
    assert "Are all these works yours?" in page
    assert decision.reason in page
    other = Authorship.objects.filter(pk__in=decision.evidence["split_off"][0]).select_related(
        "work"
    )
    assert other.count() == 10
    for authorship in other:
        assert authorship.work.title in page
    assert decision.evidence["people"][1]["reason"] in page


def test_the_owner_moves_the_other_persons_works_off(owned, client, imported):
    owner, decision = owned
    reader = UserFactory(username="reader")
    follow_author(user=reader, author=imported)
    client.force_login(owner)
    response = client.post(
        "/authors/g-wang/split-proposals/",
        {"decision": decision.pk, "answer": "move", "piece": "0"},
    )
    assert response.status_code == 302
    moved = set(decision.evidence["split_off"][0])
    new = Author.objects.exclude(pk=imported.pk).get(name_key=imported.name_key)
    assert set(Authorship.objects.filter(author=new).values_list("pk", flat=True)) == moved
    # One of INSPIRE's two people left the record, the other stayed.
    assert {frozenset(_works(imported)), frozenset(_works(new))} == {
        frozenset(MCGILL),
        frozenset(DETECTORS),
    }
    # The owner's word: the moved works are marked so, the split is theirs, followers are told.
    assert set(Authorship.objects.filter(author=new).values_list("source", flat=True)) == {
        AuthorshipSource.CLAIM
    }
    assert CurationEvent.objects.get(action="split").actor == owner
    assert SplitNotice.objects.filter(user=reader, author=imported).exists()
    assert IdentityDecision.objects.get(pk=decision.pk).review == "accepted"
    assert "Are all these works yours?" not in client.get("/authors/g-wang/edit/").content.decode()
    # No later pass undoes it or asks again.
    state = _state()
    again = resolve_identities(names=["G. Wang"])
    assert (again.split, again.merged, again.proposals, again.split_proposals) == (0, 0, 0, 0)
    assert _state() == state


def test_the_owner_keeps_every_work_and_is_not_asked_again(owned, client, imported):
    owner, decision = owned
    client.force_login(owner)
    client.post("/authors/g-wang/split-proposals/", {"decision": decision.pk, "answer": "keep"})
    assert IdentityDecision.objects.get(pk=decision.pk).review == "rejected"
    assert _works(imported) == MCGILL | DETECTORS
    assert resolve_identities(names=["G. Wang"]).split_proposals == 0
    assert _works(imported) == MCGILL | DETECTORS
    assert "Are all these works yours?" not in client.get("/authors/g-wang/edit/").content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"answer": "move", "piece": "1"},  # the proposal has one other person
        {"answer": "move", "piece": "-1"},
        {"answer": "move", "piece": "x"},
        {"answer": "move"},
        {"answer": "split-everything", "piece": "0"},
    ],
)
def test_a_bad_answer_is_refused_and_moves_nothing(owned, client, imported, data):
    owner, decision = owned
    client.force_login(owner)
    state = _state()
    response = client.post(
        "/authors/g-wang/split-proposals/", {"decision": decision.pk, **data}, follow=True
    )
    assert response.status_code == 200
    assert any(m.level_tag == "error" for m in response.context["messages"])
    assert _state() == state
    assert IdentityDecision.objects.get(pk=decision.pk).review == ""


def test_nobody_else_answers_for_the_owner(owned, client, imported):
    _, decision = owned
    mine = Author.objects.create(display_name="Eve", name_key="eve", slug="eve")
    eve = UserFactory(username="eve2")
    Author.objects.filter(pk=mine.pk).update(claimed_by=eve)
    state = _state()
    for user in (UserFactory(username="eve"), CuratorFactory(username="curator")):
        client.force_login(user)
        response = client.post(
            "/authors/g-wang/split-proposals/",
            {"decision": decision.pk, "answer": "move", "piece": "0"},
        )
        assert response.status_code == 403
    # Another owner cannot answer it from their own record either.
    client.force_login(eve)
    client.post("/authors/eve/split-proposals/", {"decision": decision.pk, "answer": "move",
                                                  "piece": "0"})  # fmt: skip
    assert _state() == state
    assert IdentityDecision.objects.get(pk=decision.pk).review == ""


def test_an_answered_proposal_cannot_be_answered_again(owned, client, imported):
    owner, decision = owned
    client.force_login(owner)
    client.post("/authors/g-wang/split-proposals/", {"decision": decision.pk, "answer": "keep"})
    state = _state()
    client.post("/authors/g-wang/split-proposals/",
                {"decision": decision.pk, "answer": "move", "piece": "0"})  # fmt: skip
    assert _state() == state


def test_an_unverified_owner_cannot_answer(owned, client, imported):
    _, decision = owned
    unverified = UserFactory(username="unverified-owner", verified_email=False)
    Author.objects.filter(pk=imported.pk).update(claimed_by=unverified)
    client.force_login(unverified)
    state = _state()
    response = client.post(
        "/authors/g-wang/split-proposals/",
        {"decision": decision.pk, "answer": "move", "piece": "0"},
        follow=True,
    )
    assert "Verify your e-mail address first" in response.content.decode()
    assert _state() == state
    assert IdentityDecision.objects.get(pk=decision.pk).review == ""
