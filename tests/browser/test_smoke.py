"""The browser harness itself: a real Chromium opens a publication page served by the live server."""

import pytest

from publications.services import import_path
from tests.conftest import ARXIV

pytestmark = pytest.mark.django_db(transaction=True)


def test_publication_page_in_chromium(page, screenshot):
    import_path(ARXIV / "oai" / "arXivRaw" / "ListRecordsResponse.xml")
    page.goto("/works/0704.0716/")
    assert page.locator("h1").inner_text() == "Limit distributions and scaling functions"
    assert page.locator("ol.versions li").count() == 4
    assert screenshot("smoke-work").stat().st_size > 1000
