"""The trust score and the "may combine several researchers" test: pure maths, no ORM.

Trust says how far a visitor can rely on an author record being one real, identified researcher
(not how good the research is). The formula is versioned: every stored score carries
FORMULA_VERSION, and changing a weight below means bumping it, so a recompute rewrites every record.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# 2: an open dispute counts only once a curator has seen it (graph.services reads the inputs).
FORMULA_VERSION = 2

# Every weight of the formula, in one place. Points per component; the maxima add up to 100.
WEIGHTS = {
    # identity: points per verification level (L0..L4)
    "identity_by_level": {0: 0, 1: 5, 2: 25, 3: 35, 4: 40},
    # record: works (linear up to a cap) and span of years between first and last work
    "works_points": 15,
    "works_cap": 20,
    "span_points": 10,
    "span_cap_years": 10,
    # network: close collaborators, verified ones counting more
    "close_points_each": 1.5,
    "close_cap": 10,
    "verified_points_each": 2,
    "verified_cap": 5,
    # community: followers on a log scale up to a cap
    "followers_points": 10,
    "followers_cap": 50,
    # penalties
    "several_people_penalty": 15,
    "dispute_penalty": 10,
    "dispute_penalty_cap": 20,
    # unclaimed records stay inside the lowest tier
    "unclaimed_cap": 24,
}

TIERS = (("Emerging", 0), ("Developing", 25), ("Established", 50), ("Exemplary", 75))

LEVEL_NAMES = {
    0: "L0 · no public source",
    1: "L1 · imported from arXiv, unclaimed",
    2: "L2 · claimed, verified e-mail",
    3: "L3 · claimed with strong evidence",
    4: "L4 · confirmed by a curator",
}


@dataclass(frozen=True)
class ScoreInputs:
    verification_level: int = 1
    claimed: bool = False
    works: int = 0
    first_year: int | None = None
    last_year: int | None = None
    close_collaborators: int = 0
    verified_collaborators: int = 0
    followers: int = 0
    # As shown on the profile: a curator's decision when there is one (cleared: no penalty),
    # else what the recompute found (profiles.models.shows_may_combine_several).
    may_combine_several: bool = False
    open_disputes: int = 0


@dataclass(frozen=True)
class Score:
    score: int
    tier: str
    version: int
    components: dict


def tier_for(score: int) -> str:
    name = TIERS[0][0]
    for tier, low in TIERS:
        if score >= low:
            name = tier
    return name


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _round1(x: float) -> float:
    return math.floor(x * 10 + 0.5) / 10


def inputs_key(inputs: ScoreInputs) -> str:
    """A compact fingerprint of the inputs, stored with the components: with the formula version it
    tells a recompute whether a stored breakdown is current without comparing the whole breakdown."""
    return "|".join(
        "" if v is None else str(int(v))
        for v in (
            inputs.verification_level,
            inputs.claimed,
            inputs.works,
            inputs.first_year,
            inputs.last_year,
            inputs.close_collaborators,
            inputs.verified_collaborators,
            inputs.followers,
            inputs.may_combine_several,
            inputs.open_disputes,
        )
    )


def compute_score(inputs: ScoreInputs, weights: dict = WEIGHTS) -> Score:
    """The trust score of one author record with the facts behind each component."""
    w = weights
    level = min(max(inputs.verification_level, 0), 4)
    identity = w["identity_by_level"][level]
    identity_fact = LEVEL_NAMES[level]
    if level >= 2 and not inputs.claimed:
        identity_fact += " (claim withdrawn)"

    works = max(inputs.works, 0)
    works_pts = w["works_points"] * min(works, w["works_cap"]) / w["works_cap"]
    if works and inputs.first_year and inputs.last_year:
        span = max(inputs.last_year - inputs.first_year, 0) + 1
        years = (
            f"in {inputs.first_year}"
            if span == 1
            else f"over {span} years ({inputs.first_year}–{inputs.last_year})"
        )
        record_fact = f"{_plural(works, 'work')} {years}"
    else:
        span = 0
        record_fact = _plural(works, "work")
    span_pts = w["span_points"] * min(span, w["span_cap_years"]) / w["span_cap_years"]

    close = max(inputs.close_collaborators, 0)
    verified = min(max(inputs.verified_collaborators, 0), close)
    network = w["close_points_each"] * min(close, w["close_cap"]) + w["verified_points_each"] * min(
        verified, w["verified_cap"]
    )
    network_fact = f"{_plural(close, 'close collaborator')}, {verified} verified"

    followers = max(inputs.followers, 0)
    community = w["followers_points"] * min(
        1.0, math.log1p(followers) / math.log1p(w["followers_cap"])
    )
    community_fact = _plural(followers, "follower")

    penalties = 0.0
    penalty_facts = []
    if inputs.may_combine_several:
        penalties += w["several_people_penalty"]
        penalty_facts.append("may combine several researchers")
    if inputs.open_disputes > 0:
        penalties += min(w["dispute_penalty"] * inputs.open_disputes, w["dispute_penalty_cap"])
        penalty_facts.append(f"{_plural(inputs.open_disputes, 'open dispute')} over who this is")

    items = [
        {
            "key": "identity",
            "label": "Identity",
            "points": _round1(identity),
            "max": max(w["identity_by_level"].values()),
            "fact": identity_fact,
        },
        {
            "key": "record",
            "label": "Record",
            "points": _round1(works_pts + span_pts),
            "max": w["works_points"] + w["span_points"],
            "fact": record_fact,
        },
        {
            "key": "network",
            "label": "Network",
            "points": _round1(network),
            "max": w["close_points_each"] * w["close_cap"]
            + w["verified_points_each"] * w["verified_cap"],
            "fact": network_fact,
        },
        {
            "key": "community",
            "label": "Community",
            "points": _round1(community),
            "max": w["followers_points"],
            "fact": community_fact,
        },
        {
            "key": "penalties",
            "label": "Penalties",
            "points": -_round1(penalties),
            "max": 0,
            "fact": "; ".join(penalty_facts) or "none",
        },
    ]
    # The cap applies before the penalties, so a penalty lowers a capped record's score too.
    earned = sum(item["points"] for item in items if item["key"] != "penalties")
    cap = None
    if not inputs.claimed and earned > w["unclaimed_cap"]:
        cap = w["unclaimed_cap"]
    raw = earned - _round1(penalties)
    total = min(
        max(math.floor(min(earned, cap if cap is not None else 100) - penalties + 0.5), 0), 100
    )
    components = {
        "version": FORMULA_VERSION,
        "inputs": inputs_key(inputs),
        "items": items,
        "raw": _round1(raw),
        "cap": cap,
    }
    return Score(score=total, tier=tier_for(total), version=FORMULA_VERSION, components=components)


# --- "may combine several researchers" -------------------------------------------------------

# Records with fewer works than this are never tested (two groups of two works at least).
SEVERAL_MIN_WORKS = 4


def may_combine_several(works: Iterable[tuple[int, int | None, Iterable[int]]]) -> bool:
    """True when a record's works look like several people's.

    ``works``: (work id, primary topic id, co-author record ids other than the record itself).
    Works sharing a co-author belong to one group; the record is flagged when at least two
    groups of two or more works each have primary topics that do not overlap.
    """
    topics: dict[int, int | None] = {}
    works_of: dict[int, list[int]] = {}  # co-author -> the works shared with them
    for work_id, topic_id, coauthors in works:
        topics[work_id] = topic_id
        for co in coauthors:
            works_of.setdefault(co, []).append(work_id)
    # each work on its own too: a work without co-authors is still one of the record's works
    return several_groups(topics, [*([w] for w in topics), *works_of.values()])


def several_groups(topics: Mapping[int, int | None], shared: Iterable[Sequence[int]]) -> bool:
    """may_combine_several from what the recompute has at hand: ``shared`` lists, per
    co-author, the works the record shares with them (an empty list is allowed); ``topics``
    maps each work to its primary topic (it may hold other works too). The record's works are
    those listed in ``shared``: works sharing a co-author form one group."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for works in shared:
        if not works:
            continue
        first = works[0]
        root = find(parent.setdefault(first, first))
        for work_id in works[1:]:
            other = find(parent.setdefault(work_id, work_id))
            if other != root:
                parent[other] = root
    if len(parent) < SEVERAL_MIN_WORKS:
        return False
    groups: dict[int, list[int]] = {}
    for work_id in parent:
        groups.setdefault(find(work_id), []).append(work_id)
    topic_sets = [
        {topics[w] for w in members if topics[w] is not None}
        for members in groups.values()
        if len(members) >= 2
    ]
    for i, a in enumerate(topic_sets):
        for b in topic_sets[i + 1 :]:
            if a and b and not (a & b):
                return True
    return False
