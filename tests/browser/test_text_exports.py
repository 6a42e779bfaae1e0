"""Unicode text with KaTeX, the printed affiliation and the conflict-of-interest list in Chromium,
on a desktop and a phone-sized screen (390 px): nothing wider than the viewport."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from publications.models import Author
from publications.services import import_path
from tests.conftest import ARXIV
from tests.pages.conftest import store_counters

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tex_site(live_server):
    import_path(ARXIV / "tex-text.jsonl")
    for author in Author.objects.all():
        store_counters(author)
    cache.clear()
    return live_server


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("width", [1280, 390])
def test_work_profile_and_coauthors_fit_and_read_in_unicode(tex_site, page, screenshot, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/works/0704.0866/")
    page.wait_for_selector("html.math-rendered")
    assert "Monge-Ampère" in page.title()
    assert "Kähler" in page.locator(".abstract").inner_text()
    assert page.locator(".abstract .katex").count() > 0  # $\om$ and friends still typeset
    assert page_width(page) <= width
    screenshot(f"work-unicode-{width}")

    author = Author.objects.get(authorships__work__arxiv_id="0704.0163", authorships__position=2)
    page.goto(author.get_absolute_url())
    assert "as printed on arXiv:0704.0163" in page.locator(".badge.affiliation").inner_text()
    assert page_width(page) <= width
    screenshot(f"profile-affiliation-{width}")

    page.goto(f"/authors/{author.slug}/coauthors/?years=20")
    assert page.locator(".coauthor-table tbody tr").count() >= 1
    assert page_width(page) <= width
    screenshot(f"coauthors-{width}")
