"""Which author records join which, from the engine's pair scores (pure code, no ORM).

``resolve_identities`` (publications/identity_service.py) applies the plan to the database;
``identity_report`` and the benchmark apply it to name-key records built from a file.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np

from publications.identity.components import Components
from publications.identity.names import INCOMPATIBLE, compatibility

# A record joins another when at least this share of its authorships has a strong partner
# there: a pair the model gives SUPPORT or more. (At 0.8, "Thomas Henning" (199 works on
# astro-ph) and "Th. Henning" (220) stayed apart, and so did "Andrew C. Fabian" and
# "A. C. Fabian", while the record joins measured on gold-dev.tsv were the same at 0.7.)
RECORD_SHARE = 0.8
SUPPORT = 0.7


def plan_merges(
    corpus, resolution, record_of, size, fixed, separated, cluster_of=None, joining=None
) -> dict:
    """Which records join which: {(survivor, (others...)): confidence}.

    A record joins another when most of its authorships (RECORD_SHARE) have a strong partner
    (a pair the model gives SUPPORT or more) in that record, every printed name of the two is
    compatible, and no record with incompatible names has comparable support (ambiguous names
    stay apart). Smaller records join larger ones; a fixed record is never moved, and two
    fixed records never join. With the engine's clusters (``cluster_of``: mention key ->
    cluster), two records never join when the record they would make holds two confident
    pieces (``plan_splits`` would divide it again). Repeated until nothing changes, so a second pass finds nothing:
    every choice depends only on what the records hold (never on the order the authorships
    come in), and a group of joined records is known by the record it becomes (its survivor),
    as the second pass knows it.

    ``joining`` (the incremental assignment of a batch: the records it created): a join (or a
    proposal) needs a record of ``joining`` on one side, counting the records joined so far;
    two records stored before the batch are left for the full pass (their pairs were not
    scored).
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
    # Each record's mentions that have a strong partner in another record (the others never
    # add support anywhere).
    mentions_of: dict[int, list[int]] = defaultdict(list)
    for k, key in enumerate(keys):
        names[record_of[key]].add(corpus.mentions[k].name)
        if k in partners:
            mentions_of[record_of[key]].append(k)
    parent = {r: r for r in size}
    # root -> {cluster: authorships}: how the engine's clusters divide the group.
    in_clusters: dict[int, Counter[int]] = defaultdict(Counter)
    if cluster_of is not None:
        for key in keys:
            in_clusters[record_of[key]][cluster_of[key]] += 1
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
    holds_new = {r: joining is None or r in joining for r in size}
    changed = True
    while changed:
        changed = False
        # Only groups holding such mentions can join anything (each group's known_as is its
        # own, so the order is the same as over every group).
        for r in sorted({root(m) for m in mentions_of}, key=lambda r: (total[r], known_as[r])):
            if root(r) != r or r in proposed:
                continue
            support: Counter[int] = Counter()
            best_p: dict[int, list[float]] = defaultdict(list)
            for k in (m for member in joined[r] for m in mentions_of.get(member, ())):
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
            if not (holds_new[r] or holds_new[target]):
                continue  # two records stored before the batch: the full pass decides
            if any(frozenset((a, b)) in separated for a in joined[r]
                   for b in joined[target]):  # fmt: skip
                continue
            if cluster_of is not None and (
                len(confident_pieces(in_clusters[r] + in_clusters[target])) >= 2
            ):
                continue  # the engine's clusters hold two people there: they stay apart
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
            in_clusters[target] += in_clusters.pop(r, Counter())
            holds_new[target] = holds_new[target] or holds_new[r]
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


# ---------------------------------------------------------------------------------------------
# Records that hold several people, and the engine's confidence in each record

# A piece of a record (the authorships of the record that one engine cluster holds) is a
# person the engine is confident about when it holds at least this many authorships: a record
# the clusters divide into two or more such pieces holds several people.
# Chosen on gold-dev.tsv, before clusters were linked into people (below): the DB pass's B-cubed
# precision/recall/F1 at 3: 0.962/0.829/0.891,
# 5: 0.961/0.838/0.895, 8: 0.955/0.853/0.901, 12: 0.951/0.861/0.904): the best F1 with a
# margin on precision (a wrong split is one click to undo, a wrong join damages two pages).
PIECE_MIN = 8
# A record is "one person" for the engine when at least this share of its authorships sit in
# one person the engine found; below, it "may combine several researchers" (the trust score's
# flag). Chosen on gold-dev.tsv with PIECE_MIN 8, before the linking below (the flag's precision/recall at 0.8: 0.27/0.35,
# 0.9: 0.26/0.42, 0.95: 0.24/0.48).
ONE_PERSON_SHARE = 0.9


def pieces_of(record_of: dict, cluster_of: dict) -> dict[int, dict[int, list]]:
    """{record: {cluster: [mention keys]}}: how the engine's clusters divide each record."""
    out: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for key, record in record_of.items():
        out[record][cluster_of[key]].append(key)
    return out


def confident_pieces(counts: dict[int, int]) -> list[int]:
    """The clusters holding a confident piece of a record ({cluster: authorships})."""
    return [c for c, n in counts.items() if n >= PIECE_MIN]


def plan_splits(pieces: dict[int, dict[int, list]]) -> dict[int, list[list]]:
    """Which records the engine divides: {record: [mention keys of each new record]}.

    A record whose authorships fall in two or more confident pieces keeps its largest piece
    (and every authorship in no confident piece: too little to tell whose it is); each other
    confident piece becomes a record. Biggest piece first, then by its smallest key, so two
    passes over the same clusters make the same plan."""
    plan: dict[int, list[list]] = {}
    for record, by_cluster in pieces.items():
        counts = {c: len(keys) for c, keys in by_cluster.items()}
        confident = confident_pieces(counts)
        if len(confident) < 2:
            continue
        ordered = sorted(confident, key=lambda c: (-counts[c], min(by_cluster[c])))
        plan[record] = [sorted(by_cluster[c]) for c in ordered[1:]]
    return plan


def plan_moves(
    record_of: dict, person_of: dict, fixed=frozenset(), kept_apart=frozenset(), movable=None
) -> list[tuple[int, int, list]]:
    """Authorships on the wrong record: [(from record, to record, mention keys)].

    A person the engine found whose works sit mostly on one record (their *home*: a confident
    piece, PIECE_MIN or more) but a few (fewer than PIECE_MIN) on another record where most
    works are someone else's: those few move home. This is how a new work of a person split off
    a name's record finds them (an import puts it on the record that receives the name's
    imports), and how the leftovers of a split follow their person. A record that is this
    person's own (they hold most of it) is left to ``plan_merges``; fixed records are never
    touched (nothing moves into or out of them), nor records people kept apart
    (``kept_apart``: pairs), nor mentions ``movable`` (a predicate) refuses. Two passes over
    the same clusters make the same plan, and after it is applied the next finds nothing."""
    by_record: dict[int, Counter[int]] = defaultdict(Counter)
    keys_of: dict[tuple[int, int], list] = defaultdict(list)
    for key, record in record_of.items():
        person = person_of[key]
        by_record[record][person] += 1
        keys_of[(person, record)].append(key)
    homes: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (person, record), keys in keys_of.items():
        homes[person].append((len(keys), record))
    main = {
        record: min(counts, key=lambda p: (-counts[p], p)) for record, counts in by_record.items()
    }
    moves = []
    for person, where in homes.items():
        if len(where) < 2:
            continue
        n, home = max(where, key=lambda x: (x[0], -x[1]))
        if n < PIECE_MIN or home in fixed or main[home] != person:
            continue
        for count, record in sorted(where, key=lambda x: x[1]):
            if record == home or record in fixed or count >= PIECE_MIN:
                continue
            if main[record] == person or frozenset((record, home)) in kept_apart:
                continue
            keys = sorted(k for k in keys_of[(person, record)] if movable is None or movable(k))
            if keys:
                moves.append((record, home, keys))
    return moves


def assess(counts: dict[int, int]) -> tuple[bool, float]:
    """The engine's assessment of one record from how its clusters divide it ({cluster:
    authorships}): (may combine several researchers, confidence that it is one person: the
    share of its authorships in its largest cluster)."""
    total = sum(counts.values())
    if not total:
        return False, 1.0
    share = max(counts.values()) / total
    several = share < ONE_PERSON_SHARE or len(confident_pieces(counts)) >= 2
    return several, round(share, 3)


def simulate_pass(corpus, resolution, record_of: dict) -> tuple[dict, set]:
    """What one ``resolve_identities`` pass makes of records nobody fixed (the benchmark and
    ``identity_report``): the records the engine divides are split, works on the wrong record
    move to their person's, then records are joined.
    Returns each mention's record after the pass and the records it flags."""
    keys = [m.key for m in corpus.mentions]
    cluster_of = people_of(resolution.cluster_of, resolution.pairs, keys)
    record_of = dict(record_of)
    next_id = max(record_of.values(), default=0) + 1
    separated: set[frozenset[int]] = set()
    for record, new_pieces in plan_splits(pieces_of(record_of, cluster_of)).items():
        family = [record]
        for keys in new_pieces:
            for key in keys:
                record_of[key] = next_id
            family.append(next_id)
            next_id += 1
        separated |= {frozenset((a, b)) for a in family for b in family if a < b}
    for _, home, keys in plan_moves(record_of, cluster_of):
        for key in keys:
            record_of[key] = home
    size: Counter[int] = Counter(record_of.values())
    final = {r: r for r in size}
    plan = plan_merges(corpus, resolution, record_of, dict(size), set(), separated, cluster_of)
    for survivor, others in plan:
        for o in others:
            final[o] = survivor
    assigned = {key: final[r] for key, r in record_of.items()}
    flagged = {
        record
        for record, by_cluster in pieces_of(assigned, cluster_of).items()
        if assess({c: len(k) for c, k in by_cluster.items()})[0]
    }
    return assigned, flagged


# Two engine clusters are taken for one person (for splits, joins and the flag) when at least
# LINK_SHARE of the authorships of one of them have a partner the model gives LINK_SUPPORT or
# more in the other: average linkage keeps apart the clusters of a prolific person whose works
# share little on average (without this, A. C. Fabian's "A. C. Fabian" record would be split in
# seven), so a record is only split between clusters that hardly any good pair links. Chosen on
# gold-dev.tsv (the DB pass's B-cubed precision/recall/F1 with PIECE_MIN 8: no link 0.955/0.853/
# 0.901; 0.2 at 0.8: 0.935/0.859/0.895; 0.05 at 0.5: 0.929/0.901/0.915; 0.2 at 0.5: 0.933/0.901/
# 0.917) and checked on astro-ph's named researchers (Fabian's and Henning's records kept whole
# at 0.5; at 0.8 "A. C. Fabian" loses a piece).
LINK_SHARE = 0.2
LINK_SUPPORT = 0.5


def people_of(cluster_of: dict, pairs, keys: list) -> dict:
    """{mention key: person}: the engine's clusters (``cluster_of``: key -> cluster) grouped
    by the strong pairs between them (``pairs``: mention indexes into ``keys`` and their
    probabilities); a person is known by the smallest cluster id it holds."""
    gi, gj, probs = pairs
    strong = probs >= LINK_SUPPORT
    cluster = np.fromiter((cluster_of[k] for k in keys), dtype=np.int64, count=len(keys))
    si, sj = gi[strong], gj[strong]
    a, b = cluster[si], cluster[sj]
    across = a != b
    linked: dict[tuple[int, int], set[int]] = defaultdict(set)
    for i, j, x, y in zip(
        si[across].tolist(), sj[across].tolist(), a[across].tolist(), b[across].tolist(),
        strict=True,
    ):  # fmt: skip
        linked[(x, y)].add(i)
        linked[(y, x)].add(j)
    size = Counter(cluster.tolist())
    people: Components[int] = Components()
    for (x, y), members in sorted(linked.items()):
        if len(members) >= LINK_SHARE * size[x]:
            people.union(x, y)
    return {k: people.find(int(c)) for k, c in zip(keys, cluster.tolist(), strict=True)}
