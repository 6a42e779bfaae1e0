"""The slice endpoint, the explorer page and the profile panel: answers, errors, and a query count
that stays the same when the data grows."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from publications.models import Work
from publications.services import import_path
from tests.graph.test_slice import FIXTURE, HERRERO, NAJARRO

pytestmark = pytest.mark.django_db


def import_first(tmp_path, lines: int | None) -> None:
    """Import the first `lines` records of the fixture (all of them with None)."""
    records = FIXTURE.read_text().splitlines(keepends=True)
    subset = tmp_path / "subset.jsonl"
    subset.write_text("".join(records[:lines]))
    import_path(subset)


@pytest.fixture
def imported(tmp_path):
    import_first(tmp_path, None)


def test_slice_endpoint_returns_nodes_edges_and_left_out(client, imported):
    response = client.get("/api/graph/slice/", {"author": HERRERO, "limit": 10})
    assert response.status_code == 200
    data = response.json()
    assert data["centre"]["id"] == f"person:{HERRERO}"
    assert data["centre"]["url"] == f"/authors/{HERRERO}/"
    assert len(data["nodes"]) == 10 and data["limit"] == 10 and data["depth"] == 1
    assert data["left_out_total"] == sum(data["left_out"].values()) > 0
    person = next(n for n in data["nodes"] if n["kind"] == "person" and n["depth"] == 1)
    assert person["expand"] == {"author": NAJARRO} and person["url"] == f"/authors/{NAJARRO}/"
    paper = next(n for n in data["nodes"] if n["kind"] == "paper")
    assert paper["url"] == f"/works/{paper['expand']['work']}/"
    topic = next(n for n in data["nodes"] if n["kind"] == "topic")
    assert topic["url"] == f"/topics/{topic['expand']['topic']}/"
    kinds = {e["kind"] for e in data["edges"]}
    assert kinds == {"authored", "co-authored", "in topic", "affiliated"}


@pytest.mark.parametrize(
    "params, message",
    [
        ({}, "Give exactly one centre"),
        ({"author": HERRERO, "topic": "astro-ph"}, "Got author, topic"),
        ({"author": HERRERO, "depth": 3}, "less than or equal to 2"),
        ({"author": HERRERO, "depth": "deep"}, "valid integer"),
        ({"author": HERRERO, "limit": 1}, "greater than or equal to 2"),
        ({"author": HERRERO, "limit": 5000}, "less than or equal to 200"),
        ({"author": ""}, "Give exactly one centre"),
    ],
)
def test_bad_parameters_are_400_with_a_clear_message(client, imported, params, message):
    response = client.get("/api/graph/slice/", params)
    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.parametrize(
    "params, message",
    [
        ({"author": "nobody-here"}, "No author record"),
        ({"work": "9999.99999"}, "No work"),
        ({"topic": "zz.ZZ"}, "No topic"),
    ],
)
def test_unknown_centres_are_404(client, imported, params, message):
    response = client.get("/api/graph/slice/", params)
    assert response.status_code == 404
    assert message in response.json()["detail"]


@pytest.mark.parametrize(
    "params, queries",
    [
        ({"author": HERRERO}, 6),
        ({"author": HERRERO, "depth": 2}, 8),
        ({"work": "astro-ph/0602146"}, 5),
        ({"work": "astro-ph/0602146", "depth": 2}, 7),
        ({"topic": "astro-ph"}, 4),
        ({"topic": "astro-ph", "depth": 2}, 6),
    ],
)
def test_slice_query_count_is_the_same_at_two_data_sizes(
    client, tmp_path, django_assert_num_queries, params, queries
):
    import_first(tmp_path, 3)
    with django_assert_num_queries(queries):
        small = client.get("/api/graph/slice/", params)
    import_first(tmp_path, None)
    cache.clear()  # the anonymous answer is cached (the import's signal runs after commit)
    with django_assert_num_queries(queries):
        large = client.get("/api/graph/slice/", params)
    assert small.status_code == large.status_code == 200
    assert len(large.json()["nodes"]) >= len(small.json()["nodes"])
    assert Work.objects.count() == 19


def test_the_endpoint_is_in_the_openapi_schema():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/graph/slice/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {
        "author",
        "work",
        "topic",
        "depth",
        "limit",
    }
    assert "Slice" in schema["components"]["schemas"]


def test_profile_shows_the_graph_panel_loading(client, imported):
    html = client.get(f"/authors/{HERRERO}/").content.decode()
    assert "Building this graph slice" in html
    assert "See the researcher in context" in html
    assert f'href="/graph/?author={HERRERO}"' in html and "Open full explorer" in html
    assert f'data-graph-param="author" data-graph-value="{HERRERO}"' in html
    assert "/static/vendor/cytoscape/cytoscape.min.js" in html


def test_explorer_centres_on_an_author_work_or_topic(client, imported):
    response = client.get("/graph/", {"author": HERRERO})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Artemio Herrero" in html and "data-graph-explorer" in html
    assert f'{{"author": "{HERRERO}"}}' in html  # the centre handed to the script
    assert client.get("/graph/", {"work": "0708.0821"}).status_code == 200
    assert client.get("/graph/", {"topic": "astro-ph"}).status_code == 200
    assert client.get("/graph/", {"author": "nobody-here"}).status_code == 404
    assert client.get("/graph/", {"author": HERRERO, "topic": "astro-ph"}).status_code == 400


def test_explorer_search_goes_to_a_single_match_or_lists_several(client, imported):
    single = client.get("/graph/", {"q": "Najarro"}).content.decode()
    assert "data-graph-explorer" in single and f'{{"author": "{NAJARRO}"}}' in single
    by_id = client.get("/graph/", {"q": "arXiv:0708.0821v2"}).content.decode()
    assert '{"work": "0708.0821"}' in by_id
    several = client.get("/graph/", {"q": "astrophysics"}).content.decode()
    assert "Choose a centre" in several and "?topic=astro-ph.SR" in several
    nothing = client.get("/graph/", {"q": "zzzzqqq"}).content.decode()
    assert "Nothing matches" in nothing
    assert "Centre the graph on a researcher" in client.get("/graph/").content.decode()


def test_explorer_query_count_is_the_same_at_two_data_sizes(
    client, tmp_path, django_assert_num_queries
):
    import_first(tmp_path, 3)
    with django_assert_num_queries(1):
        client.get("/graph/", {"author": HERRERO})
    with django_assert_num_queries(2):  # topics, author records (3 when it looks like an arXiv id)
        client.get("/graph/", {"q": "herrero"})
    import_first(tmp_path, None)
    assert Work.objects.count() == 19
    with django_assert_num_queries(1):
        client.get("/graph/", {"author": HERRERO})
    with django_assert_num_queries(2):  # topics, author records (3 when it looks like an arXiv id)
        client.get("/graph/", {"q": "herrero"})
