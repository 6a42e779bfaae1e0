"""The anonymous full-page cache of the profile (bzpeer/page_cache.py): served with no query,
to signed-in users with their own state (tests/pages/test_signed_in_pages.py), and dropped by
every change a visitor could see."""

from __future__ import annotations

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory

from graph.services import recompute_authors
from profiles.claims import claim_approve
from profiles.follows import follow_author
from publications.curation import merge_authors
from publications.models import Author
from tests.factories import (
    AuthorshipFactory,
    ClaimFactory,
    CuratorFactory,
    UserFactory,
    WorkFactory,
)
from tests.pages.test_profile_page import make_author_with_works

pytestmark = pytest.mark.django_db


def anonymous_view(client, author) -> str:
    response = client.get(author.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def warm(client, author) -> None:
    """The first anonymous view learns the record id, the second stores the page."""
    anonymous_view(client, author)
    anonymous_view(client, author)


def test_a_cached_anonymous_profile_is_served_without_queries(client, django_assert_num_queries):
    author = make_author_with_works(30)
    warm(client, author)
    with django_assert_num_queries(0):
        html = anonymous_view(client, author)
    assert author.display_name in html and "csrfmiddlewaretoken" not in html
    client.get(f"{author.get_absolute_url()}?page=2")  # each page of works has its own entry
    with django_assert_num_queries(0):
        html = client.get(f"{author.get_absolute_url()}?page=2").content.decode()
    assert '<ol class="works" start="21">' in html


def test_signed_in_users_get_their_own_state_on_the_cached_page(client):
    author = make_author_with_works(3)
    warm(client, author)
    user = UserFactory(username="reader")
    client.force_login(user)
    html = client.get(author.get_absolute_url()).content.decode()
    assert "Log out reader" in html and "csrfmiddlewaretoken" in html
    follow_author(user=user, author=author)
    assert "Following · Unfollow" in client.get(author.get_absolute_url()).content.decode()


def test_other_query_parameters_bypass_the_cache(client, django_assert_num_queries):
    author = make_author_with_works(3)
    warm(client, author)
    html = client.get(f"{author.get_absolute_url()}?q=halo").content.decode()
    assert 'value="halo"' in html


def test_a_follow_shows_at_once_to_visitors(client, django_capture_on_commit_callbacks):
    author = make_author_with_works(3)
    warm(client, author)
    assert "<strong data-followers-count>0</strong>" in anonymous_view(client, author)
    with django_capture_on_commit_callbacks(execute=True):
        follow_author(user=UserFactory(), author=author)
    assert "<strong data-followers-count>1</strong>" in anonymous_view(client, author)


def test_a_claim_approval_shows_at_once_to_visitors(client, django_capture_on_commit_callbacks):
    author = make_author_with_works(3)
    claim = ClaimFactory(author=author)
    warm(client, author)
    assert "Unclaimed author" in anonymous_view(client, author)
    with django_capture_on_commit_callbacks(execute=True):
        claim_approve(claim=claim, reviewer=CuratorFactory())
    html = anonymous_view(client, author)
    assert "Unclaimed author" not in html and "Log in to claim" not in html


def test_a_recompute_shows_at_once_to_visitors(client, django_capture_on_commit_callbacks):
    author = make_author_with_works(3)
    warm(client, author)
    AuthorshipFactory(author=author, work=WorkFactory(title="A work the recompute counts"))
    # No signal: only the recompute rewrites the stored counters, and it drops the cached page.
    with django_capture_on_commit_callbacks(execute=True):
        recompute_authors([author.pk])
    assert Author.objects.get(pk=author.pk).works_count == 4
    html = anonymous_view(client, author)
    assert 'data-count="works">4<' in html and "A work the recompute counts" in html


def test_a_curation_merge_shows_at_once_to_visitors(client, django_capture_on_commit_callbacks):
    kept, merged = make_author_with_works(3), make_author_with_works(2)
    warm(client, kept)
    warm(client, merged)
    with django_capture_on_commit_callbacks(execute=True):
        merge_authors(kept_id=kept.pk, merged_ids=[merged.pk], actor=CuratorFactory())
    assert 'data-count="works">5<' in anonymous_view(client, kept)
    response = client.get(merged.get_absolute_url())
    assert response.status_code == 301 and response["Location"] == kept.get_absolute_url()


def test_a_page_with_a_message_to_show_is_not_served_from_the_cache(client):
    author = make_author_with_works(3)
    warm(client, author)
    storage = CookieStorage(RequestFactory().get("/"))
    client.cookies[storage.cookie_name] = storage._encode(
        [Message(constants.SUCCESS, "Welcome back")]
    )
    assert "Welcome back" in anonymous_view(client, author)
