"""Curation services on real arXiv records: merge (and undo), split, hide, re-import, recompute.
Each checks the audit log; a later import never undoes a curated attribution."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from profiles.models import Claim, ClaimState, CollaborationInvitation, Follow
from profiles.selectors import author_history
from publications import curation, curation_works, signals
from publications.models import Author, Authorship, AuthorshipSource, CurationEvent, Work
from publications.services import import_path
from tests.conftest import ARXIV
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OLDER = ARXIV / "abs-older-versions.jsonl"
CURRENT = ARXIV / "abs-current-30.jsonl"


@pytest.fixture
def outsiders():
    """A staff user outside the curators group and a plain signed-in user."""
    return [UserFactory(username="staff", is_staff=True), UserFactory(username="plain")]


@pytest.fixture
def records():
    """Two real one-work records from older versions (arXiv has newer versions of both)."""
    import_path(OLDER)
    return Author.objects.get(slug="robin-de-jong"), Author.objects.get(slug="joachim-schroeter")


@pytest.fixture
def changed(monkeypatch):
    sent: list[list[int]] = []

    def receiver(sender, author_ids, **kwargs):
        sent.append(author_ids)

    signals.author_records_changed.connect(receiver, dispatch_uid="test-curation")
    yield sent
    signals.author_records_changed.disconnect(dispatch_uid="test-curation")


def work_authors(arxiv_id: str) -> list[tuple[str, str]]:
    return list(
        Authorship.objects.filter(work__arxiv_id=arxiv_id)
        .order_by("position")
        .values_list("author__slug", "source")
    )


def test_merge_moves_works_follows_and_claims_and_is_logged(
    records, curator, changed, django_capture_on_commit_callbacks
):
    kept, merged = records
    both, only_merged, only_kept = UserFactory(), UserFactory(), UserFactory()
    Follow.objects.create(user=both, author=kept)
    Follow.objects.create(user=both, author=merged)
    Follow.objects.create(user=only_merged, author=merged)
    Follow.objects.create(user=only_kept, author=kept)
    claim = Claim.objects.create(user=only_merged, author=merged, evidence={"message": "mine"})

    with django_capture_on_commit_callbacks(execute=True):
        events = curation.merge_authors(
            kept_id=kept.pk, merged_ids=[merged.pk], actor=curator, note="same person"
        )

    assert work_authors("0906.5504") == [("robin-de-jong", AuthorshipSource.CURATOR)]
    assert sorted(Follow.objects.filter(author=kept).values_list("user_id", flat=True)) == sorted(
        [both.pk, only_merged.pk, only_kept.pk]
    )
    assert not Follow.objects.filter(author=merged).exists()
    claim.refresh_from_db()
    assert claim.author == kept and claim.state == ClaimState.PENDING
    kept.refresh_from_db()
    merged.refresh_from_db()
    assert merged.merged_into == kept
    assert (kept.works_count, kept.followers_count, merged.works_count) == (2, 3, 0)
    assert changed == [sorted([kept.pk, merged.pk])]
    [event] = events
    stored = CurationEvent.objects.get(action="merge")
    assert stored.actor == curator and stored.author == kept and stored.target_id == str(merged.pk)
    assert stored.note == "same person"
    assert stored.before["follows_removed_users"] == [both.pk]
    assert len(stored.before["authorships"]) == 1 and stored.after["merged_into"] == kept.pk
    assert [e.action for e in author_history(author_id=merged.pk)] == ["merge"]


def test_a_merge_recorded_before_the_versioned_format_still_undoes(records, curator):
    """Merge events stored before the record of what moved carried a version: the same keys,
    no ``version``. Undoing such a merge moves everything back as before."""
    kept, merged = records
    both, mover = UserFactory(), UserFactory()
    Follow.objects.create(user=both, author=kept)
    Follow.objects.create(user=both, author=merged)
    Follow.objects.create(user=mover, author=merged)
    claim = Claim.objects.create(user=mover, author=merged, evidence={"message": "mine"})
    before = (work_authors("0906.5504"), sorted(Follow.objects.values_list("user_id", "author_id")))
    curation.merge_authors(kept_id=kept.pk, merged_ids=[merged.pk], actor=curator)
    event = CurationEvent.objects.get(action="merge")
    [[authorship_id, source]] = event.before["authorships"]
    event.before = {  # the payload as merges stored it before
        "merged_into": None,
        "authorships": [[authorship_id, source]],
        "follows_moved": list(
            Follow.objects.filter(user=mover, author=kept).values_list("id", flat=True)
        ),
        "follows_removed_users": [both.pk],
        "claims_moved": [claim.pk],
        "claims_withdrawn": [],
        "claims_staying": [],
        "invitations_moved": [],
        "repointed": [],
        "kept": {"claimed_by": None, "verification_level": 1},
    }
    event.save(update_fields=["before"])

    curation.unmerge_author(author_id=merged.pk, actor=curator)

    assert (
        work_authors("0906.5504"),
        sorted(Follow.objects.values_list("user_id", "author_id")),
    ) == before
    claim.refresh_from_db()
    merged.refresh_from_db()
    assert claim.author_id == merged.pk and merged.merged_into is None


def test_the_record_of_a_merge_reads_back_what_it_wrote_and_refuses_unknown_formats():
    moved = curation.MergeRecord(
        authorships=[(1, "arxiv"), (2, "curator")],
        moves={
            "follows_moved": [3],
            "follows_removed_users": [4],
            "claims_moved": [5],
            "claims_withdrawn": [6],
            "claims_staying": [7],
            "invitations_moved": [8],
        },
        repointed=[9],
        kept_claimed_by=10,
        kept_verification_level=2,
    )
    stored = moved.to_json()
    assert stored["version"] == curation.MergeRecord.VERSION
    assert stored["authorships"] == [[1, "arxiv"], [2, "curator"]]
    assert stored["kept"] == {"claimed_by": 10, "verification_level": 2}
    assert curation.MergeRecord.from_json(stored) == moved
    with pytest.raises(curation.CurationError):
        curation.MergeRecord.from_json({**stored, "version": 99})


def test_merged_record_url_redirects_permanently(client, records, curator):
    kept, merged = records
    curation.merge_authors(kept_id=kept.pk, merged_ids=[merged.pk], actor=curator)
    response = client.get(f"/authors/{merged.slug}/")
    assert response.status_code == 301 and response["Location"] == f"/authors/{kept.slug}/"
    page = client.get(f"/authors/{kept.slug}/").content.decode()
    assert "0906.5504" in page and "0906.2112" in page


def test_undo_merge_restores_everything_exactly(records, curator):
    kept, merged = records
    both, mover = UserFactory(), UserFactory()
    Follow.objects.create(user=both, author=kept)
    Follow.objects.create(user=both, author=merged)
    Follow.objects.create(user=mover, author=merged)
    Claim.objects.create(user=mover, author=kept)
    duplicate = Claim.objects.create(user=mover, author=merged)
    invitation = CollaborationInvitation.objects.create(sender=both, author=merged, message="Hi")
    # A record merged earlier into `merged` follows it to the kept record, and back on undo.
    earlier = Author.objects.get(slug="yosuke-imamura")
    curation.merge_authors(kept_id=merged.pk, merged_ids=[earlier.pk], actor=curator)
    before = (
        work_authors("0906.5504"),
        work_authors("hep-th/9901001"),
        sorted(Follow.objects.values_list("user_id", "author_id")),
    )

    curation.merge_authors(kept_id=kept.pk, merged_ids=[merged.pk], actor=curator)
    duplicate.refresh_from_db()
    assert duplicate.state == ClaimState.WITHDRAWN
    assert Author.objects.get(pk=earlier.pk).merged_into_id == kept.pk  # flat chains
    assert CollaborationInvitation.objects.get(pk=invitation.pk).author_id == kept.pk

    event = curation.unmerge_author(author_id=merged.pk, actor=curator, note="different people")

    assert (
        work_authors("0906.5504"),
        work_authors("hep-th/9901001"),
        sorted(Follow.objects.values_list("user_id", "author_id")),
    ) == before
    merged.refresh_from_db()
    duplicate.refresh_from_db()
    assert merged.merged_into is None and duplicate.state == ClaimState.PENDING
    assert duplicate.author_id == merged.pk
    assert Author.objects.get(pk=earlier.pk).merged_into_id == merged.pk
    assert CollaborationInvitation.objects.get(pk=invitation.pk).author_id == merged.pk
    assert (
        event.action == "unmerge"
        and event.after["undoes_event"]
        == CurationEvent.objects.filter(action="merge", target_id=str(merged.pk)).get().pk
    )
    assert [e.action for e in author_history(author_id=merged.pk)][:2] == ["unmerge", "merge"]
    with pytest.raises(curation.CurationError, match="not merged"):
        curation.unmerge_author(author_id=merged.pk, actor=curator)


def test_merge_refuses_two_approved_claims_and_changes_nothing(records, curator):
    kept, merged = records
    Claim.objects.create(user=UserFactory(), author=kept, state=ClaimState.APPROVED)
    Claim.objects.create(user=UserFactory(), author=merged, state=ClaimState.APPROVED)
    preview = curation.merge_preview(kept_id=kept.pk, merged_ids=[merged.pk])
    assert not preview.can_merge and "Two approved claims" in preview.conflicts[0]
    with pytest.raises(curation.CurationError, match="Two approved claims"):
        curation.merge_authors(kept_id=kept.pk, merged_ids=[merged.pk], actor=curator)
    assert work_authors("0906.5504") == [("joachim-schroeter", AuthorshipSource.ARXIV)]
    assert not CurationEvent.objects.exists()


def test_merge_twice_is_refused(records, curator):
    kept, merged = records
    curation.merge_authors(kept_id=kept.pk, merged_ids=[merged.pk], actor=curator)
    with pytest.raises(curation.CurationError, match="already merged"):
        curation.merge_authors(kept_id=kept.pk, merged_ids=[merged.pk], actor=curator)
    assert CurationEvent.objects.count() == 1


def test_split_moves_chosen_works_to_a_new_record(records, curator):
    kept, merged = records
    Follow.objects.create(user=UserFactory(), author=kept)
    claim = Claim.objects.create(user=UserFactory(), author=kept)
    curation.merge_authors(kept_id=kept.pk, merged_ids=[merged.pk], actor=curator)
    Author.objects.filter(pk=kept.pk).update(may_combine_several=True)
    work = Work.objects.get(arxiv_id="0906.5504")

    new, event = curation.split_author(
        author_id=kept.pk, work_ids=[work.pk], actor=curator, note="two people", resolved=True
    )

    assert new.slug == "robin-de-jong--2" and new.display_name == "Robin de Jong"
    assert not new.receives_imports
    assert work_authors("0906.5504") == [("robin-de-jong--2", AuthorshipSource.CURATOR)]
    assert work_authors("0906.2112") == [("robin-de-jong", AuthorshipSource.ARXIV)]
    assert Follow.objects.get().author_id == kept.pk
    claim.refresh_from_db()
    assert claim.author_id == kept.pk
    kept.refresh_from_db()
    new.refresh_from_db()
    assert (kept.works_count, new.works_count, kept.shows_may_combine_several) == (1, 1, False)
    assert kept.several_decision == "one"  # the curator's decision: later recomputes keep it
    assert event.action == "split" and event.after["works"] == ["0906.5504"]
    assert event.before["authorships"][0][1] == AuthorshipSource.CURATOR
    assert [e.action for e in author_history(author_id=new.pk)] == ["split"]
    assert [e.action for e in author_history(author_id=kept.pk)] == ["split", "merge"]
    # A second split of the same name gets the next slug.
    other = Work.objects.get(arxiv_id="0906.2112")
    Authorship.objects.filter(work__arxiv_id="0906.5504").update(author=kept)
    new3, _ = curation.split_author(author_id=kept.pk, work_ids=[other.pk], actor=curator)
    assert new3.slug == "robin-de-jong--3"


def test_split_refuses_bad_choices_and_changes_nothing(records, curator):
    kept, merged = records
    mine = Work.objects.get(arxiv_id="0906.2112")
    theirs = Work.objects.get(arxiv_id="0906.5504")
    with pytest.raises(curation.CurationError, match="Choose"):
        curation.split_author(author_id=kept.pk, work_ids=[], actor=curator)
    with pytest.raises(curation.CurationError, match="not attributed"):
        curation.split_author(author_id=kept.pk, work_ids=[theirs.pk], actor=curator)
    with pytest.raises(curation.CurationError, match="at least one"):
        curation.split_author(author_id=kept.pk, work_ids=[mine.pk], actor=curator)
    assert not Author.objects.filter(slug__contains="--").exists()
    assert not CurationEvent.objects.exists()


def test_reimport_does_not_undo_merge_or_split(records, curator):
    kept, merged = records
    curation.merge_authors(kept_id=kept.pk, merged_ids=[merged.pk], actor=curator)
    new, _ = curation.split_author(
        author_id=kept.pk, work_ids=[Work.objects.get(arxiv_id="0906.2112").pk], actor=curator
    )

    run = import_path(CURRENT)  # newer versions of both works: their authorships are rewritten

    assert Work.objects.get(arxiv_id="0906.5504").version_count == 3
    assert Work.objects.get(arxiv_id="0906.2112").version_count == 3
    assert run.records_updated >= 2
    assert work_authors("0906.5504") == [("robin-de-jong", AuthorshipSource.CURATOR)]
    assert work_authors("0906.2112") == [(new.slug, AuthorshipSource.CURATOR)]
    assert Author.objects.get(pk=merged.pk).merged_into_id == kept.pk
    assert list(CurationEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "merge",
        "split",
    ]


def test_hide_and_restore_a_work(client, records, curator):
    kept, _ = records
    work = Work.objects.get(arxiv_id="0906.2112")
    with pytest.raises(curation.CurationError, match="why"):
        curation_works.work_set_hidden(work_id=work.pk, hidden=True, actor=curator, reason=" ")
    event = curation_works.work_set_hidden(
        work_id=work.pk, hidden=True, actor=curator, reason="spam"
    )
    assert (
        curation_works.work_set_hidden(work_id=work.pk, hidden=True, actor=curator, reason="x")
        is None
    )
    assert client.get("/works/0906.2112/").status_code == 404
    kept.refresh_from_db()
    assert kept.works_count == 0
    assert (event.action, event.target_id, event.before["hidden"], event.after["hidden"]) == (
        "hide",
        "0906.2112",
        False,
        True,
    )
    restore = curation_works.work_set_hidden(work_id=work.pk, hidden=False, actor=curator)
    assert restore.action == "restore" and client.get("/works/0906.2112/").status_code == 200
    kept.refresh_from_db()
    assert kept.works_count == 1


def test_reimport_enqueues_the_task_after_commit(
    records, curator, monkeypatch, django_capture_on_commit_callbacks
):
    from publications import tasks

    queued = []
    monkeypatch.setattr(tasks.reimport_work, "delay", lambda arxiv_id: queued.append(arxiv_id))
    monkeypatch.setattr(curation_works, "workers_configured", lambda: True)
    work = Work.objects.get(arxiv_id="0906.2112")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = curation_works.works_reimport(work_ids=[work.pk], actor=curator)
    assert queued == ["0906.2112"] and outcome.queued == ["0906.2112"]
    assert CurationEvent.objects.get().action == "reimport"


def test_recompute_refreshes_counters_and_signals(
    records, curator, changed, django_capture_on_commit_callbacks
):
    kept, merged = records
    Author.objects.filter(pk=kept.pk).update(works_count=99)
    with django_capture_on_commit_callbacks(execute=True):
        events = curation_works.authors_recompute(author_ids=[kept.pk, merged.pk], actor=curator)
    assert Author.objects.get(pk=kept.pk).works_count == 1
    assert changed == [sorted([kept.pk, merged.pk])]
    assert {e.author_id for e in events} == {kept.pk, merged.pk}


def test_non_curators_are_refused_every_action(records, outsiders):
    kept, merged = records
    work = Work.objects.get(arxiv_id="0906.2112")
    for user in outsiders:
        for action in [
            lambda user: curation.merge_authors(
                kept_id=kept.pk, merged_ids=[merged.pk], actor=user
            ),
            lambda user: curation.unmerge_author(author_id=merged.pk, actor=user),
            lambda user: curation.split_author(author_id=kept.pk, work_ids=[work.pk], actor=user),
            lambda user: curation_works.work_set_hidden(
                work_id=work.pk, hidden=True, actor=user, reason="x"
            ),
            lambda user: curation_works.works_reimport(work_ids=[work.pk], actor=user),
            lambda user: curation_works.authors_recompute(author_ids=[kept.pk], actor=user),
        ]:
            with pytest.raises(PermissionDenied):
                action(user)
    assert not CurationEvent.objects.exists()
    assert work_authors("0906.5504") == [("joachim-schroeter", AuthorshipSource.ARXIV)]
