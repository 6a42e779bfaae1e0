"""The Content-Security-Policy in a real browser: the profile, work, graph, search and API docs
pages work with nothing the policy blocks (Chromium reports every violation), and KaTeX keeps
oversized TeX from arXiv text from covering the page."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from publications.models import Author, Work
from publications.services import import_path
from tests.conftest import ARXIV

pytestmark = pytest.mark.django_db(transaction=True)

# Every violation becomes an entry of window.__cspViolations (and a console error).
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " +
                              (e.sourceFile || "") + ":" + (e.lineNumber || ""));
});
"""


@pytest.fixture
def site(live_server):
    import_path(ARXIV / "oai" / "arXivRaw" / "ListRecordsResponse.xml")
    import_path(ARXIV / "abs-current-30.jsonl")
    cache.clear()
    return live_server


@pytest.fixture
def violations(page):
    page.add_init_script(WATCH_VIOLATIONS)
    console: list[str] = []
    page.on(
        "console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None
    )

    def read() -> list[str]:
        return page.evaluate("window.__cspViolations") + console

    return read


PAGES = {
    "profile": ("/authors/christoph-richard/", "[data-graph-canvas] canvas, .graph-list li"),
    "work": ("/works/0704.0716/", "html.math-rendered"),
    "graph": ("/graph/?author=christoph-richard", "[data-graph-canvas] canvas"),
    "search": ("/search/?q=richard", "main h1"),
    "api-docs": ("/api/docs/", ".swagger-ui .info .title"),
    "api-redoc": ("/api/redoc/", "redoc h1, #redoc-container h1, .api-content h1"),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_no_policy_violation(site, page, violations, screenshot, name):
    path, ready = PAGES[name]
    response = page.goto(path)
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(ready, state="attached")
    page.wait_for_load_state("networkidle")
    screenshot(f"csp-{name}")
    found = violations()
    if name == "api-redoc":
        # Redoc's "API docs by Redocly" logo comes from cdn.redoc.ly: the policy blocks it (the
        # link text stays). Nothing else may be blocked.
        found = [v for v in found if "https://cdn.redoc.ly/redoc/logo-mini.svg" not in v]
    assert found == [], "\n".join(found)


def test_katex_caps_sizes_from_arxiv_text(site, page, violations, screenshot):
    work = Work.objects.get(arxiv_id="0704.0716")
    Work.objects.filter(pk=work.pk).update(
        abstract="A black box $\\rule{2000px}{2000px}$ and a long one $\\kern{9000em}x$ end here."
    )
    cache.clear()
    page.goto("/works/0704.0716/")
    page.wait_for_selector("html.math-rendered")
    box = page.locator(".katex .rule").first.bounding_box()
    assert box is not None and box["width"] > 0  # rendered, only smaller
    font_px = float(
        page.evaluate("parseFloat(getComputedStyle(document.querySelector('.katex')).fontSize)")
    )
    assert box["width"] <= 10 * font_px + 1 and box["height"] <= 10 * font_px + 1, (box, font_px)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280 + 1
    screenshot("katex-max-size")
    assert violations() == []
    assert Author.objects.exists()
