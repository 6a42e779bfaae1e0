"""The profile's "why this score" panel: stored components, the flag and a bounded trend."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from graph import services
from graph.models import ScoreChange
from profiles.models import Follow
from publications.models import Author
from publications.services import import_path
from tests.conftest import ARXIV
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported():
    import_path(ARXIV / "astro-ph-coauthors.jsonl")
    services.recompute_all()


def test_panel_shows_each_component_with_the_fact_behind_it(client, imported):
    smoller = Author.objects.get(slug="joel-smoller")
    html = client.get("/authors/joel-smoller/").content.decode()
    assert f"Why {smoller.trust_score}?" in html
    assert "6 works · 0 followers · 4 topics · 2 close collaborators" in html
    assert "L1 · imported from arXiv, unclaimed" in html
    assert "6 works over 12 years (1998–2009)" in html
    assert "2 close collaborators, 0 verified" in html
    assert "May combine several researchers." in html
    assert "Trend: <span" in html


def test_unflagged_record_has_no_flag_and_an_unscored_one_says_so(client, imported):
    html = client.get("/authors/yun-soo-myung/").content.decode()
    assert "May combine several researchers" not in html
    assert "4 close collaborators" in html
    Author.objects.filter(slug="yun-soo-myung").update(trust_components={})
    assert "Not scored yet" in client.get("/authors/yun-soo-myung/").content.decode()


def test_trend_follows_score_changes_and_is_bounded(client, imported):
    author = Author.objects.get(slug="yun-soo-myung")
    first = author.trust_score
    for n in range(12):
        ScoreChange.objects.create(author=author, score=n, tier="Emerging", formula_version=1)
    html = client.get("/authors/yun-soo-myung/").content.decode()
    trend = html.split("Trend:")[1].split("</p>")[0]
    assert trend.count("<span") == 8
    assert f">{first}<" not in trend and ">11</span>" in trend


def test_profile_query_count_does_not_grow_with_the_data(
    client, imported, django_assert_num_queries
):
    cache.clear()
    with CaptureQueriesContext(connection) as small:
        assert client.get("/authors/yun-soo-myung/").status_code == 200
    author = Author.objects.get(slug="yun-soo-myung")
    for user in UserFactory.create_batch(5):
        Follow.objects.create(user=user, author=author)
    import_path(ARXIV / "abs-current-30.jsonl")
    services.recompute_all()
    for n in range(20):
        ScoreChange.objects.create(author=author, score=n, tier="Emerging", formula_version=1)
    cache.clear()  # compare cold pages: the first one was rendered with empty caches too
    with django_assert_num_queries(len(small)):
        response = client.get("/authors/yun-soo-myung/")
    assert "5 followers" in response.content.decode()
