"""The anonymous profile cache keys a page by the page the visitor sees: ?page=1, ?page=01 and
?page=0000001 share one entry, and page numbers past the last page store nothing."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.pages.test_profile_page import make_author_with_works

pytestmark = pytest.mark.django_db


def _page_entries() -> int:
    """Stored pages (Redis or the local memory cache of the test run)."""
    if hasattr(cache, "_cache") and hasattr(cache._cache, "get_client"):
        client = cache._cache.get_client()
        return len(list(client.scan_iter(match="*profile-page:*")))
    return sum(1 for key in cache._cache if "profile-page:" in key)


@pytest.mark.parametrize("spelling", ["01", "0000001", "1", "x", "", "-3"])
def test_spellings_of_page_one_are_served_from_page_ones_entry(
    client, django_assert_num_queries, spelling
):
    author = make_author_with_works(3)
    url = author.get_absolute_url()
    client.get(url)  # learns the record id
    client.get(url)  # stores page 1
    with django_assert_num_queries(0):
        html = client.get(f"{url}?page={spelling}").content.decode()
    assert author.display_name in html


def test_many_page_numbers_do_not_fill_the_cache(client):
    author = make_author_with_works(3)  # one page of works
    url = author.get_absolute_url()
    client.get(url)
    before = _page_entries()
    for number in ["1", "01", "001", "0001", "2", "3", "999", "10000", "99999999"]:
        assert client.get(f"{url}?page={number}").status_code == 200
    assert _page_entries() - before == 1  # page 1 only
