"""Reads behind the research graph: slices around an author record, a work or a topic, and the
explorer's search for a centre. Each selector states its query budget.

A slice is ranked and capped in SQL: each kind of neighbour is one set-based query ordered by
relevance (shared works, then recency) with a LIMIT and a window count of what matched, so the cost
depends on the centre's own works, never on the number of nodes returned. Hidden works never
appear, and never link anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from django.http import Http404

from graph import queries
from graph.models import ScoreChange
from graph.nodes import (
    Candidates,
    EdgeSet,
    institution_candidates,
    no_candidates,
    paper_candidates,
    paper_node,
    person_candidates,
    person_node,
    take,
    topic_candidates,
    topic_node,
    year_of,
)
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
    Node,
    Slice,
    allocate,
)
from publications.models import Author, Topic, Work
from publications.names import name_key

ARXIV_ID = re.compile(r"^(?:arxiv:)?([a-z\-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})(?:v\d+)?$", re.I)


# --- assembling a slice ------------------------------------------------------------------------


def _check_arguments(
    author: str | None, work: str | None, topic: str | None, depth: int, limit: int
) -> None:
    given = [
        name for name, value in (("author", author), ("work", work), ("topic", topic)) if value
    ]
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
    author = author.merged_into or author
    if author.hidden:
        raise Http404(f"No author record {slug!r}.")
    return author


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


@dataclass
class _Ring1:
    centre: Node
    centre_kind: str  # the query parameter: author, work or topic
    centre_pk: int
    candidates: list[Candidates]  # people, papers, topics, institutions, in that order


def _ring1_of_author(slug: str, fetch: int) -> _Ring1:
    record = _author_centre(slug)
    return _Ring1(
        centre=person_node(record.slug, record.display_name, depth=0, year=record.last_year),
        centre_kind="author",
        centre_pk=record.pk,
        candidates=[
            person_candidates(queries.people_of_author(record.pk, fetch), depth=1),
            paper_candidates(queries.papers_of_author(record.pk, fetch), depth=1),
            topic_candidates(queries.topics_of_author(record.pk, fetch), depth=1),
            institution_candidates(queries.institutions_of_author(record.pk, fetch), depth=1),
        ],
    )


def _ring1_of_work(arxiv_id: str, fetch: int) -> _Ring1:
    record = _work_centre(arxiv_id)
    year = year_of(record.first_submitted)
    people = person_candidates(queries.people_of_work(record.pk, fetch), depth=1, weighted=False)
    people.nodes = [replace(n, year=year) for n in people.nodes]
    return _Ring1(
        centre=paper_node(record.arxiv_id, record.title, depth=0, year=year),
        centre_kind="work",
        centre_pk=record.pk,
        candidates=[
            people,
            no_candidates(PAPER),
            topic_candidates(queries.topics_of_work(record.pk, fetch), depth=1, weighted=False),
            institution_candidates(
                queries.institutions_of_work(record.pk, fetch), depth=1, year=year
            ),
        ],
    )


def _ring1_of_topic(code: str, fetch: int) -> _Ring1:
    record = _topic_centre(code)
    return _Ring1(
        centre=topic_node(record.code, record.name, depth=0),
        centre_kind="topic",
        centre_pk=record.pk,
        candidates=[
            person_candidates(queries.people_of_topic(record.pk, fetch), depth=1),
            paper_candidates(
                queries.papers_of_topic(record.pk, fetch), depth=1, topic_code=record.code
            ),
            no_candidates(TOPIC),
            no_candidates(INSTITUTION),
        ],
    )


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
    edges = EdgeSet()
    if author:
        first = _ring1_of_author(author, fetch)
    elif work:
        first = _ring1_of_work(work, fetch)
    else:
        first = _ring1_of_topic(topic or "", fetch)
    centre, ring1 = first.centre, first.candidates
    centre_kind, centre_pk = first.centre_kind, first.centre_pk

    budget = limit - 1
    available1 = {c.kind: len(c.nodes) for c in ring1}
    ring2: list[Candidates] = []
    if depth == 1:
        counts1 = allocate(budget, available1, DEPTH1_SHARES)
    else:
        budget2 = int(budget * DEPTH2_FRACTION)
        counts1 = allocate(budget - budget2, available1, DEPTH1_SHARES)
        seeds = ring1[0].pks[: min(DEPTH2_SEEDS, counts1[PERSON])]
        if seeds:
            ring2 = [
                person_candidates(
                    queries.people_of_seeds(centre_kind, centre_pk, seeds, fetch), depth=2
                ),
                paper_candidates(
                    queries.papers_of_seeds(centre_kind, centre_pk, seeds, fetch), depth=2
                ),
            ]
            counts2 = allocate(
                budget - sum(counts1.values()), {c.kind: len(c.nodes) for c in ring2}, DEPTH2_SHARES
            )
            # Places the second ring does not use go back to the first (allocation only grows).
            counts1 = allocate(budget - sum(counts2.values()), available1, DEPTH1_SHARES)
            ring2 = list(take(ring2, counts2).values())
        else:
            counts1 = allocate(budget, available1, DEPTH1_SHARES)

    shown1 = take(ring1, counts1)
    left_out = {
        kind: c.total - len(shown1[kind].nodes) for kind, c in zip(available1, ring1, strict=True)
    }
    for c in ring2:
        left_out[c.kind] += c.total - len(c.nodes)

    nodes = [centre]
    person_ids: dict[int, str] = {}
    paper_ids: dict[int, str] = {}
    institution_ids: dict[int, str] = {}
    topic_ids: dict[str, str] = {}
    if centre.kind == PERSON:
        person_ids[centre_pk] = centre.id
    elif centre.kind == PAPER:
        paper_ids[centre_pk] = centre.id
    ids_of_kind: dict[str, dict] = {
        PERSON: person_ids,
        PAPER: paper_ids,
        INSTITUTION: institution_ids,
        TOPIC: topic_ids,
    }
    for c in [*shown1.values(), *ring2]:
        nodes.extend(c.nodes)
        target = ids_of_kind[c.kind]
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
        edges.add(
            node.id if centre.kind == TOPIC else centre.id,
            centre.id if centre.kind == TOPIC else node.id,
            IN_TOPIC if centre.kind == TOPIC else AUTHORED,
        )
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
        for author_pk, work_pk, institution_pk in queries.links(
            list(person_ids), list(paper_ids), list(institution_ids)
        ):
            person = person_ids.get(author_pk)
            if person is None:
                continue
            if work_pk in paper_ids:
                edges.add(person, paper_ids[work_pk], AUTHORED)
            if (
                institution_pk in institution_ids
                and person != centre.id
                and (author_pk, work_pk, institution_pk) not in seen_affiliations
            ):
                seen_affiliations.add((author_pk, work_pk, institution_pk))
                edges.bump(person, institution_ids[institution_pk], AFFILIATED)

    return Slice(
        centre=centre,
        depth=depth,
        limit=limit,
        nodes=nodes,
        edges=edges.as_list(),
        left_out=left_out,
    )


# --- the explorer's centre ---------------------------------------------------------------------


def graph_centre_get(
    *, author: str | None = None, work: str | None = None, topic: str | None = None
) -> Node:
    """The node a slice would be centred on. 1 query; Http404 when unknown, ValueError unless
    exactly one of the arguments is given."""
    _check_arguments(author, work, topic, 1, DEFAULT_LIMIT)
    if author:
        record = _author_centre(author)
        return person_node(record.slug, record.display_name, depth=0)
    if work:
        paper = _work_centre(work)
        return paper_node(paper.arxiv_id, paper.title, depth=0, year=year_of(paper.first_submitted))
    found = _topic_centre(topic or "")
    return topic_node(found.code, found.name, depth=0)


def graph_centre_search(*, q: str, limit: int = 10) -> list[Node]:
    """Centres matching a search box entry: a work by arXiv id, topics by code or name, author
    records by name (most works first). At most 3 queries; none for an empty entry."""
    q = " ".join(q.split())[:200]
    if not q:
        return []
    found: list[Node] = []
    match = ARXIV_ID.match(q)
    if match:
        for paper in (
            Work.objects.visible()
            .filter(arxiv_id=match.group(1))
            .only("arxiv_id", "title", "first_submitted")
        ):
            found.append(
                paper_node(
                    paper.arxiv_id, paper.title, depth=0, year=year_of(paper.first_submitted)
                )
            )
    if len(q) >= 2:
        topics = Topic.objects.filter(code__iexact=q) | Topic.objects.filter(name__icontains=q)
        for t in topics.order_by("code")[:limit]:
            found.append(topic_node(t.code, t.name, depth=0))
    key = name_key(q)
    if len(key) >= 2:
        authors = (
            Author.objects.public()
            .filter(name_key__contains=key)
            .order_by("-works_count", "display_name")
            .only("slug", "display_name")[:limit]
        )
        found.extend(person_node(a.slug, a.display_name, depth=0) for a in authors)
    return found[:limit]


# --- trust score history and the curators' queue -------------------------------------------

TREND_LENGTH = 8


def author_score_trend(*, author_id: int, limit: int = TREND_LENGTH) -> list[ScoreChange]:
    """The last `limit` score changes of an author record, oldest first. 1 query."""
    changes = list(
        ScoreChange.objects.filter(author_id=author_id).order_by("-created_at", "-id")[:limit]
    )
    changes.reverse()
    return changes


def several_researchers_queue(*, limit: int = 50) -> list[Author]:
    """Live records flagged "may combine several researchers" (by a curator, or by the recompute
    when no curator decided), most works first. 1 query."""
    return list(
        Author.objects.live().shows_may_combine_several().order_by("-works_count", "id")[:limit]
    )
