"""The identity engine's incremental assignment of a small batch (a daily harvest, a file of new
records) to author records, without clustering the blocks again.

``resolve_identities`` (publications/identity_service.py) scores every candidate pair of every
block it reads and clusters them; over the blocks a daily batch wrote that costs as much as the
blocks are large, for a few authorships each. ``assign_batch`` scores only the pairs that hold
one of the batch's authorships (new x existing, new x new: ``identity.batch.batch_pairs``, the
full pass's candidates), takes the records stored before the batch as they are (each record one
person), and decides only about the records the batch created:

* a new record most of whose authorships (``records.RECORD_SHARE``) have a strong partner
  (``records.SUPPORT``) in one existing record, with compatible names and no rival, is merged
  into it with the same set-based curation merge as the full pass (``_apply_merges``: the
  record's URL redirects, a curation event and an ``IdentityDecision`` hold the evidence);
* into a fixed record (claimed or curated: ``_fixed_records``) it is a proposal ("Is this also
  you?"), never a move;
* a batch's authorship the importer put on a record the engine split (the record receiving the
  name's imports), with a strong partner on exactly one other record of the split and none on
  its own, moves there (``_apply_moves``, as in the full pass; never into or out of a fixed
  record);
* records people or the engine took apart (curator undo, "not mine" and rejected proposals,
  the engine's splits) stay apart, as in the full pass; two records stored before the batch are
  never joined here (their own pairs were not scored: the nightly full pass decides).

The records the batch created and left apart get the engine's assessment of their own
authorships. The assessment of records stored before the batch (the ones a new record joined,
those the importer gave new authorships by name key) is left as the last full pass stored it,
until the nightly pass (which also splits records holding several people).

Which authorships and records are the batch's: those with an id above the ``BatchMark`` taken
before the import (ids only grow). Safe to run twice: a second run finds the merged records
gone and the others with the same pairs, so it changes nothing.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
from django.db import connection

from publications.identity.batch import batch_pairs
from publications.identity.cluster import (
    Resolution,
    _cluster,
    _compat_matrix,
    _variants,
)
from publications.identity.evidence import Corpus, pair_features
from publications.identity.model import default_model
from publications.identity.records import SUPPORT, people_of, plan_merges
from publications.identity_review import rejected_pairs
from publications.identity_service import (
    PassResult,
    _apply_moves,
    _fixed_records,
    _load,
    _merge_plan,
    _on_live_records,
    _separated_by_curators,
    _split_by_engine,
    _store_assessments,
    key_blocks,
)
from publications.loader import NAME_LIMIT
from publications.models import AuthorshipSource
from publications.names import name_key

logger = logging.getLogger(__name__)

# A batch is assigned incrementally when the authorships it wrote are at most this share of the
# authorships stored before it (a daily harvest of arXiv writes about 0.1% of the catalogue);
# the first import into an empty database, and a batch large enough to change the blocks it
# lands in, get the full pass over their blocks (which re-clusters and may split).
INCREMENTAL_MAX_SHARE = 0.1
PAIR_CHUNK = 50_000


@dataclass(frozen=True)
class BatchMark:
    """Where an import's rows start: the largest authorship and author record ids stored before
    it (0: none), and how many authorships were stored (the planner's estimate on a large
    table)."""

    authorships_before: int
    records_before: int
    stored: int


@dataclass
class BatchResult(PassResult):
    new_authorships: int = 0  # the batch's authorships in the blocks read
    new_records: int = 0  # the records the batch created, live when the pass started
    pairs_scored: int = 0


# Below this many rows the authorships are counted, above the planner's estimate is close enough.
COUNTED_BELOW = 100_000


def batch_mark() -> BatchMark:
    """Taken before an import: two index lookups and a count (or the planner's estimate)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT coalesce(max(id), 0) FROM publications_authorship),"
            " (SELECT coalesce(max(id), 0) FROM profiles_author),"
            " (SELECT reltuples::bigint FROM pg_class"
            "  WHERE oid = 'publications_authorship'::regclass)"
        )
        authorships, records, estimate = cursor.fetchone()
        if estimate is None or estimate < COUNTED_BELOW:
            cursor.execute("SELECT count(*) FROM publications_authorship")
            (estimate,) = cursor.fetchone()
    return BatchMark(authorships_before=authorships, records_before=records, stored=estimate)


def is_small_batch(mark: BatchMark | None) -> bool:
    """Whether the import since ``mark`` is assigned incrementally: the database held
    authorships before it, and the batch wrote at most ``INCREMENTAL_MAX_SHARE`` of that many."""
    if mark is None or mark.stored <= 0:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM publications_authorship WHERE id > %s", [mark.authorships_before]
        )
        (written,) = cursor.fetchone()
    return written <= INCREMENTAL_MAX_SHARE * mark.stored


def _batch_blocks(mark: BatchMark) -> tuple[set[int], list[str]]:
    """The live records the batch created, and the name blocks of the batch's authorships
    printing a name it created a record for or sitting on a record of an engine split. The blocks do not depend on what a pass merged
    since (a merged record holds nothing, but its name still says where its authorships are),
    so a second run reads the same authorships as the first and scores the same pairs."""
    key_blocks()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, name_key, receives_imports, merged_into_id IS NULL FROM profiles_author "
            "WHERE id > %s",
            [mark.records_before],
        )
        rows = cursor.fetchall()
        records = {pk for pk, _, _, live in rows if live}
        # The names the importer made records for (not a curator's or owner's new record).
        names = {key for _, key, imported, _ in rows if imported}
        # A record the engine split: the batch's works on it may be another person's of the
        # family (the importer puts a name's works on the record receiving its imports).
        cursor.execute(
            """
            SELECT DISTINCT s.printed_name, s.block_key,
                   s.author_id IN (SELECT unnest(records) FROM publications_identitydecision
                                   WHERE kind = 'split')
            FROM publications_authorship s
            JOIN publications_work w ON w.id = s.work_id
            WHERE NOT w.hidden AND s.id > %s
            """,
            [mark.authorships_before],
        )
        printed = cursor.fetchall()
    blocks = sorted(
        {block for name, block, split in printed if split or name_key(name)[:NAME_LIMIT] in names}
    )
    return records, blocks


def _score_batch(corpus: Corpus, is_new: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every candidate pair holding a new mention, scored: (mention i, mention j, probability)."""
    model = default_model()
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for members in corpus.blocks.values():
        new = is_new[members]
        if len(members) < 2 or not new.any():
            continue
        names, variant_of = _variants(corpus, members)
        compat = _compat_matrix(names)
        a, b = batch_pairs(corpus, members, variant_of, compat, new)
        member_array = np.asarray(members)
        parts.append(
            (member_array[a], member_array[b], compat[variant_of[a], variant_of[b]],
             np.full(len(a), len(members)))
        )  # fmt: skip
    if not parts:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0)
    gi, gj, levels, sizes = (np.concatenate([p[k] for p in parts]) for k in range(4))
    probs = np.empty(len(gi), dtype=np.float64)
    for start in range(0, len(gi), PAIR_CHUNK):
        part = slice(start, start + PAIR_CHUNK)
        probs[part] = model.predict(
            pair_features(corpus, gi[part], gj[part], levels[part], sizes[part])
        )
    return gi, gj, probs


def _plan_moves(record_of, source_of, keys, is_new, new_records, fixed, records, pairs):
    """[(record, home, [authorship ids])]: a batch's authorship (imported) on a record stored
    before the batch that the engine split, with a strong partner (``SUPPORT``) on exactly one
    other record of that split and none on its own, moves there; never into or out of a fixed
    record, nor between records people kept apart. Also each moved authorship's home (for the
    evidence) and the move's confidence (the mean of the strong partners' probabilities)."""
    family = _on_live_records(_split_by_engine(records), records)
    if not family:
        return [], {}, {}
    kept_apart = _on_live_records(
        _separated_by_curators(records) | rejected_pairs(records), records
    )
    gi, gj, probs = pairs
    strong = probs >= SUPPORT
    partners: dict[int, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for i, j, p in zip(
        gi[strong].tolist(), gj[strong].tolist(), probs[strong].tolist(), strict=True
    ):
        for a, b in ((i, j), (j, i)):
            if is_new[a]:
                partners[a][record_of[keys[b]]].append(p)
    planned: dict[tuple[int, int], list] = defaultdict(list)
    confidence_of: dict[int, float] = {}
    for k, by_record in partners.items():
        key = keys[k]
        record = record_of[key]
        if record in new_records or record in fixed or source_of[key] != AuthorshipSource.ARXIV:
            continue
        if record in by_record:
            continue  # a strong partner on its own record: it stays
        homes = [
            h
            for h in by_record
            if frozenset((record, h)) in family
            and h not in fixed
            and frozenset((record, h)) not in kept_apart
        ]
        if len(homes) != 1:
            continue
        home = homes[0]
        planned[(record, home)].append(key)
        p = sum(by_record[home]) / len(by_record[home])
        confidence_of[home] = round(min(confidence_of.get(home, 1.0), p), 3)
    person_map = {key: record_of[key] for key in keys}
    moves = []
    for (record, home), moved in sorted(planned.items()):
        moves.append((record, home, sorted(moved)))
        for key in moved:
            person_map[key] = home
    return moves, person_map, confidence_of


def _own_people(corpus: Corpus, members: list[int], pairs) -> Counter[int]:
    """How the engine's clusters of one record's own authorships divide it ({person:
    authorships}): average linkage over the record's scored pairs, clusters linked by good
    pairs taken together, as the full pass groups a block."""
    if len(members) == 1:
        return Counter({0: 1})
    model = default_model()
    gi, gj, probs = pairs
    local = {m: k for k, m in enumerate(members)}
    names, variant_of = _variants(corpus, members)
    compat = _compat_matrix(names)
    a = np.array([local[i] for i in gi.tolist()], dtype=np.int64)
    b = np.array([local[j] for j in gj.tolist()], dtype=np.int64)
    found = _cluster(len(members), a, b, probs, variant_of, compat, model.threshold, [], set())
    cluster_of = {m: c for c, (locals_, _, _) in enumerate(found) for m in locals_}
    person = people_of(cluster_of, (a, b, probs), list(range(len(members))))
    return Counter(person.values())


def assign_batch(mark: BatchMark) -> BatchResult:
    """Assign the authorships written since ``mark`` (see the module's docstring)."""
    started = time.perf_counter()
    result = BatchResult()
    new_records, blocks = _batch_blocks(mark)
    if not blocks:
        result.seconds = time.perf_counter() - started
        return result
    mentions, record_of, source_of, coauthor_works = _load(set(blocks))
    result.authorships = len(mentions)
    if not mentions:
        return result
    records = set(record_of.values())
    new_records &= records
    result.new_records = len(new_records)
    fixed = _fixed_records(records, source_of, record_of)
    separated = _on_live_records(
        _separated_by_curators(records) | rejected_pairs(records) | _split_by_engine(records),
        records,
    )
    corpus = Corpus(mentions, coauthor_works=dict(coauthor_works))
    del mentions, coauthor_works
    result.blocks = len(corpus.blocks)
    keys = [m.key for m in corpus.mentions]  # authorship ids
    # The batch's authorships: written by it (an authorship an older work's new version moved
    # to a new record is left for the full pass).
    is_new = np.asarray(keys, dtype=np.int64) > mark.authorships_before
    result.new_authorships = int(is_new.sum())
    gi, gj, probs = _score_batch(corpus, is_new)
    result.pairs_scored = len(gi)
    # The batch's works the importer put on a record the engine split, that belong to another
    # record of the split: moved there (before the joins, as in the full pass).
    moves, person_map, confidence_of = _plan_moves(
        record_of, source_of, keys, is_new, new_records, fixed, records, (gi, gj, probs)
    )
    index_of = {key: k for k, key in enumerate(keys)}
    for _record, home, moved_keys in _apply_moves(
        corpus, index_of, moves, confidence_of, person_map, result
    ):
        for key in moved_keys:
            record_of[key] = home
    # Each record stored before the batch is one person; so is each new record, for the join.
    resolution = Resolution(clusters=[], cluster_of={}, pairs_scored=len(gi), pairs=(gi, gj, probs))
    person_of = people_of(record_of, (gi, gj, probs), keys)
    by_record: dict[int, list[int]] = defaultdict(list)
    for k, key in enumerate(keys):
        by_record[record_of[key]].append(k)
    size = {r: len(m) for r, m in by_record.items()}
    plan = plan_merges(
        corpus, resolution, record_of, size, fixed, separated, person_of, joining=new_records
    )
    merges = _merge_plan(corpus, plan, by_record.__getitem__, size, fixed, result)

    # The new records live after the pass that hold only the batch's authorships (a new record
    # an existing one joined is left for the full pass): the engine's assessment of them.
    final = {r: r for r in size}
    for survivor, movable, _, _ in merges:
        for r in movable:
            final[r] = survivor
    final_index = np.fromiter((final[record_of[k]] for k in keys), dtype=np.int64, count=corpus.n)
    holding: dict[int, list[int]] = defaultdict(list)
    for k, r in enumerate(final_index.tolist()):
        holding[r].append(k)
    assessed = [r for r in sorted(new_records) if final[r] == r and is_new[holding[r]].all()]
    inside: dict[int, list[int]] = defaultdict(list)
    for pair in np.flatnonzero(final_index[gi] == final_index[gj]).tolist():
        inside[int(final_index[gi[pair]])].append(pair)
    counts: dict[int, Counter[int]] = {}
    for r in assessed:
        pairs = np.asarray(inside.get(r, []), dtype=np.int64)
        counts[r] = _own_people(corpus, holding[r], (gi[pairs], gj[pairs], probs[pairs]))
    result.assessed = _store_assessments(counts)
    result.seconds = time.perf_counter() - started
    logger.info(
        "identity batch: %s new authorships (%s new records) in %s blocks, %s pairs, "
        "%s merged, %s proposals, %.1f s",
        result.new_authorships, result.new_records, result.blocks, result.pairs_scored,
        result.merged, result.proposals, result.seconds,
    )  # fmt: skip
    return result
