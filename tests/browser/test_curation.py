"""A curator in a real browser: log in through the admin, merge two author records, split one,
approve a claim, and check the public pages afterwards (the merged URL redirects, the works moved,
the record is claimed)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from profiles.curators import CURATORS_GROUP
from profiles.models import Claim, ClaimState
from publications.models import Author, CurationEvent, Work
from publications.services import import_path
from tests.conftest import ARXIV
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"


@pytest.fixture
def curator_page(page):
    import_path(ARXIV / "abs-older-versions.jsonl")
    user = UserFactory(username="carla", is_staff=True)
    user.groups.add(Group.objects.get(name=CURATORS_GROUP))
    page.goto("/admin/login/")
    page.fill("#id_username", "carla")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    return page


def test_curator_merges_and_splits_and_the_public_pages_follow(curator_page, screenshot):
    page = curator_page
    kept = Author.objects.get(slug="robin-de-jong")
    merged = Author.objects.get(slug="joachim-schroeter")
    moved_title = Work.objects.get(arxiv_id="0906.5504").title
    own_title = Work.objects.get(arxiv_id="0906.2112").title

    # Merge: select both records in the list, run the action, look at the preview, confirm.
    page.goto(f"/admin/publications/author/?id__in={kept.pk},{merged.pk}")
    page.check(f"input[name=_selected_action][value='{kept.pk}']")
    page.check(f"input[name=_selected_action][value='{merged.pk}']")
    page.select_option("select[name=action]", "merge_selected")
    page.click("button[name=index]")
    page.wait_for_url("**/admin/publications/author/merge/**")
    page.check(f"#kept-{kept.pk}")
    page.click("#merge-preview")
    page.wait_for_selector("#merge-summary")
    assert "0906.5504" in page.locator("#merge-works").inner_text()
    screenshot("curation-merge-preview")
    page.fill("#merge-confirm input[name=note]", "Same person, two spellings")
    page.click("#merge-confirm input[name=confirm]")
    page.wait_for_url(f"**/admin/publications/author/{kept.pk}/change/")
    assert "Merged 1 record(s) into robin-de-jong" in page.locator("ul.messagelist").inner_text()

    # The merged record's public URL now lands on the kept record, which lists both works.
    page.goto(f"/authors/{merged.slug}/")
    assert page.url.endswith(f"/authors/{kept.slug}/")
    body = page.locator("body").inner_text()
    assert moved_title in body and own_title in body
    screenshot("curation-after-merge-public")

    # Split the work that belongs to someone else off the kept record.
    page.goto(f"/admin/publications/author/{kept.pk}/change/")
    page.click("a.split-link")
    page.wait_for_selector("#split-works")
    work_id = (
        page.locator("#split-works tr", has_text="0906.5504")
        .locator("input")
        .get_attribute("value")
    )
    page.check(f"#work-{work_id}")
    page.fill("#split-form input[name=note]", "Different person")
    screenshot("curation-split-form")
    page.click("#split-submit")
    new = Author.objects.get(slug="robin-de-jong--2")
    page.wait_for_url(f"**/admin/publications/author/{new.pk}/change/")

    page.goto(f"/authors/{new.slug}/")
    assert moved_title in page.locator("body").inner_text()
    assert own_title not in page.locator("body").inner_text()
    screenshot("curation-after-split-public")
    page.goto(f"/authors/{kept.slug}/")
    assert moved_title not in page.locator("body").inner_text()

    # The kept record's history shows both actions.
    page.goto(f"/admin/publications/author/{kept.pk}/history/")
    history = page.locator("#history").inner_text()
    assert "split" in history and "merge" in history and "carla" in history
    assert screenshot("curation-history").stat().st_size > 1000

    # Approve the pending claim on the split-off record from the claims queue.
    claimant = UserFactory(username="joachim", email="joachim@example.org")
    claim = Claim.objects.create(
        user=claimant,
        author=new,
        evidence={
            "message": "The FRW paper is mine; the number theory is Robin's.",
            "works": ["0906.5504"],
        },
    )
    page.goto("/admin/profiles/claim/")
    page.click(f"a.review-link:has-text('Review #{claim.pk}')")
    page.wait_for_selector("#claim-record")
    assert "0906.5504" in page.locator("#claim-works").inner_text()
    assert "on this record" in page.locator("#claim-listed").inner_text()
    screenshot("curation-claim-review")
    page.click("#claim-approve input[name=approve]")
    page.wait_for_url("**/admin/profiles/claim/")
    assert "Approved the claim of joachim" in page.locator("ul.messagelist").inner_text()
    claim.refresh_from_db()
    assert claim.state == ClaimState.APPROVED
    assert Author.objects.get(pk=new.pk).claimed_by == claimant
    page.goto(f"/authors/{new.slug}/")
    screenshot("curation-after-claim-public")

    assert list(
        CurationEvent.objects.filter(actor__username="carla")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["merge", "split", "claim_approved"]
