"""Reads behind the research graph: slices around an author record, a work or a topic, and the
explorer's search for a centre. Each selector states its query budget.

A slice is ranked and capped in SQL: each kind of neighbour is one set-based query ordered by
relevance (shared works, then recency) with a LIMIT and a window count of what matched, so the cost
depends on the centre's own works, never on the number of nodes returned. Hidden works never
appear, and never link anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from django.http import Http404
from django.urls import NoReverseMatch, reverse

from graph import queries
from graph.slicing import (
    AFFILIATED,
    AUTHORED,
    CO_AUTHORED,
    DEFAULT_LIMIT,
    DEPTH1_SHARES,
    DEPTH2_FRACTION,
    DEPTH2_SEEDS,
    DEPTH2_SHARES,
    IN_TOPIC,
    INSTITUTION,
    MAX_DEPTH,
    MAX_LIMIT,
    MIN_LIMIT,
    PAPER,
    PERSON,
    TOPIC,
    Edge,
    Node,
    Slice,
    allocate,
    node_id,
)
from profiles.models import Author
from profiles.names import name_key
from publications.models import Topic, Work

ARXIV_ID = re.compile(r"^(?:arxiv:)?([a-z\-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})(?:v\d+)?$", re.I)


# --- nodes -------------------------------------------------------------------------------------


def _year(value: datetime | None) -> int | None:
    return value.year if value else None


def _person(slug: str, name: str, *, depth: int, weight: int = 1, year: int | None = None) -> Node:
    return Node(
        id=node_id(PERSON, slug), kind=PERSON, label=name,
        url=reverse("profiles:author", kwargs={"slug": slug}),
        depth=depth, weight=weight, year=year, expand_param="author", expand_value=slug,
    )


def _paper(arxiv_id: str, title: str, *, depth: int, year: int | None) -> Node:
    return Node(
        id=node_id(PAPER, arxiv_id), kind=PAPER, label=" ".join(title.split()),
        url=reverse("publications:work", kwargs={"arxiv_id": arxiv_id}),
        depth=depth, year=year, expand_param="work", expand_value=arxiv_id,
    )


def _topic_url(code: str) -> str:
    try:
        return reverse("publications:topic", kwargs={"code": code})
    except NoReverseMatch:  # the topic pages are built by another issue; the address is fixed
        return f"/topics/{code}/"


def _topic(code: str, name: str, *, depth: int, weight: int = 1, year: int | None = None) -> Node:
    return Node(
        id=node_id(TOPIC, code), kind=TOPIC, label=f"{code} · {name}" if name else code,
        url=_topic_url(code), depth=depth, weight=weight, year=year,
        expand_param="topic", expand_value=code,
    )


def _institution(pk: int, name: str, *, depth: int, weight: int, year: int | None) -> Node:
    # Institutions have no page yet: the node shows its name and links people, nothing more.
    return Node(id=node_id(INSTITUTION, pk), kind=INSTITUTION, label=name, url="",
                depth=depth, weight=weight, year=year)


# --- assembling a slice ------------------------------------------------------------------------


@dataclass
class _Candidates:
    """A kind's ranked candidates as nodes (with the database ids the edges need)."""

    kind: str
    nodes: list[Node]
    pks: list  # database id (people, papers, institutions) or topic code, parallel to nodes
    total: int
    extra: list  # per node: primary topic code (papers) or linked seed ids (second-ring people)


def _person_candidates(ranked: queries.Ranked, *, depth: int, weighted: bool = True) -> _Candidates:
    nodes, pks, extra = [], [], []
    for row in ranked.rows:
        pk, slug, name = row[0], row[1], row[2]
        weight = row[3] if weighted else 1
        year = _year(row[4]) if weighted else None
        nodes.append(_person(slug, name, depth=depth, weight=weight, year=year))
        pks.append(pk)
        extra.append(row[5] if len(row) > 5 else None)
    return _Candidates(PERSON, nodes, pks, ranked.total, extra)


def _paper_candidates(ranked: queries.Ranked, *, depth: int, topic_code: str | None = None) -> _Candidates:
    nodes = [_paper(r[1], r[2], depth=depth, year=_year(r[3])) for r in ranked.rows]
    return _Candidates(PAPER, nodes, [r[0] for r in ranked.rows], ranked.total,
                       [r[4] or topic_code for r in ranked.rows])


def _topic_candidates(ranked: queries.Ranked, *, depth: int, weighted: bool = True) -> _Candidates:
    nodes = [
        _topic(r[0], r[1], depth=depth, weight=r[2] if weighted else 1,
               year=_year(r[3]) if weighted else None)
        for r in ranked.rows
    ]
    return _Candidates(TOPIC, nodes, [r[0] for r in ranked.rows], ranked.total, [None] * len(nodes))


def _institution_candidates(ranked: queries.Ranked, *, depth: int, year: int | None = None) -> _Candidates:
    nodes = [
        _institution(r[0], r[1], depth=depth, weight=r[2],
                     year=_year(r[3]) if len(r) > 3 and isinstance(r[3], datetime) else year)
        for r in ranked.rows
    ]
    return _Candidates(INSTITUTION, nodes, [r[0] for r in ranked.rows], ranked.total,
                       [None] * len(nodes))


def _empty(kind: str) -> _Candidates:
    return _Candidates(kind, [], [], 0, [])


def _take(candidates: Iterable[_Candidates], counts: dict[str, int]) -> dict[str, _Candidates]:
    taken = {}
    for c in candidates:
        n = counts.get(c.kind, 0)
        taken[c.kind] = _Candidates(c.kind, c.nodes[:n], c.pks[:n], c.total, c.extra[:n])
    return taken


class _Edges:
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


def _check_arguments(author: str | None, work: str | None, topic: str | None, depth: int, limit: int) -> None:
    given = [name for name, value in (("author", author), ("work", work), ("topic", topic)) if value]
    if len(given) != 1:
        raise ValueError("Give exactly one centre: author, work or topic.")
    if not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must be 1 or {MAX_DEPTH}.")
    if not MIN_LIMIT <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between {MIN_LIMIT} and {MAX_LIMIT}.")


def _author_centre(slug: str) -> Author:
    try:
        author = Author.objects.select_related("merged_into").get(slug=slug.strip())
    except Author.DoesNotExist:
        raise Http404(f"No author record {slug!r}.") from None
    # A merged record's URL redirects to the record it was merged into; so does its graph.
    return author.merged_into or author


def _work_centre(arxiv_id: str) -> Work:
    match = ARXIV_ID.match(arxiv_id.strip())
    key = match.group(1) if match else arxiv_id.strip()
    try:
        return Work.objects.visible().get(arxiv_id=key)
    except Work.DoesNotExist:
        raise Http404(f"No work with arXiv id {arxiv_id!r}.") from None


def _topic_centre(code: str) -> Topic:
    try:
        return Topic.objects.get(code=code.strip())
    except Topic.DoesNotExist:
        raise Http404(f"No topic {code!r}.") from None


def graph_slice(
    *,
    author: str | None = None,
    work: str | None = None,
    topic: str | None = None,
    depth: int = 1,
    limit: int = DEFAULT_LIMIT,
) -> Slice:
    """The research graph around one author record (slug), work (arXiv id) or topic (code).

    Nodes are people, papers, topics and institutions; edges are authored (person → paper),
    co-authored (person → person), in topic (paper or person → topic) and affiliated
    (person or paper → institution). At most `limit` nodes, centre included; each kind is ranked
    in SQL (shared works, then recency) and the places are shared between kinds by
    `graph.slicing.allocate`; `left_out` counts, per kind, the neighbours within `depth` that did
    not fit. Depth 2 adds a second ring of people and papers reached through the first ring's
    top-ranked people (at most DEPTH2_SEEDS of them).

    Query budget, fixed whatever the data: author centre 6 (centre, people, papers, topics,
    institutions, links), work centre 5 (centre, people, topics, institutions, links), topic
    centre 4 (centre, papers, people, links); depth 2 adds 2 (second-ring people and papers).
    A slice with no people skips the queries that would start from them.
    Raises ValueError for bad arguments and Http404 for an unknown (or hidden) centre.
    """
    _check_arguments(author, work, topic, depth, limit)
    fetch = limit  # no kind can get more places than the whole slice
    edges = _Edges()

    if author:
        record = _author_centre(author)
        centre_kind, centre_pk = "author", record.pk
        centre = _person(record.slug, record.display_name, depth=0, year=record.last_year)
        ring1 = [
            _person_candidates(queries.people_of_author(record.pk, fetch), depth=1),
            _paper_candidates(queries.papers_of_author(record.pk, fetch), depth=1),
            _topic_candidates(queries.topics_of_author(record.pk, fetch), depth=1),
            _institution_candidates(queries.institutions_of_author(record.pk, fetch), depth=1),
        ]
        centre_person_pk: int | None = record.pk
        centre_paper_pk: int | None = None
    elif work:
        record = _work_centre(work)
        centre_kind, centre_pk = "work", record.pk
        centre = _paper(record.arxiv_id, record.title, depth=0, year=_year(record.first_submitted))
        year = centre.year
        people = _person_candidates(queries.people_of_work(record.pk, fetch), depth=1, weighted=False)
        people.nodes = [replace(n, year=year) for n in people.nodes]
        ring1 = [
            people,
            _empty(PAPER),
            _topic_candidates(queries.topics_of_work(record.pk, fetch), depth=1, weighted=False),
            _institution_candidates(queries.institutions_of_work(record.pk, fetch), depth=1, year=year),
        ]
        centre_person_pk, centre_paper_pk = None, record.pk
    else:
        record = _topic_centre(topic or "")
        centre_kind, centre_pk = "topic", record.pk
        centre = _topic(record.code, record.name, depth=0)
        ring1 = [
            _person_candidates(queries.people_of_topic(record.pk, fetch), depth=1),
            _paper_candidates(queries.papers_of_topic(record.pk, fetch), depth=1, topic_code=record.code),
            _empty(TOPIC),
            _empty(INSTITUTION),
        ]
        centre_person_pk = centre_paper_pk = None

    budget = limit - 1
    available1 = {c.kind: len(c.nodes) for c in ring1}
    ring2: list[_Candidates] = []
    if depth == 1:
        counts1 = allocate(budget, available1, DEPTH1_SHARES)
    else:
        budget2 = int(budget * DEPTH2_FRACTION)
        counts1 = allocate(budget - budget2, available1, DEPTH1_SHARES)
        seeds = ring1[0].pks[: min(DEPTH2_SEEDS, counts1[PERSON])]
        if seeds:
            ring2 = [
                _person_candidates(queries.people_of_seeds(centre_kind, centre_pk, seeds, fetch), depth=2),
                _paper_candidates(queries.papers_of_seeds(centre_kind, centre_pk, seeds, fetch), depth=2),
            ]
            counts2 = allocate(
                budget - sum(counts1.values()), {c.kind: len(c.nodes) for c in ring2}, DEPTH2_SHARES
            )
            # Places the second ring does not use go back to the first (allocation only grows).
            counts1 = allocate(budget - sum(counts2.values()), available1, DEPTH1_SHARES)
            ring2 = list(_take(ring2, counts2).values())
        else:
            counts1 = allocate(budget, available1, DEPTH1_SHARES)

    shown1 = _take(ring1, counts1)
    left_out = {kind: c.total - len(shown1[kind].nodes) for kind, c in zip(available1, ring1, strict=True)}
    for c in ring2:
        left_out[c.kind] += c.total - len(c.nodes)

    nodes = [centre]
    person_ids: dict[int, str] = {}
    paper_ids: dict[int, str] = {}
    institution_ids: dict[int, str] = {}
    topic_ids: dict[str, str] = {}
    if centre_person_pk:
        person_ids[centre_person_pk] = centre.id
    if centre_paper_pk:
        paper_ids[centre_paper_pk] = centre.id
    for c in [*shown1.values(), *ring2]:
        nodes.extend(c.nodes)
        target = {PERSON: person_ids, PAPER: paper_ids, INSTITUTION: institution_ids, TOPIC: topic_ids}[c.kind]
        for pk, node in zip(c.pks, c.nodes, strict=True):
            target[pk] = node.id

    # Edges from the centre to its first ring.
    for node in shown1[PERSON].nodes:
        if centre.kind == PERSON:
            edges.add(centre.id, node.id, CO_AUTHORED, node.weight)
        elif centre.kind == PAPER:
            edges.add(node.id, centre.id, AUTHORED)
        else:
            edges.add(node.id, centre.id, IN_TOPIC, node.weight)
    for node in shown1[PAPER].nodes:
        edges.add(node.id if centre.kind == TOPIC else centre.id,
                  centre.id if centre.kind == TOPIC else node.id,
                  IN_TOPIC if centre.kind == TOPIC else AUTHORED)
    for node in shown1[TOPIC].nodes:
        edges.add(centre.id, node.id, IN_TOPIC, node.weight)
    for node in shown1[INSTITUTION].nodes:
        edges.add(centre.id, node.id, AFFILIATED, node.weight)
    # Papers to their primary topic, when it is shown.
    for c in [shown1[PAPER], *[r for r in ring2 if r.kind == PAPER]]:
        for node, code in zip(c.nodes, c.extra, strict=True):
            if code in topic_ids and topic_ids[code] != node.id:
                edges.add(node.id, topic_ids[code], IN_TOPIC)
    # Second-ring people to the seeds they worked with.
    for c in ring2:
        if c.kind == PERSON:
            for node, seed_pks in zip(c.nodes, c.extra, strict=True):
                for seed in seed_pks or ():
                    if seed in person_ids:
                        edges.add(person_ids[seed], node.id, CO_AUTHORED)
    # Authorship and affiliation links among everything shown.
    if person_ids:
        seen_affiliations: set[tuple[int, int, int]] = set()
        for author_pk, work_pk, institution_pk in queries.links(person_ids, paper_ids, institution_ids):
            person = person_ids.get(author_pk)
            if person is None:
                continue
            if work_pk in paper_ids:
                edges.add(person, paper_ids[work_pk], AUTHORED)
            if (institution_pk in institution_ids and person != centre.id
                    and (author_pk, work_pk, institution_pk) not in seen_affiliations):
                seen_affiliations.add((author_pk, work_pk, institution_pk))
                edges.bump(person, institution_ids[institution_pk], AFFILIATED)

    return Slice(centre=centre, depth=depth, limit=limit, nodes=nodes, edges=edges.as_list(),
                 left_out=left_out)


# --- the explorer's centre ---------------------------------------------------------------------


def graph_centre_get(*, author: str | None = None, work: str | None = None,
                     topic: str | None = None) -> Node:
    """The node a slice would be centred on. 1 query; Http404 when unknown, ValueError unless
    exactly one of the arguments is given."""
    _check_arguments(author, work, topic, 1, DEFAULT_LIMIT)
    if author:
        record = _author_centre(author)
        return _person(record.slug, record.display_name, depth=0)
    if work:
        paper = _work_centre(work)
        return _paper(paper.arxiv_id, paper.title, depth=0, year=_year(paper.first_submitted))
    found = _topic_centre(topic or "")
    return _topic(found.code, found.name, depth=0)


def graph_centre_search(*, q: str, limit: int = 10) -> list[Node]:
    """Centres matching a search box entry: a work by arXiv id, topics by code or name, author
    records by name (most works first). At most 3 queries; none for an empty entry."""
    q = " ".join(q.split())[:200]
    if not q:
        return []
    found: list[Node] = []
    match = ARXIV_ID.match(q)
    if match:
        for paper in Work.objects.visible().filter(arxiv_id=match.group(1)).only(
            "arxiv_id", "title", "first_submitted"
        ):
            found.append(_paper(paper.arxiv_id, paper.title, depth=0, year=_year(paper.first_submitted)))
    if len(q) >= 2:
        topics = Topic.objects.filter(code__iexact=q) | Topic.objects.filter(name__icontains=q)
        for t in topics.order_by("code")[:limit]:
            found.append(_topic(t.code, t.name, depth=0))
    key = name_key(q)
    if len(key) >= 2:
        authors = (
            Author.objects.live()
            .filter(name_key__contains=key)
            .order_by("-works_count", "display_name")
            .only("slug", "display_name")[:limit]
        )
        found.extend(_person(a.slug, a.display_name, depth=0) for a in authors)
    return found[:limit]
