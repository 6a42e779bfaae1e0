"""The catalogue's merges call the apps whose rows hang on author records (merge participants):
without any it moves authorships alone; a participant's preview can stop a merge, what it
moved is stored with the merge and handed back to it at the undo."""

from __future__ import annotations

from typing import Any

import pytest

from profiles.merge_participant import PeopleOnRecords
from profiles.models import Follow
from publications import curation, merge_participants
from publications.merge_participants import Moved, MovedBack
from publications.models import Author, Authorship, AuthorshipSource, CurationEvent
from publications.services import import_path
from tests.conftest import ARXIV
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def records():
    """Two real one-work records (Robin de Jong's and Joachim Schröter's older versions)."""
    import_path(ARXIV / "abs-older-versions.jsonl")
    return Author.objects.get(slug="robin-de-jong"), Author.objects.get(slug="joachim-schroeter")


def attribution(arxiv_id: str) -> list[tuple[str, str]]:
    return list(
        Authorship.objects.filter(work__arxiv_id=arxiv_id).values_list("author__slug", "source")
    )


class Notes:
    """A participant with rows of its own (here: a note of what it was asked)."""

    name = "notes"

    def __init__(self, conflict: str = "") -> None:
        self.conflict = conflict
        self.asked: list[tuple[str, Any]] = []

    def preview(self, *, kept, merged, conflicts):
        if self.conflict:
            conflicts.append(self.conflict)
        return [record.pk for record in merged]

    def move(self, *, kept, record, plan):
        self.asked.append(("move", plan))
        return Moved(stored={"notes_moved": [record.pk]})

    def move_back(self, *, record, current, merge, stored):
        self.asked.append(("move_back", dict(stored)))
        return MovedBack(after={"notes_back": stored["notes_moved"]})

    def keep_for_still_merged(self, *, record_id, current, back, still_merged):
        return {}

    def nothing_moved(self):
        return {"notes_moved": []}

    def records_with_rows(self, *, author_ids):
        return set()

    def claimants(self, *, author_ids):
        return set()

    def record_split(self, *, record, new):
        pass


def test_profiles_registers_its_participant():
    assert [type(p) for p in merge_participants.merge_participants()] == [PeopleOnRecords]


def test_without_participants_a_merge_and_its_undo_move_authorships_alone(
    records, curator, monkeypatch
):
    kept, merged = records
    follower = UserFactory()
    Follow.objects.create(user=follower, author=merged)
    monkeypatch.setattr(merge_participants, "_registry", {})

    curation.merge_authors(kept_id=kept.pk, merged_ids=[merged.pk], actor=curator)

    assert attribution("0906.5504") == [("robin-de-jong", AuthorshipSource.CURATOR)]
    assert Author.objects.get(pk=merged.pk).merged_into_id == kept.pk
    stored = CurationEvent.objects.get(action="merge").before
    assert set(stored) == {"version", "merged_into", "authorships", "repointed", "kept"}
    assert Follow.objects.get(user=follower).author_id == merged.pk  # profiles' to move

    curation.unmerge_author(author_id=merged.pk, actor=curator)

    assert attribution("0906.5504") == [("joachim-schroeter", AuthorshipSource.ARXIV)]
    assert Author.objects.get(pk=merged.pk).merged_into_id is None


def test_a_participant_stores_what_it_moved_and_gets_it_back_at_the_undo(
    records, curator, monkeypatch
):
    kept, merged = records
    follower = UserFactory()
    Follow.objects.create(user=follower, author=merged)
    notes = Notes()
    registry = {**merge_participants._registry, notes.name: notes}
    monkeypatch.setattr(merge_participants, "_registry", registry)

    curation.merge_authors(kept_id=kept.pk, merged_ids=[merged.pk], actor=curator)

    before = CurationEvent.objects.get(action="merge").before
    assert before["notes_moved"] == [merged.pk]
    assert before["follows_moved"] == [Follow.objects.get(user=follower).pk]  # profiles' too
    assert Follow.objects.get(user=follower).author_id == kept.pk

    undo = curation.unmerge_author(author_id=merged.pk, actor=curator)

    assert notes.asked[0] == ("move", [merged.pk])  # its preview's plan
    assert notes.asked[1][0] == "move_back" and notes.asked[1][1]["notes_moved"] == [merged.pk]
    assert "follows_moved" in notes.asked[1][1]  # the stored keys are flat, every app's
    assert undo.after["notes_back"] == [merged.pk] and undo.after["claims_back"] == []
    assert Follow.objects.get(user=follower).author_id == merged.pk


def test_a_participant_conflict_stops_the_merge_and_changes_nothing(records, curator, monkeypatch):
    kept, merged = records
    notes = Notes(conflict="The notes disagree.")
    monkeypatch.setattr(merge_participants, "_registry", {notes.name: notes})

    preview = curation.merge_preview(kept_id=kept.pk, merged_ids=[merged.pk])
    assert preview.conflicts == ["The notes disagree."] and not preview.can_merge
    with pytest.raises(curation.CurationError, match="The notes disagree."):
        curation.merge_authors(kept_id=kept.pk, merged_ids=[merged.pk], actor=curator)

    assert attribution("0906.5504") == [("joachim-schroeter", AuthorshipSource.ARXIV)]
    assert not CurationEvent.objects.exists() and notes.asked == []


def test_stored_keys_are_never_shared():
    with pytest.raises(ValueError, match="notes_moved"):
        merge_participants.merge_stored([{"notes_moved": [1]}, {"notes_moved": [2]}])
    with pytest.raises(ValueError, match="authorships"):
        curation.MergeRecord(moves={"authorships": []}).to_json()
