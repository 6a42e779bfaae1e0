"""The accounts flow in Chromium: sign up, verify the e-mail from the test outbox, follow an author
(the count changes without a reload), claim the unclaimed record, and a curator approves it."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from profiles.models import Claim
from publications.models import Author
from publications.services import import_path
from tests.browser.conftest import wait_until
from tests.conftest import ARXIV
from tests.factories import CuratorFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long enough passphrase 42"


def test_sign_up_follow_claim_and_curator_approval(page, screenshot, live_server, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    import_path(ARXIV / "abs-current-30.jsonl")
    author = Author.objects.get(slug="jacob-devlin")
    assert author.claimed_by_id is None

    # Sign up and verify the e-mail address with the link from the outbox.
    page.goto("/accounts/signup/")
    page.fill("input[name=email]", "jacob@research.example")
    page.fill("input[name=username]", "jacob")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    screenshot("accounts-1-signup")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/accounts/confirm-email/")
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mail.outbox[0].body).group(0)
    page.goto(link)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "Log out jacob" in page.content()
    screenshot("accounts-2-verified")

    # Follow: the count on the page changes without a full reload.
    page.goto(author.get_absolute_url())
    count = page.locator("[data-followers-count]")
    assert count.inner_text() == "0"
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("button", name="Follow").click()
    wait_until(page, "document.querySelector('[data-followers-count]').textContent === '1'")
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    assert page.get_by_role("button", name="Following · Unfollow").is_visible()
    assert Author.objects.get(pk=author.pk).followers_count == 1
    screenshot("accounts-3-followed")

    # Claim the unclaimed record.
    page.get_by_role("link", name="Is this you? Claim this record").click()
    page.check("input[name=works][value='1810.04805']")
    page.fill("textarea[name=message]", "I am the first author of BERT.")
    page.get_by_role("button", name="Send claim").click()
    page.wait_for_url("**/claims/")
    assert "Pending" in page.locator("table.claims").inner_text()
    screenshot("accounts-4-claim-pending")
    claim = Claim.objects.get()
    assert claim.state == "pending" and claim.evidence["works"] == ["1810.04805"]

    # A curator approves it in the admin.
    page.locator("form[action='/accounts/logout/'] button").click()
    page.wait_for_load_state()
    CuratorFactory(username="curator", email="curator@bzpeer.example")
    page.goto("/admin/login/?next=/admin/profiles/claim/")
    page.fill("input[name=username]", "curator")
    page.fill("input[name=password]", "correct horse battery staple")
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/profiles/claim/")
    page.check(f"input[name=_selected_action][value='{claim.pk}']")
    page.select_option("select[name=action]", "approve_selected")
    page.locator("button[name=index]").click()
    page.wait_for_load_state()
    assert "1 claim(s) approved." in page.content()
    screenshot("accounts-5-curator-approved")
    assert [m.subject for m in mail.outbox][-1].endswith("was approved")

    page.goto(author.get_absolute_url())
    assert "Claimed · L4 · confirmed by a curator" in page.content()
    screenshot("accounts-6-claimed-profile")
