"""Every page at desktop (1280 px) and phone (390 x 844) widths: screenshots of the profile, work,
search, claim, inbox and error pages (and the account and home pages) go to
test-artifacts/screenshots/layouts/<page>-<desktop|phone>.png, and no page is wider than the window
(long search queries, huge author lists and long URLs wrap)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from profiles.claims import claim_approve
from profiles.invitations import invitation_send
from profiles.owner_edits import author_set_hidden
from publications.models import Author
from publications.services import import_path
from tests.conftest import ARXIV
from tests.factories import (
    AuthorFactory,
    AuthorshipFactory,
    ClaimFactory,
    CuratorFactory,
    UserFactory,
    WorkFactory,
)
from tests.pages.conftest import store_counters

pytestmark = pytest.mark.django_db(transaction=True)

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
LONG_QUERY = "Supercalifragilisticexpialidocious" * 6
LONG_NAME = "Wolfeschlegelsteinhausenbergerdorffwelchevoralternwarengewissenhaft"


@pytest.fixture
def world(live_server):
    import_path(ARXIV / "abs-current-30.jsonl")
    import_path(ARXIV / "astro-ph-coauthors.jsonl")
    for author in Author.objects.all():
        store_counters(author)
    # A work with a huge author list, names that cannot break, and a title of one long word.
    crowd = WorkFactory(
        arxiv_id="2401.99999", title="Hyper" + "long" * 40 + " survey", authors_count=400
    )
    for position in range(1, 401):
        AuthorshipFactory(
            work=crowd,
            position=position,
            author=AuthorFactory(),
            printed_name=f"{LONG_NAME}{position}",
        )
    owner = UserFactory(username="owner")
    author = Author.objects.get(slug="yosuke-imamura")
    claim_approve(claim=ClaimFactory(user=owner, author=author), reviewer=CuratorFactory())
    for n in range(3):
        sender = UserFactory(username=f"colleague{n}")
        invitation_send(
            sender=sender,
            author=author,
            contact=f"colleague{n}@lab.example",
            message="Shall we write about string junctions? " + "https://example.org/" + "x" * 120,
        )
    hidden = Author.objects.exclude(pk=author.pk).filter(claimed_by__isnull=True).first()
    hidden_owner = claim_approve(claim=ClaimFactory(author=hidden), reviewer=CuratorFactory()).user
    hidden = Author.objects.get(pk=hidden.pk)
    author_set_hidden(user=hidden_owner, author=hidden, hidden=True)
    to_claim = Author.objects.filter(claimed_by__isnull=True).order_by("-works_count", "pk").first()
    cache.clear()
    return {
        "owner": owner,
        "author": author,
        "hidden": hidden,
        "crowd": crowd,
        "to_claim": to_claim,
    }


def sign_in(context, user, live_server) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def pages(world) -> dict[str, tuple[str, bool]]:
    """name -> (path, signed in)."""
    return {
        "home": ("/", False),
        "profile": (f"/authors/{world['author'].slug}/", False),
        "work": ("/works/1807.11269/", False),
        "work-huge-author-list": (f"/works/{world['crowd'].arxiv_id}/", False),
        "search": (f"/search/?q={LONG_QUERY}", False),
        "search-results": ("/search/?q=string+junctions", False),
        "claim": (f"/authors/{world['to_claim'].slug}/claim/", True),
        "inbox": ("/inbox/", True),
        "following": ("/following/", True),
        "digest-settings": ("/settings/digest/", True),
        "login": ("/accounts/login/", False),
        "signup": ("/accounts/signup/", False),
        "error-404": ("/authors/nobody-here/", False),
        "error-410": (f"/authors/{world['hidden'].slug}/", False),
    }


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_pages_fit_the_window_at_desktop_and_phone_widths(world, browser, live_server, viewport):
    from tests.browser.conftest import ARTIFACTS

    folder = ARTIFACTS / "layouts"
    folder.mkdir(parents=True, exist_ok=True)
    wider: dict[str, tuple[int, int]] = {}
    statuses: dict[str, int] = {}
    for signed_in in (False, True):
        context = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS[viewport])
        if signed_in:
            sign_in(context, world["owner"], live_server)
        page = context.new_page()
        page.set_default_timeout(15_000)
        for name, (path, needs_login) in pages(world).items():
            if needs_login != signed_in:
                continue
            response = page.goto(path)
            statuses[name] = response.status
            page.wait_for_load_state("load")
            widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if widths[0] > widths[1]:
                wider[name] = tuple(widths)
            page.screenshot(path=str(folder / f"{name}-{viewport}.png"), full_page=True)
        context.close()
    assert wider == {}, f"pages wider than the {viewport} window: {wider}"
    assert statuses["error-404"] == 404 and statuses["error-410"] == 410
    assert all(
        status == 200 for name, status in statuses.items() if not name.startswith("error")
    ), statuses
