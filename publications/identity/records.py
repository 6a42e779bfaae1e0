"""Which author records join which, from the engine's pair scores (pure code, no ORM).

``resolve_identities`` (publications/identity_service.py) applies the plan to the database;
``identity_report`` and the benchmark apply it to name-key records built from a file.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np

from publications.identity.names import INCOMPATIBLE, compatibility

# A record joins another when at least this share of its authorships has a strong partner
# there: a pair the model gives SUPPORT or more. (At 0.8, "Thomas Henning" (199 works on
# astro-ph) and "Th. Henning" (220) stayed apart, and so did "Andrew C. Fabian" and
# "A. C. Fabian", while the record joins measured on gold-dev.tsv were the same at 0.7.)
RECORD_SHARE = 0.8
SUPPORT = 0.7


def plan_merges(corpus, resolution, record_of, size, fixed, separated) -> dict:
    """Which records join which: {(survivor, (others...)): confidence}.

    A record joins another when most of its authorships (RECORD_SHARE) have a strong partner
    (a pair the model gives SUPPORT or more) in that record, every printed name of the two is
    compatible, and no record with incompatible names has comparable support (ambiguous names
    stay apart). Smaller records join larger ones; a fixed record is never moved, and two
    fixed records never join. Repeated until nothing changes, so a second pass finds nothing:
    every choice depends only on what the records hold (never on the order the authorships
    come in), and a group of joined records is known by the record it becomes (its survivor),
    as the second pass knows it.
    """
    gi, gj, probs = resolution.pairs
    keys = [m.key for m in corpus.mentions]
    record_index = np.fromiter((record_of[k] for k in keys), dtype=np.int64, count=len(keys))
    # Only strong pairs across two records count (most strong pairs of a full pass are inside
    # one record: a prolific name's works with each other).
    strong = (probs >= SUPPORT) & (record_index[gi] != record_index[gj])
    partners: dict[int, dict[int, float]] = defaultdict(dict)  # mention -> record -> best p
    for i, j, p in zip(
        gi[strong].tolist(), gj[strong].tolist(), probs[strong].tolist(), strict=True
    ):
        ri, rj = int(record_index[i]), int(record_index[j])
        if ri != rj:
            if p > partners[i].get(rj, 0.0):
                partners[i][rj] = p
            if p > partners[j].get(ri, 0.0):
                partners[j][ri] = p
    names: dict[int, set[str]] = defaultdict(set)
    mentions_of: dict[int, list[int]] = defaultdict(list)
    for k, key in enumerate(keys):
        names[record_of[key]].add(corpus.mentions[k].name)
        mentions_of[record_of[key]].append(k)
    parent = {r: r for r in size}
    total = dict(size)
    joined: dict[int, list[int]] = {r: [r] for r in size}  # root -> the records it holds

    def survivor_rank(r: int) -> tuple[bool, int, int]:
        # The record a group becomes: the fixed one if there is one, else the largest (its URL
        # is the one most linked), else the oldest.
        return (r not in fixed, -size[r], r)

    # root -> its group's survivor: the id a second pass sees, so equal sizes are told apart
    # the same way in both passes.
    known_as = {r: r for r in size}

    def root(r: int) -> int:
        while parent[r] != r:
            parent[r] = parent[parent[r]]
            r = parent[r]
        return r

    def compatible(a: int, b: int) -> bool:
        return all(compatibility(x, y) != INCOMPATIBLE for x in names[a] for y in names[b])

    confidence: dict[int, float] = {}
    proposed: dict[int, tuple[int, float]] = {}
    changed = True
    while changed:
        changed = False
        for r in sorted((r for r in size if root(r) == r), key=lambda r: (total[r], known_as[r])):
            if root(r) != r or r in proposed:
                continue
            support: Counter[int] = Counter()
            best_p: dict[int, list[float]] = defaultdict(list)
            for k in (m for member in joined[r] for m in mentions_of[member]):
                seen: dict[int, float] = {}
                for other, p in partners.get(k, {}).items():
                    t = root(other)
                    if t != r:
                        seen[t] = max(seen.get(t, 0.0), p)
                for t, p in seen.items():
                    support[t] += 1
                    best_p[t].append(p)
            if not support:
                continue
            # The best supported record; on equal support the larger, then the survivor's id
            # (never the order the authorships were read in: a second pass reads them in
            # another order).
            target, n = max(
                support.items(), key=lambda item: (item[1], total[item[0]], -known_as[item[0]])
            )
            if n < RECORD_SHARE * total[r]:
                continue
            if r not in fixed and (total[target], -known_as[target]) < (total[r], -known_as[r]):
                continue
            if (target in fixed and r in fixed) or not compatible(r, target):
                continue
            if any(frozenset((a, b)) in separated for a in joined[r]
                   for b in joined[target]):  # fmt: skip
                continue
            rivals = [t for t, m in support.items() if t != target and m >= 0.5 * n]
            if any(not compatible(t, target) for t in rivals):
                continue  # ambiguous: the name fits several people
            if r in fixed:
                # A claimed or curated record never moves: its owner gets a proposal.
                proposed[r] = (target, sum(best_p[target]) / len(best_p[target]))
                continue
            parent[r] = target
            known_as[target] = min(known_as[target], known_as.pop(r), key=survivor_rank)
            joined[target].extend(joined.pop(r))
            names[target] |= names[r]
            total[target] += total[r]
            confidence[r] = sum(best_p[target]) / len(best_p[target])
            changed = True
    plan: dict = {}
    groups: dict[int, list[int]] = defaultdict(list)
    for r in size:
        if root(r) != r:
            groups[root(r)].append(r)
    survivor_of: dict[int, int] = {}
    for root_id, others in groups.items():
        # The survivor: the fixed record if there is one, else the largest (its URL is the
        # one most linked); the confidence is the weakest join's.
        group = [root_id, *others]
        survivor = min(group, key=survivor_rank)
        rest = sorted(r for r in group if r != survivor)
        plan[(survivor, tuple(rest))] = min(confidence[o] for o in others)
        survivor_of[root_id] = survivor
    for r, (target, p) in proposed.items():
        # Proposed: the record the target's group ends in (after this pass's merges).
        target = root(target)
        if target not in fixed:
            plan[(r, (survivor_of.get(target, target),))] = p
    return plan
