"""Curator history in words ("moved 1 work to robin-de-jong--2"), not raw dictionaries with ids:
on the History page of an author record and in the curation-events list."""

from __future__ import annotations

import pytest

from profiles.history import describe_event
from publications.models import Author, CurationEvent, Work
from publications.services import import_path
from tests.conftest import ARXIV

pytestmark = pytest.mark.django_db


@pytest.fixture
def records():
    import_path(ARXIV / "abs-older-versions.jsonl")
    return Author.objects.get(slug="robin-de-jong"), Author.objects.get(slug="joachim-schroeter")


def test_history_page_says_what_each_change_did(client, curator, records):
    kept, merged = records
    client.force_login(curator)
    client.post(
        "/admin/publications/author/merge/",
        {"ids": f"{kept.pk},{merged.pk}", "kept": kept.pk, "confirm": "1"},
    )
    work = Work.objects.get(arxiv_id="0906.5504")
    client.post(f"/admin/publications/author/{kept.pk}/split/", {"works": [work.pk], "note": "x"})
    client.post(
        f"/admin/publications/author/{kept.pk}/change/",
        {
            "display_name": "Robin de Jong",
            "name_variants": "R. de Jong",
            "institution": "",
            "bio": "Number theory.",
            "open_to_collaborate": "on",
        },
    )

    html = client.get(f"/admin/publications/author/{kept.pk}/history/").content.decode()
    assert "moved 1 work to robin-de-jong--2 (split off)" in html
    assert "merged joachim-schroeter into robin-de-jong, moving 1 work" in html
    # "open to collaborate" is the owner's choice: a curator's form does not change it.
    assert "edited the bio" in html and "name variants: empty → R. de Jong" in html
    assert "open to collaborate" not in html
    assert "{&#x27;" not in html and "{'" not in html  # no raw dictionaries
    assert "authorships" not in html

    events = client.get("/admin/publications/curationevent/").content.decode()
    assert "moved 1 work to robin-de-jong--2 (split off)" in events


def test_every_action_reads_as_words_and_unknown_ones_do_not_fail():
    def event(action, before=None, after=None, target_id="1"):
        return CurationEvent(
            action=action,
            target_type="author",
            target_id=target_id,
            before=before or {},
            after=after or {},
        )

    assert describe_event(
        event("claim_approved", after={"verification_level": 3, "automatic": True})
    ) == ("approved the claim at L3 automatically, on strong evidence")
    assert describe_event(event("claim_rejected", before={"state": "approved"})).startswith(
        "revoked the approved claim"
    )
    assert (
        describe_event(
            event("hide", after={"hidden": True, "hidden_reason": "spam"}, target_id="0704.0001")
        )
        == "hid the work arXiv:0704.0001 (spam)"
    )
    assert describe_event(
        event(
            "unmerge",
            after={"authorships_back": [[1, "arxiv"], [2, "arxiv"]], "authorships_left": [3]},
        )
    ) == ("undid a merge: 2 works moved back (1 work stayed, attributed elsewhere since)")
    assert describe_event(event("something_new", after={"odd_field": 4})) == (
        "something new (odd field)"
    )
    assert (
        describe_event(event("split", after="not a dict"))
        == "moved 0 works to a new record (split off)"
    )


def test_an_event_page_starts_with_the_event_in_words(client, curator, records):
    kept, merged = records
    client.force_login(curator)
    client.post(
        "/admin/publications/author/merge/",
        {"ids": f"{kept.pk},{merged.pk}", "kept": kept.pk, "confirm": "1"},
    )
    event = CurationEvent.objects.get(action="merge")
    html = client.get(f"/admin/publications/curationevent/{event.pk}/change/").content.decode()
    assert "merged joachim-schroeter into robin-de-jong, moving 1 work" in html
    assert html.index("merged joachim-schroeter") < html.index("field-before")
