"""A new work of a person the engine split off a name's record: the import puts it on the record
that receives the name's imports (the other person's), and the identity pass moves it to its
person's record, with the evidence; curators can send it back for good, and the engine never
moves works into or out of a claimed record.

On real records: the 20 "G. Wang" works of tests/identity/test_splits.py (a nuclear physicist at
McGill, 1994-2000, and an instrumentation physicist, 2002-2006, two people by INSPIRE's
labels); the detector physicist's newest work (0601.00283) arrives in a later batch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import override_settings

from profiles.history import describe_event
from publications.identity_review import curator_accept, curator_reject
from publications.identity_service import resolve_identities
from publications.models import (
    Author,
    Authorship,
    AuthorshipSource,
    CurationEvent,
    IdentityDecision,
)
from publications.services import import_path
from tests.factories import CuratorFactory, UserFactory

pytestmark = pytest.mark.django_db

G_WANG = Path(__file__).resolve().parent.parent / "data" / "identity" / "physics-g-wang.jsonl"
NEWEST = "0601.00283"  # the detector physicist's, by INSPIRE's labels (gold-dev.tsv)
DETECTORS = {"0201.00284", "0201.00285", "0201.00286", "0201.00287", "0201.00306", "0301.00250",
             "0401.00379", "0401.00380", "0601.00282", NEWEST}  # fmt: skip


@pytest.fixture
def batches(tmp_path):
    lines = G_WANG.read_text().splitlines()
    first = tmp_path / "first.jsonl"
    later = tmp_path / "later.jsonl"
    first.write_text("".join(f"{x}\n" for x in lines if json.loads(x)["id"] != NEWEST))
    later.write_text("".join(f"{x}\n" for x in lines if json.loads(x)["id"] == NEWEST))
    return first, later


@pytest.fixture
def split(batches):
    """The first batch imported and resolved: the engine split "G. Wang" in two."""
    with override_settings(BZPEER_IDENTITY_ON_IMPORT=True):
        import_path(batches[0])
    decision = IdentityDecision.objects.get(kind="split")
    old, new = (Author.objects.get(pk=pk) for pk in decision.records)
    assert _works(new) == DETECTORS - {NEWEST}
    return old, new


def _works(author: Author) -> set[str]:
    return set(Authorship.objects.filter(author=author).values_list("work__arxiv_id", flat=True))


def _later(batches):
    with override_settings(BZPEER_IDENTITY_ON_IMPORT=True):
        return import_path(batches[1])


def test_a_new_work_of_the_split_off_person_moves_to_their_record(split, batches):
    old, new = split
    run = _later(batches)
    assert run.identity.moved == 1
    assert _works(new) == DETECTORS
    assert NEWEST not in _works(old)
    decision = IdentityDecision.objects.get(kind="move")
    assert decision.records == [new.pk, old.pk]
    assert decision.evidence["works"] == [NEWEST]
    assert decision.reason.startswith(f"1 work of the person of {new.slug} moved from {old.slug}")
    event = CurationEvent.objects.get(action="identity_moved")
    assert event.actor is None and event.author_id == old.pk
    assert describe_event(event).startswith(f"moved 1 work to {new.slug}")
    # Counters follow, and a second pass changes nothing.
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.works_count, new.works_count) == (10, 10)
    again = resolve_identities(names=["G. Wang"])
    assert (again.moved, again.split, again.merged, again.proposals) == (0, 0, 0, 0)


def test_a_curator_sends_the_work_back_for_good(split, batches):
    old, new = split
    _later(batches)
    decision = IdentityDecision.objects.get(kind="move")
    curator = CuratorFactory(username="curator")
    assert curator_reject(decision=decision, actor=curator) == "moved 1 work(s) back"
    back = Authorship.objects.get(work__arxiv_id=NEWEST, author=old)
    assert back.source == AuthorshipSource.CURATOR
    assert resolve_identities(names=["G. Wang"]).moved == 0
    assert NEWEST in _works(old)
    assert CurationEvent.objects.get(action="identity_move_undone").actor == curator


def test_a_curator_keeps_the_move(split, batches):
    old, new = split
    _later(batches)
    decision = IdentityDecision.objects.get(kind="move")
    curator_accept(decision=decision, actor=CuratorFactory(username="curator"))
    assert IdentityDecision.objects.get(pk=decision.pk).review == "accepted"
    assert _works(new) == DETECTORS


@pytest.mark.parametrize("claimed", ["origin", "home"])
def test_nothing_moves_into_or_out_of_a_claimed_record(split, batches, claimed):
    old, new = split
    owner = UserFactory(username="owner")
    Author.objects.filter(pk=(old if claimed == "origin" else new).pk).update(claimed_by=owner)
    run = _later(batches)
    assert run.identity.moved == 0
    assert NEWEST in _works(old)
    assert not IdentityDecision.objects.filter(kind="move").exists()


def test_the_plan_moves_only_a_few_works_on_someone_elses_record():
    from publications.identity.records import PIECE_MIN, plan_moves

    # Person "p" has PIECE_MIN works on record 1 and two on record 2, which is mostly "q"'s;
    # record 3 is "p"'s two works alone (its own person: a merge's business, not a move).
    record_of, person_of = {}, {}
    for k in range(PIECE_MIN):
        record_of[f"p1-{k}"], person_of[f"p1-{k}"] = 1, "p"
    for k in range(2):
        record_of[f"p2-{k}"], person_of[f"p2-{k}"] = 2, "p"
        record_of[f"p3-{k}"], person_of[f"p3-{k}"] = 3, "p"
    for k in range(5):
        record_of[f"q2-{k}"], person_of[f"q2-{k}"] = 2, "q"
    assert plan_moves(record_of, person_of) == [(2, 1, ["p2-0", "p2-1"])]
    # Nothing moves into or out of a fixed record, nor between records people kept apart, nor
    # a mention the caller refuses.
    assert plan_moves(record_of, person_of, fixed={1}) == []
    assert plan_moves(record_of, person_of, fixed={2}) == []
    assert plan_moves(record_of, person_of, kept_apart={frozenset((1, 2))}) == []
    assert plan_moves(record_of, person_of, movable=lambda key: key != "p2-0") == [(2, 1, ["p2-1"])]
    # Applied, the next plan is empty; with too few works at home, nothing moves.
    record_of.update({"p2-0": 1, "p2-1": 1})
    assert plan_moves(record_of, person_of) == []
    few = {k: r for k, r in record_of.items() if not k.startswith("p1-")}
    assert plan_moves(few, person_of) == []
