"""Train the pair model on a labelled file (``gold-dev.tsv``) and choose its thresholds.

    .venv/bin/python -m publications.identity.train ../shared/data/identity/records.jsonl \
        ../shared/data/identity/gold-dev.tsv [--write]

Pairs are the candidate pairs the engine itself compares, both sides labelled. Thresholds are
chosen by cross-validation over whole name blocks (the held-back labels are whole blocks of
homonyms, so a fold holds out whole blocks too): the clustering threshold maximises B-cubed F1
among thresholds whose precision is at least 0.95, the flag threshold maximises the flag's F1.
``--write`` stores coefficients and thresholds in ``pair_model.json``.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from sklearn.linear_model import LogisticRegression

from publications.identity.cluster import (
    _cluster,
    _compat_matrix,
    _score_block,
    _variants,
    block_pairs,
)
from publications.identity.evidence import FEATURES, Corpus, pair_features
from publications.identity.labelled import mentions_from_records, read_records
from publications.identity.metrics import evaluate, read_labels
from publications.identity.model import MODEL_FILE, PairModel
from publications.identity.names import parse_name

THRESHOLDS = [round(t, 2) for t in np.arange(0.20, 0.91, 0.05)]
FLAG_THRESHOLDS = [round(t, 2) for t in np.arange(0.20, 0.96, 0.05)]
FOLDS = 5


def labelled_corpus(records_path: str, labels_path: str) -> Corpus:
    """Every authorship of the labelled family names; the other authors are co-authors only."""
    families = set()
    with open(labels_path, encoding="utf-8") as handle:
        next(handle, None)
        for line in handle:
            row = line.rstrip("\n").split("\t")
            if len(row) >= 3:
                families.add(parse_name(row[2]).family)
    mentions, coauthor_works = mentions_from_records(
        read_records(records_path), lambda name: parse_name(name).family in families
    )
    return Corpus(mentions, coauthor_works=coauthor_works)


def training_pairs(corpus: Corpus, labels: dict, blocks: list[str]):
    xs, ys, groups = [], [], []
    for block in blocks:
        members = corpus.blocks[block]
        names, variant_of = _variants(corpus, members)
        compat = _compat_matrix(names)
        a, b = block_pairs(corpus, members, variant_of, compat)
        member_array = np.asarray(members)
        keys = [corpus.mentions[m].key for m in members]
        person = np.array([labels.get(k, "") for k in keys], dtype=object)
        both = (person[a] != "") & (person[b] != "")
        a, b = a[both], b[both]
        if not len(a):
            continue
        x = pair_features(
            corpus,
            member_array[a],
            member_array[b],
            compat[variant_of[a], variant_of[b]],
            len(members),
        )
        xs.append(x)
        ys.append(person[a] == person[b])
        groups.extend([block] * len(a))
    return np.vstack(xs), np.concatenate(ys).astype(int), np.asarray(groups)


def fit(x: np.ndarray, y: np.ndarray) -> PairModel:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=1.0, max_iter=2000)
    lr.fit((x - mean) / scale, y)
    return PairModel(FEATURES, mean, scale, lr.coef_[0], float(lr.intercept_[0]), 0.5, 0.5)


def labelled_blocks(corpus: Corpus, labels: dict) -> list[str]:
    return sorted(
        {corpus.block_of[i] for i, m in enumerate(corpus.mentions) if m.key in labels},
        key=lambda b: -len(corpus.blocks[b]),
    )


def folds(blocks: list[str], corpus: Corpus) -> list[list[str]]:
    """Whole blocks per fold, biggest first into the lightest fold."""
    out: list[list[str]] = [[] for _ in range(FOLDS)]
    weight = [0] * FOLDS
    for block in blocks:
        k = weight.index(min(weight))
        out[k].append(block)
        weight[k] += len(corpus.blocks[block])
    return out


def _replay(n: int, history: list[tuple[int, int, float]], threshold: float):
    """Clusters (as root per local index) and their weakest link after the joins >= threshold."""
    parent = list(range(n))
    weakest = [1.0] * n

    def find(v: int) -> int:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for a, b, link in history:
        if link < threshold:
            continue
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra
            weakest[ra] = min(weakest[ra], weakest[rb], link)
    roots = [find(v) for v in range(n)]
    return roots, weakest


def cross_validate(corpus: Corpus, labels: dict) -> dict:
    """Per threshold, the B-cubed figures with each fold's blocks clustered by a model trained
    on the other folds only (scored and clustered once per fold; each threshold replays the
    joins above it)."""
    blocks = labelled_blocks(corpus, labels)
    x, y, groups = training_pairs(corpus, labels, blocks)
    assigned_by_t: dict[float, dict] = {t: {} for t in THRESHOLDS}
    confidence_by_t: dict[float, dict] = {t: {} for t in THRESHOLDS}
    for k, fold_blocks in enumerate(folds(blocks, corpus)):
        train = ~np.isin(groups, fold_blocks)
        model = fit(x[train], y[train])
        for block in fold_blocks:
            members = corpus.blocks[block]
            names, variant_of = _variants(corpus, members)
            compat = _compat_matrix(names)
            a, b, probs, _ = _score_block(corpus, members, model, variant_of, compat)
            history: list[tuple[int, int, float]] = []
            _cluster(len(members), a, b, probs, variant_of, compat, min(THRESHOLDS), [], set(),
                     history)  # fmt: skip
            for t in THRESHOLDS:
                roots, weakest = _replay(len(members), history, t)
                for local, root in enumerate(roots):
                    cid = (k, block, root)
                    assigned_by_t[t][corpus.mentions[members[local]].key] = cid
                    confidence_by_t[t][cid] = weakest[root]
    table = {}
    for t in THRESHOLDS:
        rows = {}
        for ft in FLAG_THRESHOLDS:
            flagged = {c for c, conf in confidence_by_t[t].items() if conf < ft}
            rows[ft] = evaluate(labels, assigned_by_t[t], flagged)
        table[t] = rows
    return table


def choose(table: dict) -> tuple[float, float]:
    def quality(t):
        report = next(iter(table[t].values()))
        return (report.bcubed.precision >= 0.95, report.bcubed.f1)

    threshold = max(table, key=quality)
    flag = max(table[threshold], key=lambda ft: table[threshold][ft].flag.f1)
    return threshold, flag


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("records")
    parser.add_argument("labels")
    parser.add_argument("--write", action="store_true")
    parser.add_argument(
        "--thresholds", nargs=2, type=float, metavar=("JOIN", "FLAG"),
        help="skip the cross-validation and use these thresholds (from an earlier run)",
    )  # fmt: skip
    args = parser.parse_args()
    labels = read_labels(args.labels)
    corpus = labelled_corpus(args.records, args.labels)
    if args.thresholds:
        threshold, flag = args.thresholds
    else:
        table = cross_validate(corpus, labels)
        for t, rows in table.items():
            r = next(iter(rows.values()))
            print(
                f"threshold {t:.2f}: B3 P {r.bcubed.precision:.3f} R {r.bcubed.recall:.3f} "
                f"F1 {r.bcubed.f1:.3f} | pairwise F1 {r.pairwise.f1:.3f}"
            )
        threshold, flag = choose(table)
        chosen = table[threshold][flag]
        print(f"chosen threshold {threshold}, flag threshold {flag}")
        print("\n".join(chosen.lines()))
    blocks = labelled_blocks(corpus, labels)
    x, y, _ = training_pairs(corpus, labels, blocks)
    model = fit(x, y)
    model = PairModel(model.features, model.mean, model.scale, model.coef, model.intercept,
                      threshold, flag)  # fmt: skip
    for name, c in zip(FEATURES, model.coef, strict=True):
        print(f"  {name:28s} {c:+.3f}")
    if args.write:
        MODEL_FILE.write_text(json.dumps(model.to_json(), indent=1) + "\n")
        print(f"wrote {MODEL_FILE}")


if __name__ == "__main__":
    main()


def cross_validate_pass(corpus: Corpus, labels: dict, threshold: float):
    """The B-cubed figures of what the product shows: the records one ``resolve_identities``
    pass makes of the import's name-key records (splits, moves, joins: ``simulate_pass``), with
    each fold's blocks scored and clustered by a model trained on the other folds only, at the
    shipped join ``threshold``. Blocks never share a pair, so the folds' results are put side by
    side and the pass runs once over them all. Returns (report, records flagged)."""
    from dataclasses import replace

    from publications.identity.cluster import Resolution, resolve
    from publications.identity.records import LINK_SUPPORT, SUPPORT, simulate_pass
    from publications.names import name_key

    blocks = labelled_blocks(corpus, labels)
    x, y, groups = training_pairs(corpus, labels, blocks)
    cluster_of: dict = {}
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    offset = 0
    for fold_blocks in folds(blocks, corpus):
        train = ~np.isin(groups, fold_blocks)
        model = replace(fit(x[train], y[train]), threshold=threshold)
        part = resolve(corpus, model, blocks=fold_blocks, pairs_from=min(SUPPORT, LINK_SUPPORT))
        for key, c in part.cluster_of.items():
            cluster_of[key] = offset + c
        offset += len(part.clusters)
        assert part.pairs is not None
        parts.append(part.pairs)
    for m in corpus.mentions:  # blocks with no labelled authorship: not measured
        if m.key not in cluster_of:
            cluster_of[m.key] = offset
            offset += 1
    pairs = tuple(np.concatenate([p[i] for p in parts]) for i in range(3))
    resolution = Resolution(clusters=[], cluster_of=cluster_of, pairs=pairs)  # type: ignore[arg-type]
    ids: dict[str, int] = {}
    record_of = {m.key: ids.setdefault(name_key(m.name), len(ids)) for m in corpus.mentions}
    assigned, flagged = simulate_pass(corpus, resolution, record_of)
    return evaluate(labels, assigned, flagged), flagged
