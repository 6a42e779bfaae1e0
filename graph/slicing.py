"""Pure logic of graph slices (no ORM): node kinds, edge kinds, and how a capped slice shares its
places between kinds of neighbours. Kept apart from the SQL so it is fast to test exhaustively."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

PERSON = "person"
PAPER = "paper"
TOPIC = "topic"
INSTITUTION = "institution"
NODE_KINDS = (PERSON, PAPER, TOPIC, INSTITUTION)

AUTHORED = "authored"
CO_AUTHORED = "co-authored"
IN_TOPIC = "in topic"
AFFILIATED = "affiliated"
EDGE_KINDS = (AUTHORED, CO_AUTHORED, IN_TOPIC, AFFILIATED)

DEFAULT_LIMIT = 60
MAX_LIMIT = 200
MIN_LIMIT = 2  # the centre and at least one neighbour
MAX_DEPTH = 2

# How a slice shares its places when every kind has more candidates than fit. A kind with fewer
# candidates than its share leaves its places to the others (see `allocate`).
DEPTH1_SHARES: Mapping[str, float] = {PERSON: 0.45, PAPER: 0.35, TOPIC: 0.1, INSTITUTION: 0.1}
# At depth 2 this fraction of the places is offered first to the second ring (people and papers
# reached through the top-ranked people of the first ring); places it does not use go back.
DEPTH2_FRACTION = 0.4
DEPTH2_SHARES: Mapping[str, float] = {PERSON: 0.6, PAPER: 0.4}
# Depth 2 expands from this many top-ranked people of the first ring.
DEPTH2_SEEDS = 8


@dataclass(frozen=True)
class Node:
    id: str  # "<kind>:<natural key>", stable across requests: person:<slug>, paper:<arXiv id>, ...
    kind: str
    label: str
    url: str
    depth: int  # 0 for the centre
    weight: int = 1  # shared works (people), works (topics, institutions), 1 for papers
    year: int | None = None  # paper: year of v1; others: latest year of the works linking them
    # The query parameter that centres a slice on this node (explorer expansion), if any.
    expand_param: str | None = None
    expand_value: str | None = None


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str
    weight: int = 1


@dataclass
class Slice:
    centre: Node
    depth: int
    limit: int
    nodes: list[Node] = field(default_factory=list)  # centre first, then by rank
    edges: list[Edge] = field(default_factory=list)
    # Neighbours within `depth` that were ranked out by the cap, per node kind.
    left_out: dict[str, int] = field(default_factory=dict)

    @property
    def left_out_total(self) -> int:
        return sum(self.left_out.values())


def node_id(kind: str, key: object) -> str:
    return f"{kind}:{key}"


def allocate(
    budget: int, available: Mapping[str, int], shares: Mapping[str, float]
) -> dict[str, int]:
    """How many of each kind's ranked candidates to show within `budget` places.

    Weighted fair sharing: the i-th candidate (from 0) of a kind with share s has the virtual
    time (i + 0.5) / s, and the `budget` earliest candidates win. So each kind gets places in
    proportion to its share, a kind that runs out leaves its places to the others, and more
    budget never removes a candidate already chosen (the seeds of depth 2 rely on this).
    Ties go to the kind listed first in `shares`.
    """
    taken = {kind: 0 for kind in available}
    kinds = [k for k in shares if available.get(k, 0) > 0 and shares[k] > 0]
    remaining = max(budget, 0)
    while remaining > 0:
        best: str | None = None
        best_time = 0.0
        for kind in kinds:
            if taken[kind] >= available[kind]:
                continue
            time = (taken[kind] + 0.5) / shares[kind]
            if best is None or time < best_time:
                best, best_time = kind, time
        if best is None:
            break
        taken[best] += 1
        remaining -= 1
    return taken
