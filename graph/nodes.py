"""Building blocks of graph slices: nodes made from database rows (with their page addresses),
each kind's ranked candidates, and a set of edges without duplicates. No queries here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.urls import NoReverseMatch, reverse

from graph import queries
from graph.slicing import INSTITUTION, PAPER, PERSON, TOPIC, Edge, Node, node_id


def year_of(value: datetime | None) -> int | None:
    return value.year if value else None


def person_node(
    slug: str, name: str, *, depth: int, weight: int = 1, year: int | None = None
) -> Node:
    return Node(
        id=node_id(PERSON, slug),
        kind=PERSON,
        label=name,
        url=reverse("profiles:author", kwargs={"slug": slug}),
        depth=depth,
        weight=weight,
        year=year,
        expand_param="author",
        expand_value=slug,
    )


def paper_node(arxiv_id: str, title: str, *, depth: int, year: int | None) -> Node:
    return Node(
        id=node_id(PAPER, arxiv_id),
        kind=PAPER,
        label=" ".join(title.split()),
        url=reverse("publications:work", kwargs={"arxiv_id": arxiv_id}),
        depth=depth,
        year=year,
        expand_param="work",
        expand_value=arxiv_id,
    )


def topic_url(code: str) -> str:
    try:
        return reverse("publications:topic", kwargs={"code": code})
    except NoReverseMatch:  # a code outside the topic route's pattern keeps the fixed address
        return f"/topics/{code}/"


def topic_node(
    code: str, name: str, *, depth: int, weight: int = 1, year: int | None = None
) -> Node:
    return Node(
        id=node_id(TOPIC, code),
        kind=TOPIC,
        label=f"{code} · {name}" if name else code,
        url=topic_url(code),
        depth=depth,
        weight=weight,
        year=year,
        expand_param="topic",
        expand_value=code,
    )


def institution_node(pk: int, name: str, *, depth: int, weight: int, year: int | None) -> Node:
    # Institutions have no page yet: the node shows its name and links people, nothing more.
    return Node(
        id=node_id(INSTITUTION, pk),
        kind=INSTITUTION,
        label=name,
        url="",
        depth=depth,
        weight=weight,
        year=year,
    )


@dataclass
class Candidates:
    """A kind's ranked candidates as nodes (with the database ids the edges need)."""

    kind: str
    nodes: list[Node]
    pks: list  # database id (people, papers, institutions) or topic code, parallel to nodes
    total: int
    extra: list  # per node: primary topic code (papers) or linked seed ids (second-ring people)


def person_candidates(ranked: queries.Ranked, *, depth: int, weighted: bool = True) -> Candidates:
    nodes, pks, extra = [], [], []
    for row in ranked.rows:
        pk, slug, name = row[0], row[1], row[2]
        weight = row[3] if weighted else 1
        year = year_of(row[4]) if weighted else None
        nodes.append(person_node(slug, name, depth=depth, weight=weight, year=year))
        pks.append(pk)
        extra.append(row[5] if len(row) > 5 else None)
    return Candidates(PERSON, nodes, pks, ranked.total, extra)


def paper_candidates(
    ranked: queries.Ranked, *, depth: int, topic_code: str | None = None
) -> Candidates:
    nodes = [paper_node(r[1], r[2], depth=depth, year=year_of(r[3])) for r in ranked.rows]
    return Candidates(
        PAPER,
        nodes,
        [r[0] for r in ranked.rows],
        ranked.total,
        [r[4] or topic_code for r in ranked.rows],
    )


def topic_candidates(ranked: queries.Ranked, *, depth: int, weighted: bool = True) -> Candidates:
    nodes = [
        topic_node(
            r[0],
            r[1],
            depth=depth,
            weight=r[2] if weighted else 1,
            year=year_of(r[3]) if weighted else None,
        )
        for r in ranked.rows
    ]
    return Candidates(TOPIC, nodes, [r[0] for r in ranked.rows], ranked.total, [None] * len(nodes))


def institution_candidates(
    ranked: queries.Ranked, *, depth: int, year: int | None = None
) -> Candidates:
    nodes = [
        institution_node(
            r[0],
            r[1],
            depth=depth,
            weight=r[2],
            year=year_of(r[3]) if len(r) > 3 and isinstance(r[3], datetime) else year,
        )
        for r in ranked.rows
    ]
    return Candidates(
        INSTITUTION, nodes, [r[0] for r in ranked.rows], ranked.total, [None] * len(nodes)
    )


def no_candidates(kind: str) -> Candidates:
    return Candidates(kind, [], [], 0, [])


def take(candidates: Iterable[Candidates], counts: dict[str, int]) -> dict[str, Candidates]:
    taken = {}
    for c in candidates:
        n = counts.get(c.kind, 0)
        taken[c.kind] = Candidates(c.kind, c.nodes[:n], c.pks[:n], c.total, c.extra[:n])
    return taken


class EdgeSet:
    def __init__(self) -> None:
        self._edges: dict[tuple[str, str, str], int] = {}

    def add(self, source: str, target: str, kind: str, weight: int = 1) -> None:
        key = (source, target, kind)
        self._edges[key] = max(self._edges.get(key, 0), weight)

    def bump(self, source: str, target: str, kind: str) -> None:
        key = (source, target, kind)
        self._edges[key] = self._edges.get(key, 0) + 1

    def as_list(self) -> list[Edge]:
        return [Edge(s, t, k, w) for (s, t, k), w in self._edges.items()]
