"""Candidate pairs of a small batch: the pairs of ``cluster.block_pairs`` that hold at least one
of the batch's authorships, formed without the others (pure code, no ORM).

A daily harvest adds a few authorships to blocks of thousands. The full pass forms and scores
every candidate pair of a block; the incremental assignment (publications/identity_incremental.py)
needs only the pairs with a new authorship on one side: new x existing and new x new. The
candidates are chosen by the same rules as ``block_pairs`` (every compatible pair in a block of
up to ``cluster.ALL_PAIRS_MAX``; in a larger one the pairs sharing a co-author name, an affiliation word
or a written-out given name, a long posting list linking time neighbours only), so a pair is a
candidate here exactly when the full pass would score it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from publications.identity import cluster
from publications.identity.evidence import Corpus
from publications.identity.names import INCOMPATIBLE

__all__ = ["batch_pairs"]


def _empty() -> tuple[np.ndarray, np.ndarray]:
    return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)


def batch_pairs(
    corpus: Corpus,
    members: Sequence[int],
    variant_of: np.ndarray,
    compat: np.ndarray,
    new: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Local index pairs (a < b, in ``block_pairs``' order) of a block worth scoring that hold
    at least one new authorship (``new``: a boolean mask over ``members``)."""
    n = len(members)
    fresh = np.flatnonzero(new)
    if not len(fresh) or n < 2:
        return _empty()
    if n <= cluster.ALL_PAIRS_MAX:
        x = np.repeat(fresh, n)
        y = np.tile(np.arange(n, dtype=np.int64), len(fresh))
        codes = [np.minimum(x, y)[x != y] * n + np.maximum(x, y)[x != y]]
    else:
        years = corpus.year[corpus.work_row[np.asarray(members)]]
        codes = []
        for posting in cluster.block_postings(corpus, members):
            p = np.asarray(posting, dtype=np.int64)
            if len(p) > cluster.POSTING_MAX:
                p = np.asarray(sorted(posting, key=lambda m: years[m]), dtype=np.int64)
            at = np.flatnonzero(new[p])
            if not len(at):
                continue
            if len(p) <= cluster.POSTING_MAX:
                px = np.repeat(p[at], len(p))
                py = np.tile(p, len(at))
            else:
                # Time neighbours: the full pass links p[i] and p[i + k] for k = 1..WINDOW.
                reach = min(cluster.WINDOW, len(p) - 1)
                steps = np.concatenate([np.arange(-reach, 0), np.arange(1, reach + 1)])
                where = (at[:, None] + steps[None, :]).ravel()
                origin = np.repeat(at, len(steps))
                inside = (where >= 0) & (where < len(p))
                px, py = p[origin[inside]], p[where[inside]]
            apart = px != py
            px, py = px[apart], py[apart]
            codes.append(np.minimum(px, py) * n + np.maximum(px, py))
        if not codes:
            return _empty()
    unique = np.unique(np.concatenate(codes))
    a, b = unique // n, unique % n
    keep = compat[variant_of[a], variant_of[b]] != INCOMPATIBLE
    return a[keep], b[keep]
