"""Clustering inside a block: which authorships of "wang j" are one person.

The engine prefers leaving two records apart to joining two people (a wrong join damages two
researchers' pages; a wrong split is fixed by one click):

* **Candidates.** Small blocks compare every pair whose names are compatible. Large blocks
  ("Y. Wang", thousands of authorships) compare only pairs that share something, found through
  inverted indexes of co-author names, affiliation words and written-out given names; a posting
  list too long to expand links each authorship to its neighbours in time order only.
* **Scores.** The pair model turns each candidate pair's evidence into a probability.
* **Average linkage** agglomerative clustering on those probabilities (pairs never compared
  count as 0, so two clusters join only when most of their pairs say "same person"), stopped at
  a conservative threshold. Name compatibility is a hard constraint over whole clusters: a
  "Y. Wang" cluster never holds a "Yi Wang" and a "Yu Wang". Initial groups (a record people
  or curators fixed) start as one cluster, and two locked groups never join.
* **Evidence.** Every cluster keeps the weakest link that made it (its confidence) and a short
  reason ("one person: 14 shared co-authors, same affiliation 2003-2010").
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from publications.identity.evidence import Corpus, pair_features
from publications.identity.model import PairModel, default_model
from publications.identity.names import INCOMPATIBLE, compatibility

__all__ = ["Cluster", "Resolution", "resolve", "block_pairs"]

# Blocks up to this many authorships compare all compatible pairs.
ALL_PAIRS_MAX = 3000
# A posting list (authorships sharing a co-author name, an affiliation word or a given name)
# longer than this links each authorship to its WINDOW neighbours in time only.
POSTING_MAX = 300
WINDOW = 25
PAIR_CHUNK = 50_000
# Blocks of at least this many authorships count their pairs' shared co-authors from the
# block's co-author matrix times its transpose (``Corpus.block_shared_coauthors``).
BLOCK_PRODUCT_MIN = 24


@dataclass
class Cluster:
    members: list[int]  # mention indexes into the corpus
    confidence: float  # the weakest average link that joined it (1.0 for one authorship)
    flagged: bool  # may combine several researchers
    evidence: dict = field(default_factory=dict)
    reason: str = ""


@dataclass
class Resolution:
    clusters: list[Cluster]
    cluster_of: dict[Hashable, int]  # mention key -> index into clusters
    pairs_scored: int = 0
    # Every scored pair: mention indexes and the model's probability that they are one person.
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None


def _variants(corpus: Corpus, members: Sequence[int]) -> tuple[list[str], np.ndarray]:
    names: dict[str, int] = {}
    of = np.empty(len(members), dtype=np.int64)
    for k, index in enumerate(members):
        of[k] = names.setdefault(corpus.mentions[index].name, len(names))
    return list(names), of


def _compat_matrix(names: list[str]) -> np.ndarray:
    n = len(names)
    out = np.zeros((n, n), dtype=np.int8)
    for a in range(n):
        out[a, a] = compatibility(names[a], names[a]) or 1
        for b in range(a + 1, n):
            out[a, b] = out[b, a] = compatibility(names[a], names[b])
    return out


def block_postings(corpus: Corpus, members: Sequence[int]) -> list[list[int]]:
    """The posting lists of a large block (local indexes sharing a co-author other than the
    block's own name, a printed affiliation, or the printed name), those of two or more."""
    n = len(members)
    postings: dict[tuple[str, object], list[int]] = {}
    member_array = np.asarray(members)
    work_rows = corpus.work_row[member_array]
    coauthors = corpus.coauthors[work_rows].tocsr()
    own = corpus.block_vocab_index[member_array]
    for local in range(n):
        row = coauthors.indices[coauthors.indptr[local] : coauthors.indptr[local + 1]]
        for col in row:
            if col != own[local]:
                postings.setdefault(("c", int(col)), []).append(local)
    affiliations = corpus.affiliation_raw[member_array].tocsr()
    for local in range(n):
        row = affiliations.indices[affiliations.indptr[local] : affiliations.indptr[local + 1]]
        for col in row:
            postings.setdefault(("a", int(col)), []).append(local)
    for local, index in enumerate(members):
        postings.setdefault(("n", corpus.mentions[index].name), []).append(local)
    return [p for p in postings.values() if len(p) >= 2]


def block_pairs(
    corpus: Corpus, members: Sequence[int], variant_of: np.ndarray, compat: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Local index pairs (a < b) worth scoring in a block: compatible names, and, in a large
    block, something in common."""
    n = len(members)
    if n <= ALL_PAIRS_MAX:
        a, b = np.triu_indices(n, k=1)
    else:
        years = corpus.year[corpus.work_row[np.asarray(members)]]
        codes: list[np.ndarray] = []
        for posting in block_postings(corpus, members):
            if len(posting) <= POSTING_MAX:
                p = np.asarray(posting, dtype=np.int64)
                x, y = np.triu_indices(len(p), k=1)
                px, py = p[x], p[y]
            else:
                p = np.asarray(sorted(posting, key=lambda m: years[m]), dtype=np.int64)
                px = np.concatenate([p[:-k] for k in range(1, min(WINDOW, len(p) - 1) + 1)])
                py = np.concatenate([p[k:] for k in range(1, min(WINDOW, len(p) - 1) + 1)])
            codes.append(np.minimum(px, py) * n + np.maximum(px, py))
        if not codes:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        unique = np.unique(np.concatenate(codes))
        a, b = unique // n, unique % n
    keep = compat[variant_of[a], variant_of[b]] != INCOMPATIBLE
    return a[keep], b[keep]


def _score_block(corpus, members, model, variant_of, compat):
    a, b = block_pairs(corpus, members, variant_of, compat)
    member_array = np.asarray(members)
    probs = np.empty(len(a), dtype=np.float64)
    shared = np.empty(len(a), dtype=np.float64)
    for start in range(0, len(a), PAIR_CHUNK):
        sa, sb = a[start : start + PAIR_CHUNK], b[start : start + PAIR_CHUNK]
        gi, gj = member_array[sa], member_array[sb]
        levels = compat[variant_of[sa], variant_of[sb]]
        x = pair_features(corpus, gi, gj, levels, np.full(len(gi), len(members)))
        probs[start : start + PAIR_CHUNK] = model.predict(x)
        shared[start : start + PAIR_CHUNK] = np.expm1(x[:, 4])
    return a, b, probs, shared


def _reachable_edges(
    n: int,
    a: np.ndarray,
    b: np.ndarray,
    probs: np.ndarray,
    threshold: float,
    edges: dict[int, dict[int, float]],
) -> list[tuple[float, int, int]]:
    """The links of authorships no two of which share a mention pair (``a``, ``b`` unique, no
    groups), keeping only those between authorships that pairs of at least ``threshold`` connect:
    two clusters join only when their average link reaches the threshold, so at least one of
    their pairs does, and every cluster stays inside one component of the graph of such pairs.
    The other links are never read (no join is ever offered across two components), so the
    clustering is the same with or without them, and most pairs of a block are such links.
    Returns the first heap entries, sorted: (-link, x, y) of each pair at or above the
    threshold."""
    strong = probs >= threshold
    if not strong.any():
        return []
    graph = sparse.coo_matrix(
        (np.ones(int(strong.sum()), dtype=np.int8), (a[strong], b[strong])), shape=(n, n)
    )
    _, component = connected_components(graph, directed=False)
    keep = component[a] == component[b]
    src = np.concatenate([a[keep], b[keep]])
    dst = np.concatenate([b[keep], a[keep]])
    weight = np.concatenate([probs[keep], probs[keep]])
    order = np.argsort(src, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(src, minlength=n))]).tolist()
    dst_list = dst[order].tolist()
    weight_list = weight[order].tolist()
    for x in np.unique(src).tolist():
        lo, hi = bounds[x], bounds[x + 1]
        edges[x] = dict(zip(dst_list[lo:hi], weight_list[lo:hi], strict=True))
    sa, sb = a[strong], b[strong]
    negative, low, high = -probs[strong], np.minimum(sa, sb), np.maximum(sa, sb)
    order = np.lexsort((high, low, negative))
    return list(
        zip(negative[order].tolist(), low[order].tolist(), high[order].tolist(), strict=True)
    )


def _cluster(
    n: int,
    a: np.ndarray,
    b: np.ndarray,
    probs: np.ndarray,
    variant_of: np.ndarray,
    compat: np.ndarray,
    threshold: float,
    groups: list[list[int]],
    locked: set[int],
    history: list[tuple[int, int, float]] | None = None,
) -> list[tuple[list[int], float, bool]]:
    """Sparse average-linkage clustering. Returns (members, weakest link, locked) per cluster;
    ``history`` receives each join as (a member of one side, one of the other, link)."""
    cluster_of = np.arange(n)
    members: dict[int, list[int]] = {c: [c] for c in range(n)}
    variants: dict[int, set[int]] = {c: {int(variant_of[c])} for c in range(n)}
    weakest: dict[int, float] = {c: 1.0 for c in range(n)}
    is_locked: dict[int, bool] = {c: False for c in range(n)}
    for g, group in enumerate(groups):
        head = group[0]
        for m in group[1:]:
            members[head].extend(members.pop(m))
            variants[head] |= variants.pop(m)
            weakest.pop(m)
            is_locked.pop(m)
            cluster_of[m] = head
        is_locked[head] = g in locked
    edges: dict[int, dict[int, float]] = {c: {} for c in members}
    if groups:
        for x, y, p in zip(
            cluster_of[a].tolist(), cluster_of[b].tolist(), probs.tolist(), strict=True
        ):
            if x == y:
                continue
            edges[x][y] = edges[x].get(y, 0.0) + p
            edges[y][x] = edges[y].get(x, 0.0) + p
        initial = None
    else:
        initial = _reachable_edges(n, a, b, probs, threshold, edges)
    # Heap entries stay valid while both clusters live: a merge makes a new cluster id, and
    # the links between two untouched clusters do not change.
    heap: list[tuple[float, int, int]] = []

    def push(x: int, y: int) -> None:
        link = edges[x][y] / (len(members[x]) * len(members[y]))
        if link >= threshold:
            heapq.heappush(heap, (-link, x, y))

    # The links of two authorships (each its pair's probability) are the first entries: with
    # no groups they come sorted (the order the heap would pop them in: entries are distinct),
    # and each step takes the smaller of the next one and the heap's top (the links of the
    # clusters joins make), so most entries never go through the heap.
    first: list[tuple[float, int, int]] = []
    if initial is not None:
        first = initial
    else:
        for x, neighbours in edges.items():
            for y in neighbours:
                if x < y:
                    push(x, y)
    next_first = 0
    n_first = len(first)
    next_id = n
    while heap or next_first < n_first:
        if next_first < n_first and (not heap or first[next_first] < heap[0]):
            negative, x, y = first[next_first]
            next_first += 1
        else:
            negative, x, y = heapq.heappop(heap)
        if x not in members or y not in members or y not in edges[x]:
            continue
        link = -negative
        allowed = not (is_locked[x] and is_locked[y]) and all(
            compat[v, w] != INCOMPATIBLE for v in variants[x] for w in variants[y]
        )
        if not allowed:
            # Neither side can ever hold the other: forget the link for good.
            edges[x].pop(y, None)
            edges[y].pop(x, None)
            continue
        if history is not None:
            history.append((members[x][0], members[y][0], link))
        z = next_id
        next_id += 1
        members[z] = members.pop(x) + members.pop(y)
        variants[z] = variants.pop(x) | variants.pop(y)
        weakest[z] = min(weakest.pop(x), weakest.pop(y), link)
        is_locked[z] = is_locked.pop(x) or is_locked.pop(y)
        ex, ey = edges.pop(x), edges.pop(y)
        ex.pop(y, None)
        ey.pop(x, None)
        if len(ex) < len(ey):
            ex, ey = ey, ex
        for k, v in ey.items():
            ex[k] = ex.get(k, 0.0) + v
        edges[z] = ex
        size_z = len(members[z])
        for k, v in ex.items():
            nk = edges[k]
            nk.pop(x, None)
            nk.pop(y, None)
            nk[z] = v
            # push(z, k), inline: the new cluster's link to each neighbour.
            link_zk = v / (size_z * len(members[k]))
            if link_zk >= threshold:
                heapq.heappush(heap, (-link_zk, z, k))
    return [(members[c], weakest[c], is_locked[c]) for c in members]


def resolve(
    corpus: Corpus,
    model: PairModel | None = None,
    *,
    threshold: float | None = None,
    flag_threshold: float | None = None,
    groups: Sequence[Sequence[Hashable]] = (),
    locked: Sequence[bool] = (),
    blocks: Sequence[str] | None = None,
    clustering: bool = True,
    pairs_from: float = 0.0,
    evidence: bool = True,
) -> Resolution:
    """Cluster every block of the corpus (or the named ``blocks``).

    ``groups``: lists of mention keys that must stay together (a record people or curators
    fixed); ``locked[g]`` says group g may not join another locked group. ``clustering=False``
    only scores the pairs (``Resolution.clusters`` stays empty); ``pairs_from`` keeps only the
    scored pairs of at least that probability in ``Resolution.pairs`` (memory of a full pass);
    ``evidence=False`` leaves each cluster's evidence and reason empty (a pass that reads only
    the clusters' members and confidence).
    """
    model = model or default_model()
    threshold = model.threshold if threshold is None else threshold
    flag_threshold = model.flag_threshold if flag_threshold is None else flag_threshold
    index_of = {m.key: k for k, m in enumerate(corpus.mentions)}
    group_of: dict[int, int] = {}
    for g, keys in enumerate(groups):
        for key in keys:
            if key in index_of:
                group_of[index_of[key]] = g
    clusters: list[Cluster] = []
    cluster_of: dict[Hashable, int] = {}
    # First every block's candidate pairs, then all pairs scored at once (small blocks are the
    # vast majority: scoring them one by one would cost more in overhead than in work).
    # (members, variant_of, compat, groups, pairs, locked): the middle four are None for a block of
    # one, and set together otherwise (so Any rather than four Optionals to narrow one by one).
    prepared: list[tuple[list[int], Any, Any, Any, tuple[np.ndarray, np.ndarray] | None, set[int]]]
    prepared = []
    pair_blocks: list[tuple[np.ndarray, ...]] = []
    for block in blocks if blocks is not None else corpus.blocks:
        members = corpus.blocks.get(block, [])
        if not members:
            continue
        local_groups: dict[int, list[int]] = {}
        if group_of:
            local_of = {m: k for k, m in enumerate(members)}
            for m in members:
                if m in group_of:
                    local_groups.setdefault(group_of[m], []).append(local_of[m])
        group_ids = list(local_groups)
        locked_local = {k for k, g in enumerate(group_ids) if g < len(locked) and locked[g]}
        if len(members) == 1:
            prepared.append((members, None, None, None, None, locked_local))
            continue
        names, variant_of = _variants(corpus, members)
        compat = _compat_matrix(names)
        a, b = block_pairs(corpus, members, variant_of, compat)
        prepared.append(
            (
                members,
                variant_of,
                compat,
                [local_groups[g] for g in group_ids],
                (a, b),
                locked_local,
            )
        )
        member_array = np.asarray(members)
        if len(members) >= BLOCK_PRODUCT_MIN:
            shared = corpus.block_shared_coauthors(member_array, a, b)
        else:
            shared = (np.full(len(a), np.nan, dtype=np.float32),) * 2
        pair_blocks.append(
            (member_array[a], member_array[b], compat[variant_of[a], variant_of[b]],
             np.full(len(a), len(members)), *shared)
        )  # fmt: skip
    if pair_blocks:
        gi = np.concatenate([p[0] for p in pair_blocks])
        gj = np.concatenate([p[1] for p in pair_blocks])
        levels = np.concatenate([p[2] for p in pair_blocks])
        sizes = np.concatenate([p[3] for p in pair_blocks])
        shared_count = np.concatenate([p[4] for p in pair_blocks])
        shared_idf = np.concatenate([p[5] for p in pair_blocks])
        del pair_blocks
    else:
        gi = gj = levels = sizes = np.empty(0, dtype=np.int64)
        shared_count = shared_idf = np.empty(0, dtype=np.float32)
    probs = np.empty(len(gi), dtype=np.float64)
    for start in range(0, len(gi), PAIR_CHUNK):
        part = slice(start, start + PAIR_CHUNK)
        x = pair_features(
            corpus, gi[part], gj[part], levels[part], sizes[part],
            (shared_count[part], shared_idf[part]),
        )  # fmt: skip
        probs[part] = model.predict(x)
    del shared_count, shared_idf
    if pairs_from > 0:
        keep = probs >= pairs_from
        kept_pairs = (gi[keep], gj[keep], probs[keep])
    else:
        kept_pairs = (gi, gj, probs)
    if not clustering:
        return Resolution(clusters=[], cluster_of={}, pairs_scored=len(gi), pairs=kept_pairs)
    offset = 0
    for members, variant_of, compat, block_groups, pairs, locked_local in prepared:
        if pairs is None:
            found = [([0], 1.0, bool(locked_local))]
        else:
            a, b = pairs
            block_probs = probs[offset : offset + len(a)]
            offset += len(a)
            found = _cluster(
                len(members), a, b, block_probs, variant_of, compat, threshold,
                block_groups, locked_local,
            )  # fmt: skip
        for local_members, weakest, _ in found:
            global_members = [members[k] for k in local_members]
            cluster = Cluster(
                members=global_members,
                confidence=round(float(weakest), 3),
                flagged=weakest < flag_threshold,
            )
            if evidence:
                cluster.evidence = cluster_evidence(corpus, global_members)
                cluster.evidence["confidence"] = cluster.confidence
                cluster.reason = reason_text(cluster.evidence)
            for m in global_members:
                cluster_of[corpus.mentions[m].key] = len(clusters)
            clusters.append(cluster)
    return Resolution(
        clusters=clusters, cluster_of=cluster_of, pairs_scored=len(gi), pairs=kept_pairs
    )


def cluster_evidence(corpus: Corpus, members: Sequence[int]) -> dict:
    """What the authorships of one cluster have in common, for people to read."""
    if len(members) == 1:
        m = corpus.mentions[members[0]]
        year = corpus.year[corpus.work_row[members[0]]]
        return {"authorships": 1, "works": 1, "name_forms": [m.name], "shared_coauthors": 0,
                "top_affiliation": m.affiliation, "top_affiliation_works": 1,
                "affiliation_years": [], "years": [int(year)] * 2 if year >= 0 else []}  # fmt: skip
    mentions = [corpus.mentions[m] for m in members]
    works = {corpus.work_row[m] for m in members}
    own = {corpus.block_vocab_index[m] for m in members}
    coauthor_counts: Counter[int] = Counter()
    for w in works:
        row = corpus.coauthors.indices[corpus.coauthors.indptr[w] : corpus.coauthors.indptr[w + 1]]
        coauthor_counts.update(int(c) for c in row if c not in own)
    shared = sum(1 for c in coauthor_counts.values() if c >= 2)
    affiliations = Counter(
        corpus.affiliation_text[m] for m in members if corpus.affiliation_text[m]
    )
    years = [
        int(corpus.year[corpus.work_row[m]])
        for m in members
        if corpus.year[corpus.work_row[m]] >= 0
    ]
    top_affiliation, top_count = affiliations.most_common(1)[0] if affiliations else ("", 0)
    aff_years = [
        int(corpus.year[corpus.work_row[m]])
        for m in members
        if corpus.affiliation_text[m] == top_affiliation and corpus.year[corpus.work_row[m]] >= 0
    ]
    printed = next(
        (m.affiliation for m, k in zip(mentions, members, strict=True)
         if corpus.affiliation_text[k] == top_affiliation),
        "",
    )  # fmt: skip
    return {
        "authorships": len(members),
        "works": len(works),
        "name_forms": sorted({m.name for m in mentions})[:10],
        "shared_coauthors": shared,
        "top_affiliation": printed if top_count >= 2 else "",
        "top_affiliation_works": top_count,
        "affiliation_years": [min(aff_years), max(aff_years)] if aff_years else [],
        "years": [min(years), max(years)] if years else [],
    }


def reason_text(evidence: dict) -> str:
    """ "one person: 14 shared co-authors, same affiliation 2003-2010" and the like."""
    if evidence["authorships"] == 1:
        return "one authorship"
    parts = []
    if evidence["shared_coauthors"]:
        n = evidence["shared_coauthors"]
        parts.append(f"{n} shared co-author{'s' if n != 1 else ''}")
    if evidence["top_affiliation_works"] >= 2 and evidence["affiliation_years"]:
        y0, y1 = evidence["affiliation_years"]
        span = f"{y0}" if y0 == y1 else f"{y0}–{y1}"
        parts.append(f"same affiliation on {evidence['top_affiliation_works']} works {span}")
    if len(evidence["name_forms"]) > 1:
        parts.append(f"{len(evidence['name_forms'])} name forms")
    if not parts:
        parts.append("similar topics and compatible names")
    return "one person: " + ", ".join(parts) + f" (confidence {evidence['confidence']:.2f})"
