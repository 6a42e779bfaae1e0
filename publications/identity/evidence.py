"""Evidence between two authorships of one block: the pair features the model scores.

A ``Mention`` is one authorship as the engine sees it (printed name and affiliation, the other
authors of the work, categories, year, title and abstract). A ``Corpus`` holds the mentions of a
whole import with the statistics that make evidence weigh right: how common each co-author
name is (a shared "Y. Li" says little, a shared "Xiaohui Fan" a lot), how common each
affiliation word is, and TF-IDF vectors of titles and abstracts. ``pair_features`` turns pairs
of mentions into one row of numbers each, in the order of ``FEATURES``.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize

from publications.identity.names import (
    INITIALS_MATCH,
    INITIALS_ONLY,
    SAME_GIVEN_NAME,
    block_key,
    fold,
)

__all__ = ["Mention", "Corpus", "FEATURES", "pair_features"]

FEATURES = (
    "name_same_given",  # the same written-out given name
    "name_initials_match",  # every initial agrees
    "name_initials_only",  # only the first initial (or less) agrees
    "block_size_log",  # how crowded the name is
    "coauthors_shared_log",  # shared co-author names (log 1+n)
    "coauthors_idf",  # shared co-author names weighted by rarity
    "coauthors_none",  # no co-author in common
    "team_min_log",  # size of the smaller author list (log)
    "team_max_log",
    "affiliation_cosine",  # TF-IDF cosine of the printed affiliations
    "affiliation_missing",  # one of them prints none
    "affiliation_same",  # the very same affiliation text
    "categories_jaccard",
    "primary_same",  # same primary category
    "years_apart_log",
    "text_cosine",  # TF-IDF cosine of titles and abstracts
    "text_cosine_x_no_coauthor",
    "affiliation_x_no_coauthor",
)

_AFFILIATION_STOP = {
    "of", "the", "and", "for", "de", "di", "der", "und", "fur", "la", "le", "del", "at", "in",
}  # fmt: skip
_WORD = re.compile(r"[A-Za-z][A-Za-z]+")


@dataclass(frozen=True, slots=True)
class Mention:
    """One authorship: ``key`` identifies it to the caller (an Authorship id, or (arXiv id,
    position)); ``work`` the work it belongs to (mentions of one work share it)."""

    key: Hashable
    work: Hashable
    name: str
    affiliation: str = ""
    coauthors: tuple[str, ...] = ()  # the other printed names of the work (its own may be there)
    categories: tuple[str, ...] = ()  # primary first
    year: int | None = None
    text: str = ""  # title and abstract


def affiliation_tokens(text: str) -> list[str]:
    return [w for w in (fold(t) for t in _WORD.findall(text)) if w and w not in _AFFILIATION_STOP]


@dataclass
class Corpus:
    mentions: Sequence[Mention]
    # How many works print each co-author key anywhere in the import; defaults to this corpus.
    coauthor_works: dict[str, int] | None = None
    blocks: dict[str, list[int]] = field(init=False)

    def __post_init__(self) -> None:
        mentions = self.mentions
        self.n = len(mentions)
        self.block_of = [block_key(m.name) for m in mentions]
        self.blocks = {}
        for index, key in enumerate(self.block_of):
            self.blocks.setdefault(key, []).append(index)

        # Works: one row each for co-author names, categories, year and text.
        work_index: dict[Hashable, int] = {}
        work_rows: list[int] = []
        first_of_work: list[int] = []
        for index, m in enumerate(mentions):
            w = work_index.get(m.work)
            if w is None:
                w = work_index[m.work] = len(first_of_work)
                first_of_work.append(index)
            work_rows.append(w)
        self.work_row = np.asarray(work_rows, dtype=np.int64)
        works = [mentions[i] for i in first_of_work]
        n_works = len(works)

        # Co-author names of each work (every printed name, as block keys; the pair's own key
        # is taken off when comparing).
        vocab: dict[str, int] = {}
        rows, cols = [], []
        for w, (index, m) in enumerate(zip(first_of_work, works, strict=True)):
            keys = {self.block_of[index]}
            keys.update(block_key(c) for c in m.coauthors)
            keys.discard("")
            for k in keys:
                rows.append(w)
                cols.append(vocab.setdefault(k, len(vocab)))
        self.coauthor_vocab = vocab
        self.coauthors = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n_works, len(vocab))
        )
        self.team = np.asarray(self.coauthors.sum(axis=1)).ravel()
        counts = self.coauthor_works
        if counts is None:
            df = np.asarray(self.coauthors.sum(axis=0)).ravel()
            total = n_works
        else:
            df = np.array([max(counts.get(k, 1), 1) for k in vocab], dtype=np.float64)
            total = max(n_works, int(df.max(initial=1)))
        self.coauthor_idf = np.log((1 + total) / (1 + df)).astype(np.float32) + 1.0
        self.block_vocab_index = np.array([vocab.get(k, -1) for k in self.block_of], dtype=np.int64)

        # Categories: binary, primary first.
        cat_vocab: dict[str, int] = {}
        rows, cols = [], []
        primary = []
        for w, m in enumerate(works):
            for c in dict.fromkeys(m.categories):
                rows.append(w)
                cols.append(cat_vocab.setdefault(c, len(cat_vocab)))
            primary.append(cat_vocab.get(m.categories[0], -1) if m.categories else -1)
        self.categories = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)),
            shape=(n_works, max(len(cat_vocab), 1)),
        )
        self.category_count = np.asarray(self.categories.sum(axis=1)).ravel()
        self.primary = np.asarray(primary, dtype=np.int64)
        self.year = np.array(
            [m.year if m.year is not None else -1 for m in works], dtype=np.float32
        )

        # Titles and abstracts: hashed words, TF-IDF over the whole corpus.
        hashing = HashingVectorizer(
            n_features=2**20, stop_words="english", alternate_sign=False, norm=None,
            token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z]{2,}\b",
        )  # fmt: skip
        counts_matrix = hashing.transform([m.text for m in works])
        self.text = TfidfTransformer(sublinear_tf=True).fit_transform(counts_matrix).tocsr()
        self.has_text = np.asarray(self.text.getnnz(axis=1) > 0)

        # Affiliations, per mention.
        aff_vocab: dict[str, int] = {}
        rows, cols = [], []
        self.affiliation_text = []
        for index, m in enumerate(mentions):
            tokens = affiliation_tokens(m.affiliation) if m.affiliation else []
            self.affiliation_text.append(" ".join(tokens))
            for t in set(tokens):
                rows.append(index)
                cols.append(aff_vocab.setdefault(t, len(aff_vocab)))
        self.affiliation_vocab = aff_vocab
        # The same affiliation text, as one number per mention (-1: none printed).
        text_ids: dict[str, int] = {"": -1}
        self.affiliation_id = np.fromiter(
            (text_ids.setdefault(t, len(text_ids) - 1) for t in self.affiliation_text),
            dtype=np.int32,
            count=self.n,
        )
        aff = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)),
            shape=(self.n, max(len(aff_vocab), 1)),
        )
        aff_df = np.asarray((aff > 0).sum(axis=0)).ravel()
        aff_idf = np.log((1 + self.n) / (1 + aff_df)) + 1.0
        self.affiliation_raw = aff
        self.affiliation = normalize(aff.multiply(aff_idf).tocsr())
        self.has_affiliation = np.asarray(aff.getnnz(axis=1) > 0)

    def release_pair_evidence(self) -> None:
        """Free what only scoring pairs reads (titles and abstracts with their TF-IDF,
        affiliation and category vectors), once every pair is scored: a pass keeps the rest
        (names, co-authors, affiliation texts, years) for the evidence of its decisions.
        ``pair_features`` and large blocks' ``block_pairs`` no longer work on this corpus."""
        self.mentions = [replace(m, text="") if m.text else m for m in self.mentions]
        for name in ("text", "affiliation", "affiliation_raw", "categories"):
            delattr(self, name)

    # -- pairs ---------------------------------------------------------------------------

    def shared_coauthors(self, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(number, IDF sum) of co-author names two mentions' works share, their own name off."""
        wi, wj = self.work_row[i], self.work_row[j]
        both = self.coauthors[wi].multiply(self.coauthors[wj]).tocsr()
        count = np.asarray(both.sum(axis=1)).ravel()
        weight = both @ self.coauthor_idf
        own = self.block_vocab_index[i]
        own_shared = np.asarray(both[np.arange(len(i)), np.maximum(own, 0)]).ravel() * (own >= 0)
        return self._own_off(count, weight, own, own_shared, wi == wj)

    def _own_off(self, count, weight, own, own_shared, same_work):
        count = count - own_shared
        weight = weight - own_shared * self.coauthor_idf[np.maximum(own, 0)]
        count[same_work] = 0
        weight[same_work] = 0
        return count, np.maximum(weight, 0)

    def block_shared_coauthors(
        self, members: np.ndarray, a: np.ndarray, b: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """``shared_coauthors`` of the pairs (members[a], members[b]) of one block, from the
        block's co-author matrix times its transpose instead of one row pair per pair (a large
        collaboration's works print hundreds of names, copied for every pair they are in). The
        same numbers: a count of shared names, and their IDF summed in float32 one name after
        the other in the names' order (sparse products add up a row's terms in that order, as
        the product of the two rows times the IDF vector does)."""
        works = self.work_row[members]
        rows = self.coauthors[works]
        rows.sort_indices()
        weighted = rows.copy()
        weighted.data = weighted.data * self.coauthor_idf[weighted.indices]
        columns = rows.T.tocsr()
        count = (rows @ columns).toarray()[a, b]
        weight = (weighted @ columns).toarray()[a, b]
        own = self.block_vocab_index[members]
        own_col = own[0] if len(own) else -1
        if own_col >= 0 and np.all(own == own_col):
            has_own = rows[:, own_col].toarray().ravel()
            own_shared = (has_own[a] * has_own[b]) * (own[a] >= 0)
        else:  # mentions of several name keys: row by row
            both = self.coauthors[works[a]].multiply(self.coauthors[works[b]]).tocsr()
            own_shared = np.asarray(both[np.arange(len(a)), np.maximum(own[a], 0)]).ravel() * (
                own[a] >= 0
            )
        return self._own_off(count, weight, own[a], own_shared, works[a] == works[b])


def _rowwise_dot(a: sparse.csr_matrix, b: sparse.csr_matrix) -> np.ndarray:
    return np.asarray(a.multiply(b).sum(axis=1)).ravel()


def pair_features(
    corpus: Corpus,
    i: np.ndarray,
    j: np.ndarray,
    levels: np.ndarray,
    block_size: np.ndarray | int,
    shared_coauthors: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """One row per pair (i[k], j[k]) of mention indexes; ``levels`` their name compatibility,
    ``block_size`` the size of their block (one int when all pairs share a block);
    ``shared_coauthors``: ``Corpus.shared_coauthors`` of the pairs where already known (NaN
    where not)."""
    out = np.zeros((len(i), len(FEATURES)), dtype=np.float64)
    if not len(i):
        return out
    if shared_coauthors is None:
        shared, shared_idf = corpus.shared_coauthors(i, j)
    else:
        shared, shared_idf = (x.copy() for x in shared_coauthors)
        todo = np.isnan(shared)
        if todo.any():
            shared[todo], shared_idf[todo] = corpus.shared_coauthors(i[todo], j[todo])
    wi, wj = corpus.work_row[i], corpus.work_row[j]
    team_i, team_j = corpus.team[wi], corpus.team[wj]
    aff = _rowwise_dot(corpus.affiliation[i], corpus.affiliation[j])
    has_aff = corpus.has_affiliation[i] & corpus.has_affiliation[j]
    same_aff = (corpus.affiliation_id[i] == corpus.affiliation_id[j]) & (
        corpus.affiliation_id[i] >= 0
    )
    cats = _rowwise_dot(corpus.categories[wi], corpus.categories[wj])
    union = corpus.category_count[wi] + corpus.category_count[wj] - cats
    jaccard = np.divide(cats, union, out=np.zeros_like(cats), where=union > 0)
    text = _rowwise_dot(corpus.text[wi], corpus.text[wj])
    yi, yj = corpus.year[wi], corpus.year[wj]
    apart = np.where((yi >= 0) & (yj >= 0), np.abs(yi - yj), 5.0)
    no_coauthor = (shared == 0).astype(np.float64)
    out[:, 0] = levels == SAME_GIVEN_NAME
    out[:, 1] = levels == INITIALS_MATCH
    out[:, 2] = levels == INITIALS_ONLY
    out[:, 3] = np.log1p(block_size)
    out[:, 4] = np.log1p(shared)
    out[:, 5] = shared_idf
    out[:, 6] = no_coauthor
    out[:, 7] = np.log1p(np.minimum(team_i, team_j))
    out[:, 8] = np.log1p(np.maximum(team_i, team_j))
    out[:, 9] = aff
    out[:, 10] = ~has_aff
    out[:, 11] = same_aff
    out[:, 12] = jaccard
    out[:, 13] = (corpus.primary[wi] == corpus.primary[wj]) & (corpus.primary[wi] >= 0)
    out[:, 14] = np.log1p(apart)
    out[:, 15] = text
    out[:, 16] = text * no_coauthor
    out[:, 17] = aff * no_coauthor
    return out


def describe_pair_evidence(row: np.ndarray, shared: int) -> dict[str, float]:
    """The features of one pair by name (for stored evidence)."""
    values = dict(zip(FEATURES, (float(v) for v in row), strict=True))
    values["coauthors_shared"] = shared
    return values
