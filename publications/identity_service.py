"""Apply the author identity engine (publications/identity) to the database.

``resolve_identities`` loads the authorships of some name blocks (or all) and clusters them.
First the records the engine's clusters divide into several people are split (the curation
split: each other person gets a record of their own, the old slug keeps the largest piece and
lists everyone published under the name, its followers are told and choose whom to follow).
Then records the engine finds to be one person are merged: the smaller record into the larger
(the survivor) with the curation merge machinery, so its URL redirects (301) and its follows,
claims and history move. Each decision is stored as an ``IdentityDecision`` with its evidence.
Last, every record the pass saw gets the engine's assessment (one person, or several people's
works, with its confidence): graph reads it for the flag "may combine several researchers".

People and curators win. A record is *fixed* when it is claimed, does not receive imports
(split off by a curator), holds an attribution made by a claim, a curator or "not mine", or
has a curation event made by a person; the engine never moves anything into or out of a fixed
record: it stores a ``proposal`` (or ``split_proposal``) instead. Two fixed records are never clustered together.
A second pass over the same data changes nothing.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.db.models import Q

from publications import signals
from publications.curation import _merge, authors_changed_on_commit, refresh_counts, split_off
from publications.identity.cluster import cluster_evidence, reason_text, resolve
from publications.identity.components import Components
from publications.identity.evidence import Corpus, Mention
from publications.identity.model import default_model
from publications.identity.names import block_key
from publications.identity.records import (
    LINK_SUPPORT,
    SUPPORT,
    assess,
    confident_pieces,
    people_of,
    pieces_of,
    plan_merges,
    plan_moves,
    plan_splits,
)
from publications.identity_review import rejected_pairs
from publications.loader import MERGE_LOCK_KEY
from publications.merge_participants import merge_participants, merge_stored
from publications.models import (
    Author,
    Authorship,
    AuthorshipSource,
    CurationEvent,
    IdentityAssessment,
    IdentityDecision,
    IdentityReview,
)

logger = logging.getLogger(__name__)


@dataclass
class PassResult:
    authorships: int = 0
    blocks: int = 0
    merged: int = 0
    proposals: int = 0
    split: int = 0  # records split (each made one or more new records)
    split_proposals: int = 0
    moved: int = 0  # authorships moved to their person's record
    assessed: int = 0  # records whose assessment changed
    seconds: float = 0.0
    decisions: list[int] = field(default_factory=list)


# A pass over more name blocks than this reads every authorship and keeps the blocks' own in
# Python (one sequential read beats an index lookup per block; the import of a whole snapshot
# touches every block).
BLOCKS_READ_BY_INDEX = 20_000
# Authorships keyed per statement when rows without a block key are keyed.
KEYED_PER_STATEMENT = 50_000


def key_blocks() -> int:
    """Store the name block of every authorship that has none (a row another writer than the
    importer stored, or whose printed name changed since): how many were keyed."""
    table = Authorship._meta.db_table
    keyed = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id, printed_name FROM {table} WHERE block_key IS NULL ORDER BY id LIMIT %s",
                [KEYED_PER_STATEMENT],
            )
            rows = cursor.fetchall()
            if not rows:
                return keyed
            cursor.execute(
                f"UPDATE {table} s SET block_key = m.key "
                "FROM unnest(%s::bigint[], %s::text[]) AS m(id, key) WHERE s.id = m.id",
                [[r[0] for r in rows], [block_key(r[1]) for r in rows]],
            )
            keyed += len(rows)


def rekey_blocks() -> int:
    """Compute every authorship's name block again and store the ones that changed (the engine's
    name folding changed since they were stored, e.g. after an upgrade): how many changed. The
    nightly pass starts with it."""
    table = Authorship._meta.db_table
    changed: list[tuple[int, str]] = []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, printed_name, block_key FROM {table} WHERE block_key IS NOT NULL"
        )
        for pk, name, stored in cursor.fetchall():
            key = block_key(name)
            if key != stored:
                changed.append((pk, key))
        for start in range(0, len(changed), KEYED_PER_STATEMENT):
            part = changed[start : start + KEYED_PER_STATEMENT]
            cursor.execute(
                f"UPDATE {table} s SET block_key = m.key "
                "FROM unnest(%s::bigint[], %s::text[]) AS m(id, key) WHERE s.id = m.id",
                [[pk for pk, _ in part], [key for _, key in part]],
            )
    return len(changed)


def _load(block_keys: set[str] | None):
    """Mentions (key = authorship id) of live records, with each authorship's record.

    Only the rows of the given name blocks are read (by their stored block key) with the other
    names, text and categories of their works; how many works print each co-author's name is
    counted in SQL over the whole catalogue, as a pass over everything counts it.

    In authorship order: a merge rewrites the rows it moves, so without an order the next pass
    would read them in another one, and the candidate pairs of a large block (neighbours in
    time, ties in the order read) would change with it."""
    if block_keys is not None and len(block_keys) <= BLOCKS_READ_BY_INDEX:
        return _load_blocks(sorted(block_keys))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT s.id, s.work_id, s.position, s.printed_name, s.printed_affiliation, s.author_id,
                   s.source
            FROM publications_authorship s
            JOIN publications_work w ON w.id = s.work_id
            WHERE NOT w.hidden
            ORDER BY s.id
            """
        )
        rows = cursor.fetchall()
        # Titles and abstracts once per work (not once per authorship: a full pass would hold
        # every abstract a dozen times over).
        cursor.execute(
            """
            SELECT id, coalesce(title, '') || ' ' || coalesce(abstract, ''), EXTRACT(YEAR FROM first_submitted)::int
            FROM publications_work WHERE NOT hidden
            """
        )
        work_text = {w: (text, year) for w, text, year in cursor.fetchall()}
        topics = _topics(cursor, None)
    names_of_work: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for row in rows:
        names_of_work[row[1]].append((row[2], row[3]))
    coauthor_works: Counter[str] = Counter()
    for names in names_of_work.values():
        coauthor_works.update({block_key(n) for _, n in names})
    return _mentions(rows, names_of_work, work_text, topics, coauthor_works, block_keys)


def _topics(cursor, work_ids: list[int] | None) -> dict[int, list[tuple[bool, str]]]:
    cursor.execute(
        """
        SELECT wt.work_id, t.code, wt.is_primary FROM publications_worktopic wt
        JOIN publications_topic t ON t.id = wt.topic_id
        """
        + ("WHERE wt.work_id = ANY(%s)" if work_ids is not None else ""),
        [work_ids] if work_ids is not None else None,
    )
    topics: dict[int, list[tuple[bool, str]]] = defaultdict(list)
    for work_id, code, primary in cursor.fetchall():
        topics[work_id].append((not primary, code))
    return topics


def _load_blocks(keys: list[str]):
    """``_load`` for a few blocks: their rows found by the block index, and nothing else read
    but their works and the counts of their co-authors' names."""
    key_blocks()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT s.id, s.work_id, s.position, s.printed_name, s.printed_affiliation, s.author_id,
                   s.source, s.block_key
            FROM publications_authorship s
            JOIN publications_work w ON w.id = s.work_id
            WHERE NOT w.hidden AND s.work_id IN (
                SELECT work_id FROM publications_authorship WHERE block_key = ANY(%s))
            ORDER BY s.id
            """,
            [keys],
        )
        every = cursor.fetchall()
        work_ids = sorted({row[1] for row in every})
        cursor.execute(
            """
            SELECT id, coalesce(title, '') || ' ' || coalesce(abstract, ''), EXTRACT(YEAR FROM first_submitted)::int
            FROM publications_work WHERE id = ANY(%s)
            """,
            [work_ids],
        )
        work_text = {w: (text, year) for w, text, year in cursor.fetchall()}
        topics = _topics(cursor, work_ids)
        names_of_work: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for row in every:
            names_of_work[row[1]].append((row[2], row[3]))
        # Every work printing a name of the block counts, not only the works read here.
        cursor.execute(
            """
            SELECT s.block_key, count(DISTINCT s.work_id)
            FROM publications_authorship s
            JOIN publications_work w ON w.id = s.work_id
            WHERE NOT w.hidden AND s.block_key = ANY(%s)
            GROUP BY s.block_key
            """,
            [sorted({row[7] for row in every})],
        )
        coauthor_works = Counter(dict(cursor.fetchall()))
    wanted = set(keys)
    rows = [row[:7] for row in every if row[7] in wanted]
    del every
    return _mentions(rows, names_of_work, work_text, topics, coauthor_works, None)


def _mentions(
    rows: list[tuple],
    names_of_work: dict[int, list[tuple[int, str]]],
    work_text: dict[int, tuple[str, int | None]],
    topics: dict[int, list[tuple[bool, str]]],
    coauthor_works: Counter[str],
    block_keys: set[str] | None,
) -> tuple[list[Mention], dict[int, int], dict[int, str], Counter[str]]:
    # One name tuple, category tuple and text per work, shared by its mentions: a work of a
    # thousand authors costs a thousand references, not a million (its own name included: the
    # corpus reads a work's co-author names once and takes the pair's own name off).
    printed_of_work = {w: tuple(n for _, n in sorted(names)) for w, names in names_of_work.items()}
    del names_of_work
    categories_of: dict[int, tuple[str, ...]] = {
        w: tuple(code for _, code in sorted(codes)) for w, codes in topics.items()
    }
    mentions: list[Mention] = []
    record_of: dict[int, int] = {}
    source_of: dict[int, str] = {}
    for aid, work_id, _position, name, affiliation, author_id, source in rows:
        if block_keys is not None and block_key(name) not in block_keys:
            continue
        text, year = work_text[work_id]
        mentions.append(
            Mention(
                key=aid,
                work=work_id,
                name=name,
                affiliation=affiliation or "",
                coauthors=printed_of_work[work_id],
                categories=categories_of.get(work_id, ()),
                year=year,
                text=text,
            )
        )
        record_of[aid] = author_id
        source_of[aid] = source
    del rows, work_text
    return mentions, record_of, source_of, coauthor_works


# A pass over more records than this reads the few rows that can fix or separate a record
# without naming the records in SQL, and keeps those of its records in Python: a full pass names
# every record, and an IN list of a hundred thousand ids costs more to send and plan than the
# rows it finds.
RECORDS_IN_SQL_MAX = 20_000


def _fixed_records(record_ids: set[int], source_of: dict, record_of: dict) -> set[int]:
    fixed = {record_of[a] for a, s in source_of.items() if s != AuthorshipSource.ARXIV}
    named = len(record_ids) <= RECORDS_IN_SQL_MAX
    as_text = {str(r) for r in record_ids}
    # A record that does not receive imports was made by a split: a curator's is fixed, the
    # engine's is not (the engine may join it to more of the same person's works).
    splits = CurationEvent.objects.filter(action="split", actor__isnull=True, target_type="author")
    if named:
        splits = splits.filter(target_id__in=sorted(as_text))
    made_by_engine = {
        int(target_id) for target_id in splits.values_list("target_id", flat=True)
        if target_id in as_text
    }  # fmt: skip
    held = Author.objects.filter(
        Q(claimed_by__isnull=False) | (Q(receives_imports=False) & ~Q(pk__in=made_by_engine))
    )
    if named:
        held = held.filter(pk__in=record_ids)
    fixed |= {pk for pk in held.values_list("pk", flat=True) if pk in record_ids}
    by_people = CurationEvent.objects.filter(actor__isnull=False)
    if named:
        by_people = by_people.filter(
            Q(author_id__in=record_ids) | Q(target_type="author", target_id__in=sorted(as_text))
        )
    for author_id, target_type, target_id in by_people.values_list(
        "author_id", "target_type", "target_id"
    ):
        if not named and not (
            author_id in record_ids or (target_type == "author" and target_id in as_text)
        ):
            continue
        if author_id:
            fixed.add(author_id)
        if target_id.isdigit() and int(target_id) in record_ids:
            fixed.add(int(target_id))
    return fixed


def _separated_by_curators(record_ids: set[int]) -> set[frozenset[int]]:
    """Pairs of records a curator took apart (an undone merge): never proposed together again."""
    pairs = set()
    as_text = {str(r) for r in record_ids}
    unmerges = CurationEvent.objects.filter(action="unmerge", target_type="author")
    if len(record_ids) <= RECORDS_IN_SQL_MAX:
        unmerges = unmerges.filter(target_id__in=sorted(as_text))
    for target_id, before in unmerges.values_list("target_id", "before"):
        if target_id not in as_text:
            continue
        other = (before or {}).get("merged_into")
        if other:
            pairs.add(frozenset((int(target_id), int(other))))
    return pairs


def _split_by_engine(record_ids: set[int]) -> set[frozenset[int]]:
    """Pairs of records the engine's splits made from one: never joined again (the clusters
    that divided them would divide them again)."""
    pairs = set()
    for records in IdentityDecision.objects.filter(
        kind=IdentityDecision.Kind.SPLIT, records__overlap=sorted(record_ids)
    ).values_list("records", flat=True):
        pairs |= {frozenset((a, b)) for a in records for b in records if a < b}
    return pairs


def _on_live_records(pairs: set[frozenset[int]], record_ids: set[int]) -> set[frozenset[int]]:
    """The pairs kept apart, on the records that hold them now: a record merged since stands for
    the record it was merged into (a pass kept that whole group apart, so the next one does)."""
    gone = {r for pair in pairs for r in pair} - record_ids
    if not gone:
        return pairs
    # A merge points the records merged into the merged one at the survivor too: one step.
    into = dict(
        Author.objects.filter(pk__in=gone, merged_into__isnull=False).values_list(
            "pk", "merged_into_id"
        )
    )
    live = {frozenset(into.get(r, r) for r in pair) for pair in pairs}
    return {pair for pair in live if len(pair) == 2}


# Blocks are scored in groups of about this many candidate pairs (memory of a full pass).
PAIRS_PER_GROUP = 2_000_000
# Merges are applied this many groups of records per transaction.
MERGES_PER_BATCH = 500


def _score(corpus: Corpus, record_index: np.ndarray):
    """Every block clustered, group of blocks by group; of the scored pairs only those a later
    step reads are kept: strong enough to support a join (``records.SUPPORT``) across two
    records (``record_index``: each mention's record), or strong enough to link two clusters
    into one person (``records.LINK_SUPPORT``) across two clusters. Returns the pairs and each mention's cluster (by key)
    with each cluster's confidence."""
    from publications.identity.cluster import ALL_PAIRS_MAX, Resolution

    model = default_model()
    kept: list[tuple] = []
    cluster_of: dict = {}
    confidence: list[float] = []
    scored = 0
    group: list[str] = []
    budget = 0
    index_of = {m.key: k for k, m in enumerate(corpus.mentions)}
    cluster_index = np.full(corpus.n, -1, dtype=np.int32)

    def flush() -> None:
        nonlocal scored
        if group:
            part = resolve(
                corpus, model, blocks=group, pairs_from=min(SUPPORT, LINK_SUPPORT), evidence=False
            )
            offset = len(confidence)
            for key, c in part.cluster_of.items():
                cluster_of[key] = offset + c
                cluster_index[index_of[key]] = offset + c
            confidence.extend(c.confidence for c in part.clusters)
            assert part.pairs is not None
            gi, gj, probs = part.pairs
            across = ((record_index[gi] != record_index[gj]) & (probs >= SUPPORT)) | (
                (cluster_index[gi] != cluster_index[gj]) & (probs >= LINK_SUPPORT)
            )
            # Mention indexes fit in 32 bits: half the memory of the pairs kept.
            kept.append((gi[across].astype(np.int32), gj[across].astype(np.int32), probs[across]))
            scored += part.pairs_scored
            group.clear()

    for block, members in corpus.blocks.items():
        n = len(members)
        budget += min(n, ALL_PAIRS_MAX) * n // 2
        group.append(block)
        if budget >= PAIRS_PER_GROUP:
            flush()
            budget = 0
    flush()
    pairs = (
        np.concatenate([p[0] for p in kept]) if kept else np.empty(0, dtype=np.int32),
        np.concatenate([p[1] for p in kept]) if kept else np.empty(0, dtype=np.int32),
        np.concatenate([p[2] for p in kept]) if kept else np.empty(0),
    )
    resolution = Resolution(clusters=[], cluster_of=cluster_of, pairs_scored=scored, pairs=pairs)
    return resolution, confidence


def resolve_identities(
    *, names: list[str] | None = None, blocks: Iterable[str] | None = None
) -> PassResult:
    """One pass of the engine over the blocks of ``names`` (printed names) and ``blocks`` (name
    block keys, ``names.block_key``), or over everything when neither is given."""
    started = time.perf_counter()
    result = PassResult()
    block_keys: set[str] | None = None
    if names is not None or blocks is not None:
        block_keys = {block_key(n) for n in names or ()} | set(blocks or ())
    mentions, record_of, source_of, coauthor_works = _load(block_keys)
    result.authorships = len(mentions)
    if not mentions:
        return result
    records = set(record_of.values())
    fixed = _fixed_records(records, source_of, record_of)
    # Pairs curators took apart, pairs an owner or curator said are not one person, and
    # records the engine's splits made from one.
    kept_apart = _on_live_records(
        _separated_by_curators(records) | rejected_pairs(records), records
    )
    separated = kept_apart | _on_live_records(_split_by_engine(records), records)
    corpus = Corpus(mentions, coauthor_works=dict(coauthor_works))
    del mentions, coauthor_works
    result.blocks = len(corpus.blocks)
    record_index = np.fromiter(
        (record_of[m.key] for m in corpus.mentions), dtype=np.int64, count=corpus.n
    )
    resolution, cluster_confidence = _score(corpus, record_index)
    del record_index
    # Every pair is scored: what only the pair features read goes (the largest part of a full
    # pass's memory, which the merges below would otherwise hold on to).
    corpus.release_pair_evidence()
    index_of = {m.key: k for k, m in enumerate(corpus.mentions)}
    # The people the engine finds: its clusters, grouped by the strong pairs between them.
    person_of = people_of(resolution.cluster_of, resolution.pairs, [m.key for m in corpus.mentions])
    person_confidence: dict[int, float] = {}
    for key, person in person_of.items():
        c = cluster_confidence[resolution.cluster_of[key]]
        person_confidence[person] = min(person_confidence.get(person, 1.0), c)
    # From here on the people stand for the clusters (the peak of a full pass's memory is ahead).
    resolution.cluster_of = {}
    del cluster_confidence

    # Records that hold several people: split (or proposed, for a fixed record).
    pieces = pieces_of(record_of, person_of)
    splits: list[tuple[int, list[list[int]], dict, str]] = []
    split_proposals: list[tuple[int, list[list[int]], dict, str]] = []
    for record, new_pieces in plan_splits(pieces).items():
        evidence = _split_evidence(corpus, index_of, pieces[record], person_confidence)
        split = (record, new_pieces, evidence, _split_reason(evidence))
        (split_proposals if record in fixed else splits).append(split)
    del pieces
    families = _apply_splits(splits, result)  # {record: [(keys, new record), ...]}
    for made in families.values():
        for keys, new_record in made:
            for key in keys:
                record_of[key] = new_record
    result.split_proposals += _store_split_proposals(split_proposals, result)

    # A few works of a person on another person's record move to their person's (a new work
    # of a person split off a name's record, the leftovers of a split).
    moves = plan_moves(
        record_of, person_of, fixed, kept_apart,
        movable=lambda key: source_of[key] == AuthorshipSource.ARXIV,
    )  # fmt: skip
    for _record, home, keys in _apply_moves(
        corpus, index_of, moves, person_confidence, person_of, result
    ):
        for key in keys:
            record_of[key] = home

    # Records that are one person: merged (or proposed, for a fixed record).
    records = set(record_of.values())
    by_record: dict[int, list[int]] = defaultdict(list)
    for aid, rid in record_of.items():
        by_record[rid].append(aid)
    for record, made in families.items():
        family = [record, *(new_record for _, new_record in made)]
        separated |= {frozenset((a, b)) for a in family for b in family if a < b}
    size = {r: len(a) for r, a in by_record.items()}
    plan = plan_merges(corpus, resolution, record_of, size, fixed, separated, person_of)
    merges = _merge_plan(
        corpus, plan, lambda r: [index_of[a] for a in by_record[r]], size, fixed, result
    )

    # The engine's assessment of every record the pass saw, on the records as they are now.
    final = {r: r for r in records}
    for survivor, movable, _, _ in merges:
        for r in movable:
            final[r] = survivor
    counts: dict[int, Counter[int]] = defaultdict(Counter)
    for key, record in record_of.items():
        counts[final[record]][person_of[key]] += 1
    result.assessed = _store_assessments(counts)
    result.seconds = time.perf_counter() - started
    logger.info(
        "identity pass: %s authorships, %s split, %s moved, %s merged, %s proposals, %.1f s",
        result.authorships, result.split, result.moved, result.merged,
        result.proposals + result.split_proposals, result.seconds,
    )  # fmt: skip
    return result


def _merge_plan(corpus, plan: dict, members_of, size: dict, fixed: set, result: PassResult):
    """Carry out a merge plan (``records.plan_merges``): each group is merged, with its evidence
    (``members_of(record)``: the record's mention indexes), or stored as a proposal when its
    survivor is fixed; fixed records never move. Returns the merges made or tried
    [(survivor, merged records, evidence, reason)]."""
    merges: list[tuple[int, list[int], dict, str]] = []
    proposals: list[tuple[int, list[int], dict, str]] = []
    for survivor, others in plan:
        movable = [r for r in others if r not in fixed]
        if not movable:
            continue
        members = [m for r in [survivor, *movable] for m in members_of(r)]
        evidence = cluster_evidence(corpus, members)
        evidence["confidence"] = round(plan[(survivor, tuple(others))], 3)
        evidence["records"] = {str(r): size[r] for r in [survivor, *movable]}
        item = (survivor, movable, evidence, reason_text(evidence))
        (proposals if survivor in fixed else merges).append(item)
    for start in range(0, len(merges), MERGES_PER_BATCH):
        result.merged += _apply_merges(merges[start : start + MERGES_PER_BATCH], result)
    result.proposals += _store_proposals(proposals, result)
    return merges


def _split_evidence(corpus, index_of, by_cluster: dict, cluster_confidence: dict) -> dict:
    """What each person of a divided record has (its confident pieces, biggest first, and the
    authorships too few to tell whose they are), for people to read."""
    counts = {c: len(keys) for c, keys in by_cluster.items()}
    confident = sorted(confident_pieces(counts), key=lambda c: (-counts[c], min(by_cluster[c])))
    people = []
    for c in confident:
        evidence = cluster_evidence(corpus, [index_of[k] for k in by_cluster[c]])
        evidence["confidence"] = cluster_confidence[c]
        evidence["reason"] = reason_text(evidence)
        people.append(evidence)
    return {
        "people": people,
        "authorships": sum(counts.values()),
        "undecided": sum(n for c, n in counts.items() if c not in confident),
        # How sure the engine is of the least certain person it found.
        "confidence": round(min(p["confidence"] for p in people), 3),
    }


def _split_reason(evidence: dict) -> str:
    """ "several people: 3 persons of 41, 12 and 5 authorships (4 too few to tell)" """
    sizes = [p["authorships"] for p in evidence["people"]]
    listed = ", ".join(str(n) for n in sizes[:-1]) + f" and {sizes[-1]}"
    text = f"several people: {len(sizes)} persons of {listed} authorships"
    if evidence["undecided"]:
        text += f" ({evidence['undecided']} too few to tell stay on the record)"
    return text + f" (confidence {evidence['confidence']:.2f})"


def _apply_splits(splits, result: PassResult) -> dict[int, list[tuple[list[int], int]]]:
    """Split the records the engine divides, each in its own transaction (the curation split:
    each other person gets a new record, the old one keeps the largest piece and its slug, its
    followers are told). A record touched by someone since it was read (claimed, merged, works
    moved) is left for the next pass. Returns {record: [(authorship ids, new record), ...]}."""
    made: dict[int, list[tuple[list[int], int]]] = {}
    for record_id, new_pieces, evidence, reason in splits:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [MERGE_LOCK_KEY])
            author = Author.objects.select_for_update().filter(pk=record_id).first()
            if author is None or author.merged_into_id or author.claimed_by_id:
                continue
            wanted = {key for keys in new_pieces for key in keys}
            still = set(
                Authorship.objects.filter(author=author, pk__in=wanted, source=AuthorshipSource.ARXIV)
                .values_list("pk", flat=True)
            )  # fmt: skip
            if still != wanted:
                continue
            done = []
            for keys in new_pieces:
                new, _ = split_off(
                    author=author, authorships=keys, actor=None,
                    note=f"identity engine: {reason}", keep_sources=True,
                )  # fmt: skip
                done.append((keys, new.pk))
            decision = IdentityDecision.objects.create(
                kind=IdentityDecision.Kind.SPLIT,
                author=author,
                records=[author.pk, *(new_id for _, new_id in done)],
                reason=reason,
                evidence=evidence,
                confidence=evidence["confidence"],
            )
            result.decisions.append(decision.pk)
            result.split += 1
            made[record_id] = done
    return made


def _apply_moves(corpus, index_of, moves, person_confidence, person_of, result: PassResult):
    """Move each group of authorships to its person's record, all in one transaction (a record
    claimed, merged or changed by someone since it was read is left for the next pass), with a
    decision per group (its evidence: the person's works on both records) and a curation event
    on both records' history. Returns the moves made."""
    if not moves:
        return []
    done = []
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [MERGE_LOCK_KEY])
        ids = sorted({r for record, home, _ in moves for r in (record, home)})
        live = {
            a["pk"]: a
            for a in Author.objects.select_for_update()
            .filter(pk__in=ids, merged_into=None, claimed_by=None)
            .order_by("pk")
            .values("pk", "slug")
        }
        wanted = {person_of[keys[0]] for _, _, keys in moves}
        members_of: dict[int, list[int]] = defaultdict(list)
        for key, person in person_of.items():
            if person in wanted:
                members_of[person].append(index_of[key])
        for record, home, keys in moves:
            if record not in live or home not in live:
                continue
            moving = Authorship.objects.filter(
                pk__in=keys, author_id=record, source=AuthorshipSource.ARXIV
            )
            arxiv_ids = sorted(moving.values_list("work__arxiv_id", flat=True))
            if len(arxiv_ids) != len(keys):
                continue  # changed since it was read: the next pass sees it anew
            moving.update(author_id=home)
            person = person_of[keys[0]]
            evidence = cluster_evidence(corpus, members_of[person])
            evidence["confidence"] = person_confidence[person]
            evidence["moved"] = list(keys)
            evidence["works"] = arxiv_ids
            n = len(keys)
            reason = (
                f"{n} work{'s' if n != 1 else ''} of the person of {live[home]['slug']} moved "
                f"from {live[record]['slug']}: {reason_text(evidence)}"
            )
            decision = IdentityDecision.objects.create(
                kind=IdentityDecision.Kind.MOVE, author_id=home, records=[home, record],
                reason=reason, evidence=evidence, confidence=evidence["confidence"],
            )  # fmt: skip
            CurationEvent.objects.create(
                actor=None, action="identity_moved", target_type="author",
                target_id=str(home), author_id=record,
                before={"author": record, "authorships": list(keys)},
                after={"author": home, "slug": live[home]["slug"], "works": arxiv_ids},
                note=f"identity engine: {reason}",
            )  # fmt: skip
            result.decisions.append(decision.pk)
            result.moved += n
            done.append((record, home, keys))
        touched = sorted({r for record, home, _ in done for r in (record, home)})
        refresh_counts(touched)
        authors_changed_on_commit(touched)
    return done


def _store_split_proposals(proposals, result: PassResult) -> int:
    """A fixed record the engine divides: a proposal for curators (nothing moves), once: a
    record with an open or rejected split proposal gets no other."""
    if not proposals:
        return 0
    seen = set(
        IdentityDecision.objects.filter(
            kind=IdentityDecision.Kind.SPLIT_PROPOSAL,
            author_id__in=[p[0] for p in proposals],
            review__in=["", IdentityReview.REJECTED],
        ).values_list("author_id", flat=True)
    )
    new = [
        IdentityDecision(
            kind=IdentityDecision.Kind.SPLIT_PROPOSAL,
            author_id=record,
            records=[record],
            reason=reason,
            evidence={**evidence, "split_off": new_pieces},
            confidence=evidence["confidence"],
        )
        for record, new_pieces, evidence, reason in proposals
        if record not in seen
    ]
    created = IdentityDecision.objects.bulk_create(new)
    result.decisions.extend(d.pk for d in created)
    return len(created)


def _store_assessments(counts: dict[int, Counter[int]]) -> int:
    """Write the engine's assessment of each record ({record: {cluster: authorships}}) where it
    changed, and have the changed records rescored (graph reads it for the flag)."""
    assessed = {}
    for record, by_cluster in counts.items():
        several, share = assess(by_cluster)
        kind = IdentityAssessment.SEVERAL if several else IdentityAssessment.ONE
        assessed[record] = (str(kind), share)
    stored = {
        pk: (kind, confidence)
        for pk, kind, confidence in Author.objects.filter(
            pk__in=list(assessed), merged_into__isnull=True
        ).values_list("pk", "identity_assessment", "identity_confidence")
    }
    changed = sorted(r for r, value in assessed.items() if r in stored and stored[r] != value)
    if not changed:
        return 0
    table = Author._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} a SET identity_assessment = m.kind, identity_confidence = m.share "
            "FROM unnest(%s::bigint[], %s::text[], %s::float8[]) AS m(id, kind, share) "
            "WHERE a.id = m.id",
            [changed, [assessed[r][0] for r in changed], [assessed[r][1] for r in changed]],
        )
        # The flag is a score input: graph recomputes these records.
        signals.author_records_changed_on_commit(changed, authorships_changed=False, sender=Author)
    return len(changed)


def _store_proposals(proposals, result: PassResult) -> int:
    if not proposals:
        return 0
    seen = {
        (author_id, tuple(records))
        for author_id, records in IdentityDecision.objects.filter(
            kind=IdentityDecision.Kind.PROPOSAL, author_id__in={p[0] for p in proposals}
        ).values_list("author_id", "records")
    }
    new = [
        IdentityDecision(
            kind=IdentityDecision.Kind.PROPOSAL,
            author_id=survivor,
            records=[survivor, *movable],
            reason=reason,
            evidence=evidence,
            confidence=evidence["confidence"],
        )  # fmt: skip
        for survivor, movable, evidence, reason in proposals
        if (survivor, (survivor, *movable)) not in seen  # proposed before: nothing to add
    ]
    created = IdentityDecision.objects.bulk_create(new)
    result.decisions.extend(d.pk for d in created)
    return len(created)


def _apply_merges(merges, result: PassResult) -> int:
    """Merge a batch of record groups in one transaction, set-based.

    The same effect as the curation merge (``publications.curation._merge``, one per group):
    authorships move (their source kept), records merged into the merged ones follow, the merged
    record points to its survivor (its URL redirects 301), one curation event per merged record
    with what moved (a curator undoes it in the admin), counters refreshed, scores recomputed
    after commit. A group whose records carry rows of a merge participant (follows, claims or
    invitations: publications/merge_participants.py) goes through the curation merge itself; a
    group touched by someone since the records were read is left for the next pass.
    """
    merged_total = 0
    author_table = Author._meta.db_table
    authorship_table = Authorship._meta.db_table
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Wait for import batches writing authorships now; later ones see these merges.
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [MERGE_LOCK_KEY])
        ids = sorted({r for survivor, movable, _, _ in merges for r in [survivor, *movable]})
        live = {
            a["pk"]: a
            for a in Author.objects.select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .values("pk", "slug", "merged_into_id", "claimed_by_id", "verification_level")
        }
        merged_ids = [r for _, movable, _, _ in merges for r in movable]
        participants = merge_participants()
        busy: set[int] = set().union(
            *(p.records_with_rows(author_ids=merged_ids) for p in participants)
        )
        fast: list[tuple[int, list[int], dict, str]] = []
        slow: list[tuple[int, list[int], dict, str]] = []
        for item in merges:
            survivor, movable, _, _ = item
            group = [survivor, *movable]
            if any(r not in live or live[r]["merged_into_id"] for r in group):
                continue  # merged or deleted since it was read: the next pass sees it anew
            if any(live[r]["claimed_by_id"] for r in movable):
                continue  # claimed since it was read: never moved
            (slow if busy.intersection(movable) else fast).append(item)
        for survivor, movable, _evidence, reason in slow:
            _merge(
                kept_id=survivor, merged_ids=movable, actor=None,
                note=f"identity engine: {reason}", keep_sources=True,
            )  # fmt: skip
            merged_total += len(movable)
        if fast:
            kept_of = {r: survivor for survivor, movable, _, _ in fast for r in movable}
            moving = sorted(kept_of)
            kept_list = [kept_of[r] for r in moving]
            moved: dict[int, list[list]] = defaultdict(list)
            for pk, author_id, source in Authorship.objects.filter(
                author_id__in=moving
            ).values_list("pk", "author_id", "source"):
                moved[author_id].append([pk, source])
            repointed: dict[int, list[int]] = defaultdict(list)
            for pk, into in Author.objects.filter(merged_into_id__in=moving).values_list(
                "pk", "merged_into_id"
            ):
                repointed[into].append(pk)
            with connection.cursor() as cursor:
                mapping = "unnest(%s::bigint[], %s::bigint[]) AS m(merged, kept)"
                cursor.execute(
                    f"UPDATE {authorship_table} s SET author_id = m.kept FROM {mapping} "
                    "WHERE s.author_id = m.merged",
                    [moving, kept_list],
                )
                cursor.execute(
                    f"UPDATE {author_table} a SET merged_into_id = m.kept FROM {mapping} "
                    "WHERE a.merged_into_id = m.merged",
                    [moving, kept_list],
                )
                cursor.execute(
                    f"UPDATE {author_table} a SET merged_into_id = m.kept FROM {mapping} "
                    "WHERE a.id = m.merged",
                    [moving, kept_list],
                )
            events = []
            for survivor, movable, _, reason in fast:
                kept = live[survivor]
                for r in movable:
                    events.append(
                        CurationEvent(
                            actor=None,
                            action="merge",
                            target_type="author",
                            target_id=str(r),
                            author_id=survivor,
                            before={
                                "merged_into": None,
                                "authorships": moved.get(r, []),
                                **merge_stored(p.nothing_moved() for p in participants),
                                "repointed": repointed.get(r, []),
                                "kept": {
                                    "claimed_by": kept["claimed_by_id"],
                                    "verification_level": kept["verification_level"],
                                },
                            },
                            after={
                                "merged_into": survivor,
                                "kept_slug": kept["slug"],
                                "merged_slug": live[r]["slug"],
                                "claimed_by": kept["claimed_by_id"],
                                "verification_level": kept["verification_level"],
                            },
                            note=f"identity engine: {reason}",
                        )  # fmt: skip
                    )
            CurationEvent.objects.bulk_create(events, batch_size=1000)
            touched = sorted({*moving, *kept_of.values()})
            refresh_counts(touched)
            authors_changed_on_commit(touched)
            merged_total += len(moving)
        done = [*slow, *fast]
        created = IdentityDecision.objects.bulk_create(
            [
                IdentityDecision(
                    kind=IdentityDecision.Kind.MERGE,
                    author_id=survivor,
                    records=[survivor, *movable],
                    reason=reason,
                    evidence=evidence,
                    confidence=evidence["confidence"],
                )  # fmt: skip
                for survivor, movable, evidence, reason in done
            ],
            batch_size=1000,
        )
        result.decisions.extend(d.pk for d in created)
    return merged_total


# The nightly full pass is split into groups of about this many authorships, one task each.
AUTHORSHIPS_PER_GROUP = 100_000


def block_groups(authorships_per_group: int | None = None) -> list[list[str]]:
    """Every name block, in groups for the full pass's tasks: each group about
    ``authorships_per_group`` authorships (a larger block alone), in block order.

    Blocks are resolved independently, except through a record holding authorships of several
    blocks (a curator's merge of two name forms, an owner's record): such blocks stay in one
    group, so a record is only ever read, sized and merged by one task."""
    per_group = authorships_per_group or AUTHORSHIPS_PER_GROUP
    key_blocks()
    rekey_blocks()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT s.block_key, count(*) FROM publications_authorship s
            JOIN publications_work w ON w.id = s.work_id
            WHERE NOT w.hidden GROUP BY s.block_key
            """
        )
        size = dict(cursor.fetchall())
        cursor.execute(
            """
            SELECT array_agg(DISTINCT s.block_key) FROM publications_authorship s
            JOIN publications_work w ON w.id = s.work_id
            WHERE NOT w.hidden GROUP BY s.author_id HAVING count(DISTINCT s.block_key) > 1
            """
        )
        spanning = [keys for (keys,) in cursor.fetchall()]
    tied: Components[str] = Components()
    for keys in spanning:
        for other in keys[1:]:
            tied.union(keys[0], other)
    components: dict[str, list[str]] = defaultdict(list)
    for k in sorted(size):
        components[tied.find(k)].append(k)
    groups: list[list[str]] = []
    current: list[str] = []
    count = 0
    for keys in sorted(components.values()):
        n = sum(size[k] for k in keys)
        if current and count + n > per_group:
            groups.append(current)
            current, count = [], 0
        current.extend(keys)
        count += n
    if current:
        groups.append(current)
    return groups
