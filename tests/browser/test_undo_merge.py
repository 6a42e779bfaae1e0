"""A curator undoes a merge from the merged record's admin page in a real browser: the link opens
its own page (a form nested in the change form used to post the change form instead, answering
"This field is required"), and the works go back."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from profiles.curators import CURATORS_GROUP
from publications import curation
from publications.models import Author, Authorship, CurationEvent
from publications.services import import_path
from tests.conftest import ARXIV
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"


def test_curator_undoes_a_merge_from_the_merged_record_page(page, screenshot):
    import_path(ARXIV / "abs-older-versions.jsonl")
    user = UserFactory(username="carla", is_staff=True)
    user.groups.add(Group.objects.get(name=CURATORS_GROUP))
    kept = Author.objects.get(slug="robin-de-jong")
    merged = Author.objects.get(slug="joachim-schroeter")
    curation.merge_authors(kept_id=kept.pk, merged_ids=[merged.pk], actor=user)
    page.goto("/admin/login/")
    page.fill("#id_username", "carla")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")

    page.goto(f"/admin/publications/author/{merged.pk}/change/")
    page.click("#undo-merge-link")
    page.wait_for_url(f"**/admin/publications/author/{merged.pk}/unmerge/")
    page.fill("#unmerge-form input[name=note]", "Two people after all")
    screenshot("curation-undo-merge")
    page.click("#undo-merge")
    page.wait_for_url(f"**/admin/publications/author/{merged.pk}/change/")
    assert "The merge was undone." in page.locator("ul.messagelist").inner_text()
    assert "This field is required" not in page.content()
    assert Author.objects.get(pk=merged.pk).merged_into_id is None
    assert list(
        Authorship.objects.filter(work__arxiv_id="0906.5504").values_list("author__slug", flat=True)
    ) == ["joachim-schroeter"]
    assert CurationEvent.objects.get(action="unmerge").note == "Two people after all"
