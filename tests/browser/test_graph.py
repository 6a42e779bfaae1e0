"""The research graph in Chromium: the profile's slice is drawn and its nodes open their pages; the
explorer expands a node; both work on a phone-sized screen."""

import pytest

from publications.models import Work
from publications.services import import_path
from tests.browser.conftest import wait_until
from tests.graph.test_slice import FIXTURE, HERRERO, NAJARRO

pytestmark = pytest.mark.django_db(transaction=True)


def hover_node(page, instance: str, node_id: str) -> dict:
    """Move the mouse onto a node where Cytoscape drew it (the canvas has no DOM nodes)."""
    point = page.evaluate(
        """([instance, id]) => {
            const cy = window.bzGraph[instance];
            const node = cy.getElementById(id);
            const box = cy.container().getBoundingClientRect();
            const p = node.renderedPosition();
            return {x: box.left + p.x, y: box.top + p.y};
        }""",
        [instance, node_id],
    )
    page.mouse.move(point["x"], point["y"])
    return point


def click_node(page, instance: str, node_id: str) -> None:
    point = hover_node(page, instance, node_id)
    page.mouse.click(point["x"], point["y"])


def test_profile_slice_is_drawn_and_a_person_node_opens_that_profile(page, screenshot):
    import_path(FIXTURE)
    page.goto(f"/authors/{HERRERO}/")
    panel = page.locator("[data-graph-slice]")
    panel.locator("text=Building this graph slice").wait_for(state="attached")
    page.wait_for_selector("[data-graph-slice][data-state=ready]")
    drawn = page.evaluate("window.bzGraph.profile.nodes().length")
    assert drawn == 60  # capped: Herrero has 44 co-authors, 10 works, 4 topics, 4 institutions
    assert page.locator(".graph-canvas canvas").count() >= 1
    assert "more left out" in panel.locator("[data-graph-summary]").inner_text()
    # The text alternative lists the same neighbours, with links.
    panel.locator("summary").click()
    assert panel.locator(f'[data-graph-items] a[href="/authors/{NAJARRO}/"]').count() == 1
    assert panel.locator("[data-graph-items] li").count() == 59
    screenshot("graph-profile-slice")

    # Zoom with the wheel and pan by dragging the background.
    # Centre the picture in the viewport so every pointer event lands on it.
    panel.locator(".graph-canvas").evaluate("el => el.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(300)  # Cytoscape re-reads its container's position on scroll events
    box = panel.locator(".graph-canvas").bounding_box()
    zoom = page.evaluate("window.bzGraph.profile.zoom()")
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -300)
    wait_until(page, f"window.bzGraph.profile.zoom() > {zoom}")
    pan = page.evaluate("window.bzGraph.profile.pan()")
    box = panel.locator(".graph-canvas").bounding_box()
    page.mouse.move(box["x"] + 8, box["y"] + 8)
    page.mouse.down()
    page.mouse.move(box["x"] + 60, box["y"] + 50, steps=5)
    page.mouse.up()
    assert page.evaluate("window.bzGraph.profile.pan()") != pan

    page.evaluate("() => { window.bzGraph.profile.fit(); }")  # (returning cy would serialise it)
    hover_node(page, "profile", f"person:{NAJARRO}")
    tooltip = panel.locator(".graph-tooltip")
    tooltip.wait_for(state="visible")
    assert tooltip.inner_text().startswith("Francisco Najarro")
    click_node(page, "profile", f"person:{NAJARRO}")
    page.wait_for_url(f"**/authors/{NAJARRO}/")
    assert page.locator("h1").inner_text() == "Francisco Najarro"


def test_explorer_expands_a_clicked_node(page, screenshot):
    import_path(FIXTURE)
    page.goto(f"/graph/?author={HERRERO}")
    root = page.locator("[data-graph-explorer]")
    page.wait_for_selector("[data-graph-explorer][data-state=ready]")
    before = int(root.get_attribute("data-nodes"))
    assert before == 60
    screenshot("graph-explorer")

    click_node(page, "explorer", f"person:{NAJARRO}")
    wait_until(
        page, f"Number(document.querySelector('[data-graph-explorer]').dataset.nodes) > {before}"
    )
    after = page.evaluate("window.bzGraph.explorer.nodes().length")
    assert after > before
    # Najarro's works without Herrero came in with the expansion.
    own = Work.objects.filter(authorships__author__slug=NAJARRO).exclude(
        authorships__author__slug=HERRERO
    )
    drawn = set(page.evaluate("window.bzGraph.explorer.nodes().map(n => n.id())"))
    assert {f"paper:{w.arxiv_id}" for w in own} & drawn
    assert "Francisco Najarro" in page.locator("[data-graph-selected]").inner_text()
    screenshot("graph-explorer-expanded")

    # Filters hide nodes by kind and by year.
    page.locator("input[name=kind][value=paper]").uncheck()
    hidden = page.evaluate("window.bzGraph.explorer.nodes('.filtered').length")
    assert hidden == page.evaluate("window.bzGraph.explorer.nodes('[kind = \"paper\"]').length") > 0
    page.locator("input[name=kind][value=paper]").check()
    page.locator("input[name=year_from]").fill("2015")
    assert page.evaluate(
        "window.bzGraph.explorer.nodes('[kind = \"paper\"]').filter(n => n.data('year') < 2015)"
        ".every(n => n.hasClass('filtered'))"
    )

    # Keyboard path: the list's "expand" buttons expand without the canvas.
    count = int(root.get_attribute("data-nodes"))
    assert (
        page.locator('[data-graph-items] button[aria-label="Expand Francisco Najarro"]').count()
        == 0
    )
    button = page.locator('[data-graph-items] button[aria-label="Expand Ignacio Negueruela"]')
    button.focus()
    page.keyboard.press("Enter")
    wait_until(
        page, f"Number(document.querySelector('[data-graph-explorer]').dataset.nodes) > {count}"
    )


def test_graph_on_a_phone_sized_screen(browser, live_server):
    import_path(FIXTURE)
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    phone = context.new_page()
    try:
        phone.goto(f"/authors/{HERRERO}/")
        phone.wait_for_selector("[data-graph-slice][data-state=ready]")
        assert phone.evaluate("window.bzGraph.profile.nodes().length") == 30  # smaller slice
        box = phone.locator(".graph-canvas").bounding_box()
        assert box["width"] <= 390 and box["height"] > 200
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.screenshot(path=str(_path("graph-profile-phone")), full_page=True)
        phone.goto(f"/graph/?author={HERRERO}")
        phone.wait_for_selector("[data-graph-explorer][data-state=ready]")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.screenshot(path=str(_path("graph-explorer-phone")), full_page=False)
    finally:
        context.close()


def _path(name):
    from tests.browser.conftest import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"
