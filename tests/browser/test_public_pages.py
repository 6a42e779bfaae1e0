"""The public pages in a real browser (Playwright driving Debian's Chromium, headless): profile,
publication, topic and search show their sections with the right figures, TeX renders through the
vendored KaTeX, nothing is fetched from another host, and the pages work with the keyboard and on a
phone-sized screen. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from publications.models import Author
from publications.services import import_path
from tests.conftest import ARXIV
from tests.pages.conftest import store_counters

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(live_server):
    import_path(ARXIV / "oai" / "arXivRaw" / "ListRecordsResponse.xml")
    import_path(ARXIV / "abs-current-30.jsonl")
    for author in Author.objects.all():
        store_counters(author)
    Author.objects.filter(slug="yosuke-imamura").update(trust_score=21, trust_tier="Emerging")
    cache.clear()
    return live_server


@pytest.fixture
def requests_seen(page):
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def assert_all_local(urls: list[str], base: str) -> None:
    foreign = [u for u in urls if not u.startswith(base) and not u.startswith("data:")]
    assert foreign == [], foreign


def test_profile_page(site, page, screenshot, requests_seen):
    author = Author.objects.get(slug="yosuke-imamura")
    page.goto("/authors/yosuke-imamura/")
    assert page.locator("h1").inner_text() == "Yosuke Imamura"
    for text in [
        "Researcher profile",
        "Affiliation not imported",
        "Trust 21 - Emerging",
        "Verification L1",
        "Unclaimed author",
        "Decide how to stay connected",
        "How to connect with this researcher",
        "Log in to claim",
        "Claim this author entity first to unlock direct invitations.",
        "See the researcher in context",
        "Open full explorer",
    ]:
        assert page.get_by_text(text, exact=True).first.is_visible(), text
    # The graph panel says it is loading until the slice arrives, then draws it (the graph's own tests).
    assert page.get_by_text("Building this graph slice", exact=True).count() == 1
    page.wait_for_selector("[data-graph-slice][data-state=ready]")
    counts = {
        name: page.locator(f'dd[data-count="{name}"]').inner_text()
        for name in ["works", "followers", "topics", "close-collaborators"]
    }
    assert counts == {
        "works": str(author.works_count),
        "followers": "0",
        "topics": str(author.topics_count),
        "close-collaborators": str(author.close_collaborators_count),
    }
    # Visitors get a link to log in and come back (no form, so the page can be cached).
    assert page.get_by_role("link", name="Follow researcher").is_visible()
    works = page.locator(".published-works .work-item")
    assert works.count() == author.works_count
    assert works.first.locator("h3 a").inner_text().startswith("String Junctions")
    page.wait_for_selector("html.math-rendered")
    assert page.locator(".published-works .abstract .katex").count() >= 1  # $T^2$
    assert "$T^2$" not in page.locator(".published-works .abstract").first.inner_text()
    assert screenshot("profile").stat().st_size > 5000
    assert_all_local(requests_seen, site.url)


def test_profile_is_usable_with_the_keyboard_and_on_a_phone(site, page, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/authors/yosuke-imamura/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot("profile-phone")


def test_publication_page(site, page, screenshot, requests_seen):
    page.goto("/works/hep-th/9901001/")
    assert (
        page.locator("h1").inner_text()
        == "String Junctions and Their Duals in Heterotic String Theory"
    )
    assert page.get_by_role("link", name="Yosuke Imamura").is_visible()
    assert page.locator("ol.versions li").count() == 3
    assert page.get_by_role("link", name="hep-th").first.is_visible()
    assert (
        page.get_by_role("link", name="PDF").get_attribute("href")
        == "https://arxiv.org/pdf/hep-th/9901001"
    )
    page.wait_for_selector("html.math-rendered")
    assert page.locator(".abstract .katex").count() >= 1
    screenshot("publication")
    assert_all_local(requests_seen, site.url)


def test_topic_page(site, page, screenshot):
    page.goto("/topics/hep-th/")
    assert "High Energy Physics - Theory" in page.locator("h1").inner_text()
    assert page.get_by_role("heading", name="Recent works").is_visible()
    assert page.locator(".topic-works .work-item").count() >= 3
    assert page.locator(".prolific li").first.is_visible()
    screenshot("topic")


def test_search_from_the_home_page(site, page, screenshot, requests_seen):
    page.goto("/")
    page.get_by_label("Search researchers and works").fill("imamura")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=imamura")
    assert page.locator(".search-authors").get_by_role("link", name="Yosuke Imamura").is_visible()
    page.goto("/search/?q=string+junctions+heterotic")
    result = page.locator(".search-works .work-item").first
    assert (
        result.locator("h3").inner_text()
        == "String Junctions and Their Duals in Heterotic String Theory"
    )
    screenshot("search")
    assert_all_local(requests_seen, site.url)
