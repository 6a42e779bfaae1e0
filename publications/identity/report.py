"""Measure author identity on a labelled file: today's name keys against the engine.

Used by ``manage.py identity_report`` and the ``identity`` benchmark. No database: the works
are read from arXiv JSON-lines records (the snapshot schema ``import_arxiv`` reads).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from publications.identity.cluster import resolve
from publications.identity.evidence import Corpus
from publications.identity.labelled import mentions_from_records, read_records
from publications.identity.metrics import Report, evaluate, read_labels
from publications.identity.model import PairModel, default_model
from publications.identity.names import block_key, parse_name
from publications.names import name_key


@dataclass
class Measurement:
    name_keys: Report
    engine: Report
    # name-key records split and joined as resolve_identities does, flagged by the engine's
    # assessment of each record
    record_joins: Report
    mentions: int
    seconds: float
    missing_labels: int  # labelled authorships not found in the records


def labelled_mentions(records_path, labels: dict):
    families = set()
    wanted_ids = {arxiv_id for arxiv_id, _ in labels}
    records = [r for r in read_records(records_path) if str(r.get("id")) in wanted_ids]
    from publications.arxiv.authors import split_authors

    for record in records:
        authors = split_authors(record.get("authors") or "")
        for position, author in enumerate(authors, start=1):
            if (str(record.get("id")), position) in labels:
                families.add(parse_name(author.name).family)
    mentions, coauthor_works = mentions_from_records(
        read_records(records_path), lambda name: parse_name(name).family in families
    )
    return mentions, coauthor_works


# The recompute's "may combine several researchers" test over a record's works (each a tuple of
# work, primary topic, co-author ids): graph.scoring.may_combine_several, handed in by the
# callers (the catalogue does not import graph).
FlagRule = Callable[[list], bool]


def name_key_result(mentions, flag_rule: FlagRule) -> tuple[dict, set]:
    """Today's import: one record per folded name key, flagged by the recompute's heuristic."""
    assigned = {m.key: name_key(m.name) for m in mentions}
    works_of: dict[str, list] = {}
    ids: dict[str, int] = {}
    for m in mentions:
        coauthors = [ids.setdefault(name_key(c), len(ids)) for c in m.coauthors]
        primary = ids.setdefault("topic:" + m.categories[0], len(ids)) if m.categories else None
        works_of.setdefault(name_key(m.name), []).append((m.work, primary, coauthors))
    flagged = {key for key, works in works_of.items() if flag_rule(works)}
    return assigned, flagged


def record_joins(corpus, result, mentions) -> tuple[dict, set]:
    """Each mention's record after a ``resolve_identities`` pass over name-key records (the
    records the engine divides split, then records joined), and the records it flags."""
    from publications.identity.records import simulate_pass

    ids: dict[str, int] = {}
    record_of = {m.key: ids.setdefault(name_key(m.name), len(ids)) for m in mentions}
    return simulate_pass(corpus, result, record_of)


def measure(
    records_path, labels_path, model: PairModel | None = None, *, flag_rule: FlagRule
) -> Measurement:
    labels = read_labels(labels_path)
    started = time.perf_counter()
    mentions, coauthor_works = labelled_mentions(records_path, labels)
    keys = {m.key for m in mentions}
    baseline, baseline_flagged = name_key_result(mentions, flag_rule)
    corpus = Corpus(mentions, coauthor_works=coauthor_works)
    result = resolve(corpus, model or default_model())
    flagged = {i for i, c in enumerate(result.clusters) if c.flagged}
    seconds = time.perf_counter() - started
    joined, joined_flagged = record_joins(corpus, result, mentions)
    return Measurement(
        name_keys=evaluate(labels, baseline, baseline_flagged),
        engine=evaluate(labels, result.cluster_of, flagged),
        record_joins=evaluate(labels, joined, joined_flagged),
        mentions=len(mentions),
        seconds=seconds,
        missing_labels=sum(1 for k in labels if k not in keys),
    )


__all__ = ["Measurement", "measure", "labelled_mentions", "name_key_result", "block_key"]
