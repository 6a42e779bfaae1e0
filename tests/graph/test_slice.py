"""Graph slices checked against the authorship data of real arXiv records (astro-ph works of
Artemio Herrero and Francisco Najarro, tests/data/arxiv/graph-herrero-najarro.jsonl)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

import pytest
from django.http import Http404

from graph.selectors import graph_slice
from publications.models import Author, Authorship, Work
from publications.services import import_path
from tests.conftest import ARXIV

pytestmark = pytest.mark.django_db

FIXTURE = ARXIV / "graph-herrero-najarro.jsonl"
HERRERO = "artemio-herrero"
NAJARRO = "francisco-najarro"


@pytest.fixture
def imported():
    import_path(FIXTURE)


def authorship_data():
    """Every visible authorship as (author slug, arXiv id, institution name), straight from the ORM."""
    return [
        (a.author.slug, a.work.arxiv_id, a.institution.name if a.institution else None)
        for a in Authorship.objects.filter(work__hidden=False).select_related(
            "author", "work", "institution"
        )
    ]


def expected_around(slug: str) -> dict:
    """The first ring of an author record computed in Python from the authorships."""
    rows = authorship_data()
    works = {w for s, w, _ in rows if s == slug}
    shared = Counter()
    for coauthor, _work in {(s, w) for s, w, _ in rows if w in works and s != slug}:
        shared[coauthor] += 1
    topics = Counter(
        Work.objects.filter(arxiv_id__in=works).values_list("primary_topic__code", flat=True)
    )
    institutions = Counter()
    for _slug, _work, inst in {(s, w, i) for s, w, i in rows if s == slug and i}:
        institutions[inst] += 1
    return {"people": shared, "papers": works, "topics": topics, "institutions": institutions}


def of_kind(graph, kind, depth=1):
    return [n for n in graph.nodes if n.kind == kind and n.depth == depth]


def test_first_ring_matches_the_authorship_data(imported):
    expected = expected_around(HERRERO)
    graph = graph_slice(author=HERRERO, limit=200)

    assert graph.centre.id == f"person:{HERRERO}" and graph.nodes[0] == graph.centre
    people = {n.expand_value: n.weight for n in of_kind(graph, "person")}
    assert people == dict(expected["people"])
    assert len(people) == 44
    assert {n.expand_value for n in of_kind(graph, "paper")} == expected["papers"]
    assert {n.expand_value: n.weight for n in of_kind(graph, "topic")} == dict(expected["topics"])
    assert sorted((n.label, n.weight) for n in of_kind(graph, "institution")) == sorted(
        expected["institutions"].items()
    )
    assert graph.left_out == {"person": 0, "paper": 0, "topic": 0, "institution": 0}
    # Each person links to the papers of this slice they are authors of, and to nothing invented.
    authored = {(e.source, e.target) for e in graph.edges if e.kind == "authored"}
    rows = authorship_data()
    truth = {(f"person:{s}", f"paper:{w}") for s, w, _ in rows if w in expected["papers"]}
    assert authored == truth
    co = {e.target: e.weight for e in graph.edges if e.kind == "co-authored"}
    assert co == {f"person:{s}": n for s, n in expected["people"].items()}
    assert len({n.id for n in graph.nodes}) == len(graph.nodes)


def test_people_are_ranked_by_shared_works_then_recency(imported):
    graph = graph_slice(author=HERRERO, limit=200)
    people = of_kind(graph, "person")
    assert people[0].expand_value == NAJARRO and people[0].weight == 4
    keys = [(-n.weight, -(n.year or 0)) for n in people]
    assert keys == sorted(keys)


def test_the_cap_holds_and_the_left_out_count_is_exact(imported):
    expected = expected_around(HERRERO)
    totals = {
        "person": len(expected["people"]),
        "paper": len(expected["papers"]),
        "topic": len(expected["topics"]),
        "institution": len(expected["institutions"]),
    }
    for limit in (2, 10, 25, 60):
        graph = graph_slice(author=HERRERO, limit=limit)
        assert len(graph.nodes) == min(limit, 1 + sum(totals.values()))
        shown = Counter(n.kind for n in graph.nodes if n.depth == 1)
        assert graph.left_out == {k: totals[k] - shown[k] for k in totals}
        assert graph.left_out_total == sum(totals.values()) - (len(graph.nodes) - 1)
        # What is shown is the top of the ranking: the best co-author always makes it in.
        assert of_kind(graph, "person")[0].expand_value == NAJARRO
        node_ids = {n.id for n in graph.nodes}
        assert all(e.source in node_ids and e.target in node_ids for e in graph.edges)


def test_hidden_works_never_appear(imported):
    work = Work.objects.get(arxiv_id="1311.5087")
    only_here = set(
        Authorship.objects.filter(work=work).values_list("author__slug", flat=True)
    ) - set(
        Authorship.objects.filter(work__authorships__author__slug=HERRERO)
        .exclude(work=work)
        .values_list("author__slug", flat=True)
    )
    assert len(only_here) == 10
    before = graph_slice(author=HERRERO, limit=200)
    assert "paper:1311.5087" in {n.id for n in before.nodes}
    assert only_here <= {n.expand_value for n in of_kind(before, "person")}

    Work.objects.filter(pk=work.pk).update(hidden=True)
    for depth in (1, 2):
        graph = graph_slice(author=HERRERO, limit=200, depth=depth)
        assert "paper:1311.5087" not in {n.id for n in graph.nodes}
        assert not any("paper:1311.5087" in (e.source, e.target) for e in graph.edges)
        assert not only_here & {n.expand_value for n in of_kind(graph, "person")}
        assert graph.left_out_total == 0
    assert graph_slice(author=HERRERO, limit=200).left_out == {
        "person": 0,
        "paper": 0,
        "topic": 0,
        "institution": 0,
    }
    with pytest.raises(Http404):
        graph_slice(work="1311.5087")


def test_depth_two_reaches_the_top_people_s_other_coauthors(imported):
    first = expected_around(HERRERO)
    najarro = expected_around(NAJARRO)
    graph = graph_slice(author=HERRERO, depth=2, limit=200)
    ring2_people = {n.expand_value for n in of_kind(graph, "person", depth=2)}
    # Najarro's co-authors who never wrote with Herrero are the second ring (Najarro is a seed).
    assert ring2_people == set(najarro["people"]) - set(first["people"]) - {HERRERO}
    ring2_papers = {n.expand_value for n in of_kind(graph, "paper", depth=2)}
    assert ring2_papers == najarro["papers"] - first["papers"]
    assert {n.id for n in graph.nodes if n.depth == 1} == {
        n.id for n in graph_slice(author=HERRERO, limit=200).nodes if n.depth == 1
    }
    for node in of_kind(graph, "person", depth=2):
        assert any(
            e.kind == "co-authored" and e.target == node.id and e.source != graph.centre.id
            for e in graph.edges
        )
    assert graph.left_out_total == 0

    capped = graph_slice(author=HERRERO, depth=2, limit=30)
    assert len(capped.nodes) == 30
    assert any(n.depth == 2 for n in capped.nodes)
    all_candidates = len(graph.nodes) - 1
    assert capped.left_out_total == all_candidates - 29


def test_work_centre_lists_authors_in_printed_order_topics_and_institutions(imported):
    work = Work.objects.get(arxiv_id="astro-ph/0602146")
    graph = graph_slice(work="arXiv:astro-ph/0602146v2")
    assert graph.centre.id == "paper:astro-ph/0602146"
    people = [n.expand_value for n in of_kind(graph, "person")]
    assert people == list(
        Authorship.objects.filter(work=work)
        .order_by("position")
        .values_list("author__slug", flat=True)
    )
    topics = [n.expand_value for n in of_kind(graph, "topic")]
    assert topics[0] == work.primary_topic.code
    assert set(topics) == set(work.topics.values_list("code", flat=True)) | {
        work.primary_topic.code
    }
    institutions = {n.label for n in of_kind(graph, "institution")}
    assert institutions == set(
        Authorship.objects.filter(work=work, institution__isnull=False).values_list(
            "institution__name", flat=True
        )
    )
    assert {e.source for e in graph.edges if e.kind == "authored"} == {
        f"person:{s}" for s in people
    }


def test_topic_centre_lists_its_newest_papers_and_their_authors(imported):
    code = Work.objects.get(arxiv_id="0708.0821").primary_topic.code
    in_topic = Work.objects.filter(primary_topic__code=code).order_by("-first_submitted")
    graph = graph_slice(topic=code, limit=6)
    papers = [n.expand_value for n in of_kind(graph, "paper")]
    assert papers == list(in_topic.values_list("arxiv_id", flat=True)[: len(papers)])
    assert graph.left_out["paper"] == in_topic.count() - len(papers)
    authors = set(
        Authorship.objects.filter(work__in=in_topic).values_list("author__slug", flat=True)
    )
    assert {n.expand_value for n in of_kind(graph, "person")} <= authors
    assert graph.left_out["person"] == len(authors) - len(of_kind(graph, "person"))


def test_a_merged_record_shows_the_graph_of_the_record_it_was_merged_into(imported):
    target = Author.objects.get(slug=HERRERO)
    old = Author.objects.create(
        display_name="A. Herrero", name_key="a herrero", slug="a-herrero", merged_into=target
    )
    assert graph_slice(author=old.slug).centre.id == f"person:{HERRERO}"


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"author": HERRERO, "work": "0708.0821"},
        {"author": HERRERO, "depth": 3},
        {"author": HERRERO, "limit": 1},
        {"author": HERRERO, "limit": 1000},
    ],
)
def test_bad_arguments_raise(imported, kwargs):
    with pytest.raises(ValueError):
        graph_slice(**kwargs)


@pytest.mark.parametrize(
    "kwargs", [{"author": "nobody"}, {"work": "9999.99999"}, {"topic": "xx.YY"}]
)
def test_unknown_centres_are_404(imported, kwargs):
    with pytest.raises(Http404):
        graph_slice(**kwargs)


def test_the_slice_is_json_serialisable_through_the_api(client, imported):
    data = client.get("/api/graph/slice/", {"author": HERRERO, "limit": 12}).json()
    assert json.dumps(data)
    by_id = defaultdict(list)
    for node in data["nodes"]:
        by_id[node["id"]].append(node)
    assert len(by_id) == len(data["nodes"]) == 12
