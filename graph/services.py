"""Recompute the stored counters and trust scores of author records, set-based.

Each counter is one grouped query over the whole table (or restricted to a scope of author
records); co-authorship is a self-join of authorships restricted to works with at most
CLOSE_MAX_AUTHORS authors. The score is computed in Python by the pure function of
graph.scoring over plain tuples, and only the records whose values changed are written back, with
one COPY into a temporary table and one UPDATE ... FROM. Running a recompute twice changes nothing
the second time.

Recomputes are serialised by a PostgreSQL advisory lock and read everything in one REPEATABLE READ
snapshot: a recompute racing an import computes from the data committed before it started, and the
import's own incremental recompute (enqueued when the import commits) waits for the lock and
then corrects the records it touched.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from bzpeer import page_cache
from graph import scoring
from publications import bulk_load
from publications.models import IdentityAssessment, shows_may_combine_several

# A recompute that rewrites at least this many author records, and at least this share of them
# (the first one after a bulk import, a new formula version), builds the author table's secondary
# indexes once after its UPDATE instead of updating each of them for every row it rewrites (see
# publications.bulk_load); readers of author records wait for its commit meanwhile.
REBUILD_MIN_ROWS = 10_000
REBUILD_MIN_SHARE = 0.5

# Works with more authors than this do not make their authors close collaborators (DESIGN.md).
CLOSE_MAX_AUTHORS = 25
# Close collaborators share at least this many works.
CLOSE_MIN_SHARED = 2
# Verification levels from which a collaborator counts as verified (L2: claimed, verified e-mail).
VERIFIED_LEVEL = 2
# Arbitrary constant identifying the recompute lock among PostgreSQL advisory locks.
LOCK_KEY = 5_052_011


@dataclass
class RecomputeResult:
    scope: int  # author records recomputed
    changed: int  # author records whose stored values changed
    score_changes: int  # history rows written
    flagged: int  # records in scope flagged "may combine several researchers"

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


class Stored(NamedTuple):
    """What an author record stores now, one row of _read's first query (same column order)."""

    id: int
    level: int
    claimed: bool
    works: int
    followers: int
    topics: int
    close: int
    verified: int
    first_year: int | None
    last_year: int | None
    score: int | None
    tier: str
    version: int | None
    inputs_key: str | None  # the fingerprint of the inputs the stored score was computed from
    several: bool
    scored: bool
    decision: str  # a curator's decision about the flag ("" = none)
    # the identity engine's assessment of the record ("one", "several"; "" = not assessed yet),
    # written by publications (the identity pass); graph only reads it
    assessment: str


class Counted(NamedTuple):
    """The values a recompute writes: counters, then the score."""

    works: int
    followers: int
    topics: int
    close: int
    verified: int
    first_year: int | None
    last_year: int | None
    score: int
    tier: str
    version: int


@dataclass(slots=True)
class Inputs:
    """An author record in scope: what it stores and what is counted afresh for it."""

    stored: Stored
    works: int = 0
    topics: int = 0
    first: int | None = None
    last: int | None = None
    followers: int = 0
    close: int = 0
    verified: int = 0
    disputes: int = 0
    # not score inputs: what _several_people selects its candidates by
    small_works: int = 0
    small_topics: int = 0
    pairs: int = 0


class Change(NamedTuple):
    """One row of the graph_recompute table _write fills (same column order)."""

    id: int
    works: int
    followers: int
    topics: int
    close: int
    verified: int
    first_year: int | None
    last_year: int | None
    score: int
    tier: str
    version: int
    components: str
    several: bool
    old_score: int | None
    was_scored: bool
    read_followers: int


def recompute_all() -> RecomputeResult:
    """Recompute every live author record. Safe to run twice: the second run changes nothing."""
    return _recompute(None)


def recompute_authors(
    author_ids: Iterable[int], *, with_collaborators: bool = True
) -> RecomputeResult:
    """Recompute the given author records and, unless told not to, their close collaborators.

    `author_ids` must hold every record on a work whose authorships changed (an import passes
    all authors of the works it wrote), so every co-authorship that changed has both of its
    records here. Close collaborators are added for what else depends on a record: its
    verification level counts in their verified collaborators (claims, curation); an import
    changes no verification level and may leave them out. Safe to run twice.
    """
    ids = sorted({int(i) for i in author_ids})
    if not ids:
        return RecomputeResult(0, 0, 0, 0)
    return _recompute(ids, with_collaborators=with_collaborators)


@contextmanager
def _recompute_lock() -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def _recompute(touched: list[int] | None, *, with_collaborators: bool = True) -> RecomputeResult:
    with _recompute_lock():
        outermost = not connection.in_atomic_block
        with transaction.atomic(), connection.cursor() as cursor:
            if outermost:  # one snapshot for every read (inside a test transaction: that one)
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            # Grouped counts over ~1M rows: enough memory to hash them, no JIT compile time.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL jit = off")
            scope = _scope(cursor, touched, with_collaborators=with_collaborators)
            rows = _read(cursor, scope)
            flagged_ids = _several_people(cursor, rows)
        with transaction.atomic(), connection.cursor() as cursor:
            changes = _changed_rows(rows, flagged_ids)
            history = _write(cursor, changes)
            # Cached anonymous profile pages show these counters and scores.
            changed_ids = [change.id for change in changes]
            if changed_ids:
                transaction.on_commit(lambda: page_cache.invalidate(changed_ids))
    return RecomputeResult(
        scope=len(rows),
        changed=len(changes),
        score_changes=history,
        flagged=len(flagged_ids),
    )


# --- reads -------------------------------------------------------------------------------------


def _scope(cursor, touched: list[int] | None, *, with_collaborators: bool) -> list[int] | None:
    """The touched records (and their close collaborators), in temp table graph_scope; None
    means every record. See recompute_authors."""
    if touched is None:
        return None
    cursor.execute("DROP TABLE IF EXISTS graph_scope")
    cursor.execute("CREATE TEMP TABLE graph_scope (id bigint PRIMARY KEY) ON COMMIT DROP")
    cursor.execute("INSERT INTO graph_scope SELECT DISTINCT unnest(%s::bigint[])", [touched])
    if with_collaborators:
        _add_close_collaborators(cursor)
    cursor.execute("ANALYZE graph_scope")
    cursor.execute("SELECT id FROM graph_scope ORDER BY id")
    return [r[0] for r in cursor.fetchall()]


def _add_close_collaborators(cursor) -> None:
    cursor.execute(
        f"""
        INSERT INTO graph_scope
        SELECT DISTINCT b.author_id
        FROM publications_authorship a
        JOIN publications_work w ON w.id = a.work_id AND NOT w.hidden
             AND w.authors_count <= {CLOSE_MAX_AUTHORS}
        JOIN publications_authorship b ON b.work_id = a.work_id AND b.author_id <> a.author_id
        WHERE a.author_id IN (SELECT id FROM graph_scope)
        GROUP BY a.author_id, b.author_id HAVING count(DISTINCT a.work_id) >= {CLOSE_MIN_SHARED}
        ON CONFLICT DO NOTHING
        """
    )


def _filter(column: str, scope: list[int] | None) -> tuple[str, list]:
    if scope is None:
        return "", []
    return f"AND {column} IN (SELECT id FROM graph_scope)", []


def _load_authorships(cursor, scope: list[int] | None) -> None:
    """Temp table graph_aw: one row per (record, visible work) in scope, with the work's primary
    topic, year and whether it is small (at most 25 authors, as printed: Work.authors_count).
    Every counter reads from it. For a scope, only the scope's own rows (read through
    authorship_author_idx): co-authors are read from publications_authorship where needed."""
    cond, params = _filter("a.author_id", scope)
    cursor.execute("DROP TABLE IF EXISTS graph_aw")
    cursor.execute(
        f"""
        CREATE TEMP TABLE graph_aw ON COMMIT DROP AS
        SELECT DISTINCT a.author_id, a.work_id, w.primary_topic_id AS topic_id,
               extract(year FROM w.first_submitted)::int AS year,
               w.authors_count <= {CLOSE_MAX_AUTHORS} AS small
        FROM publications_authorship a
        JOIN publications_work w ON w.id = a.work_id AND NOT w.hidden
        WHERE true {cond}
        """,
        params,
    )
    cursor.execute("ANALYZE graph_aw")


def _read(cursor, scope: list[int] | None) -> dict[int, Inputs]:
    """Current stored values and freshly counted inputs, per live author record in scope."""
    params: list[int]
    cond, params = ("", []) if scope is None else ("AND id IN (SELECT id FROM graph_scope)", [])
    cursor.execute(
        f"""
        SELECT id, verification_level, claimed_by_id IS NOT NULL, works_count, followers_count,
               topics_count, close_collaborators_count, verified_collaborators_count, first_year,
               last_year, trust_score, trust_tier, trust_formula_version, trust_components->>'inputs',
               may_combine_several, scored_at IS NOT NULL, several_decision,
               identity_assessment
        FROM profiles_author WHERE merged_into_id IS NULL {cond}
        """,
        params,
    )
    make = Stored._make
    rows: dict[int, Inputs] = {r[0]: Inputs(make(r)) for r in cursor.fetchall()}

    _load_authorships(cursor, scope)
    cond, params = _filter("author_id", scope)
    cursor.execute(
        f"""
        SELECT author_id, count(*), count(DISTINCT topic_id), min(year), max(year),
               count(*) FILTER (WHERE small), count(DISTINCT topic_id) FILTER (WHERE small)
        FROM graph_aw WHERE true {cond} GROUP BY author_id
        """,
        params,
    )
    for author_id, works, topics, first, last, small_works, small_topics in cursor.fetchall():
        if (row := rows.get(author_id)) is not None:
            row.works, row.topics, row.first, row.last = works, topics, first, last
            row.small_works, row.small_topics = small_works, small_topics

    cursor.execute(
        f"SELECT author_id, count(*) FROM profiles_follow WHERE true {cond} GROUP BY author_id",
        params,
    )
    for author_id, followers in cursor.fetchall():
        if (row := rows.get(author_id)) is not None:
            row.followers = followers

    # Co-authorship: (record, co-author) pairs sharing at least 2 small visible works, with the
    # shared works, kept in graph_pairs (both ways) for _several_people. Only records with 2
    # small works can have one.
    m = f"""
        SELECT author_id, work_id FROM graph_aw
        WHERE small AND author_id IN (
            SELECT author_id FROM graph_aw WHERE small
            GROUP BY author_id HAVING count(*) >= {CLOSE_MIN_SHARED})
    """
    cursor.execute("DROP TABLE IF EXISTS graph_pairs")
    if scope is None:  # every pair once (a < b), then stored both ways
        # Grouped by sorting, not hashing: a hash aggregate reserves 8 kB per array_agg group,
        # so with hash_mem it plans for ~60k groups; ~1M (record, co-author) groups go through
        # it, and it spilled them to disk in 9 batches (twice the backend CPU of one sort on
        # astro-ph). Sorted by work too: the arrays come out ordered.
        cursor.execute("SET LOCAL enable_hashagg = off")
        cursor.execute(
            f"""
            CREATE TEMP TABLE graph_pairs ON COMMIT DROP AS
            WITH m AS ({m}),
            pairs AS (
                SELECT x.author_id AS a, y.author_id AS b,
                       array_agg(x.work_id ORDER BY x.work_id) AS works
                FROM m x JOIN m y ON y.work_id = x.work_id AND x.author_id < y.author_id
                GROUP BY x.author_id, y.author_id
                HAVING count(*) >= {CLOSE_MIN_SHARED}
            )
            SELECT a, b, works FROM pairs UNION ALL SELECT b, a, works FROM pairs
            """
        )
        cursor.execute("SET LOCAL enable_hashagg TO DEFAULT")
    else:
        # graph_aw holds only the scope's rows: the co-authors come from the authorships of its
        # small works (read from authorship_work_idx alone), grouped by pair in one hash.
        # min <> max: two distinct works (an author printed twice on one work counts once).
        cursor.execute(
            f"""
            CREATE TEMP TABLE graph_pairs ON COMMIT DROP AS
            WITH m AS ({m})
            SELECT x.author_id AS a, y.author_id AS b, array_agg(x.work_id) AS works
            FROM m x JOIN publications_authorship y
                 ON y.work_id = x.work_id AND y.author_id <> x.author_id
            GROUP BY x.author_id, y.author_id
            HAVING min(x.work_id) <> max(x.work_id)
            """
        )
    cursor.execute("ANALYZE graph_pairs (a, b)")
    cursor.execute(
        f"""
        SELECT p.a, count(c.id), count(*) FILTER (WHERE c.verification_level >= {VERIFIED_LEVEL}),
               count(*)
        FROM graph_pairs p LEFT JOIN profiles_author c ON c.id = p.b AND c.merged_into_id IS NULL
        GROUP BY p.a
        """
    )
    for author_id, close, verified, pairs in cursor.fetchall():
        if (row := rows.get(author_id)) is not None:
            row.close, row.verified, row.pairs = close, verified, pairs

    # Open disputes: pending claims a curator has seen and kept open as disputes
    # (profiles.claims.claim_mark_disputed), each against another party (the owner, or another
    # pending claimant); at most one fewer than the parties. Unseen claims never count, so
    # throwaway accounts cannot lower a record's score.
    cond, params = _filter("c.author_id", scope)
    cursor.execute(
        f"""
        SELECT c.author_id,
               count(DISTINCT c.user_id) FILTER (WHERE c.dispute_seen_at IS NOT NULL),
               count(DISTINCT c.user_id)
               + CASE WHEN bool_or(a.claimed_by_id IS NOT NULL AND c.user_id <> a.claimed_by_id)
                 THEN 1 ELSE 0 END
        FROM profiles_claim c JOIN profiles_author a ON a.id = c.author_id
        WHERE c.state = 'pending' {cond}
        GROUP BY c.author_id
        """,
        params,
    )
    for author_id, seen, parties in cursor.fetchall():
        if (row := rows.get(author_id)) is not None and seen and parties >= 2:
            row.disputes = min(seen, parties - 1)
    return rows


def _several_people(cursor, rows: dict[int, Inputs]) -> set[int]:
    """Records whose works look like several people's.

    The identity engine's assessment decides for every record it has seen (publications'
    identity pass stores it: the share of the record's authorships in one engine cluster). A
    record the engine has not seen yet falls back on the test below
    (graph.scoring.may_combine_several).

    Two works of a record fall in one group through a co-author on both, who is then a close
    collaborator: so only records with 2 close collaborators, enough small works and two topics
    among them (all counted by _read) are tested, and only their close collaborators link works.
    Hyperauthored works say nothing about who someone works with. graph_pairs holds each close
    collaborator with the works shared (see _read): each candidate's groups are built from those
    lists and the topics of its small works (graph.scoring.several_groups), rather than by
    joining and regrouping millions of (record, work, co-author) rows in SQL."""
    assessed = {
        author_id: i.stored.assessment == IdentityAssessment.SEVERAL
        for author_id, i in rows.items()
        if i.stored.assessment
    }
    candidates = [
        author_id
        for author_id, i in rows.items()
        if author_id not in assessed
        and i.pairs >= 2
        and i.small_works >= scoring.SEVERAL_MIN_WORKS
        and i.small_topics >= 2
    ]
    cursor.execute("DROP TABLE IF EXISTS graph_candidates")
    cursor.execute("CREATE TEMP TABLE graph_candidates (author_id bigint) ON COMMIT DROP")
    with cursor.cursor.copy("COPY graph_candidates FROM STDIN") as copy:
        for author_id in candidates:
            copy.write_row((author_id,))
    cursor.execute("ANALYZE graph_candidates")
    cursor.execute(
        "SELECT a, works FROM graph_pairs WHERE a IN (SELECT author_id FROM graph_candidates)"
    )
    shared_of: dict[int, list] = {}
    for author_id, shared in cursor.fetchall():
        shared_of.setdefault(author_id, []).append(shared)
    cursor.execute(
        "SELECT author_id, work_id, topic_id FROM graph_aw"
        " WHERE small AND author_id IN (SELECT author_id FROM graph_candidates)"
    )
    topics: dict[int, dict[int, int | None]] = {}
    for author_id, work_id, topic_id in cursor.fetchall():
        topics.setdefault(author_id, {})[work_id] = topic_id
    flagged: set[int] = {author_id for author_id, several in assessed.items() if several}
    for author_id, shared in shared_of.items():
        if scoring.several_groups(topics[author_id], shared):
            flagged.add(author_id)
    return flagged


# --- compute and write -------------------------------------------------------------------------


def _changed_rows(rows: dict[int, Inputs], flagged: set[int]) -> list[Change]:
    """New stored values of the records whose values differ from what is stored.

    ``may_combine_several`` stores what the recompute finds; the penalty follows a curator's
    decision when there is one (cleared: no penalty, even while the recompute still finds
    groups; flagged: the penalty). The decision itself is never written here.

    Most records share their inputs (one work, no collaborators...): each distinct input is
    scored once. A stored breakdown is current when its inputs fingerprint and version match."""
    # Keyed by a plain tuple of the inputs: building a ScoreInputs per record cost more than
    # scoring the distinct ones on the astro-ph database.
    scores: dict[tuple, tuple[scoring.Score, str, str]] = {}
    changes: list[Change] = []
    for author_id, i in rows.items():
        current = i.stored
        several = author_id in flagged
        penalised = shows_may_combine_several(computed=several, decision=current.decision)
        fields = (
            current.level,
            current.claimed,
            i.works,
            i.first,
            i.last,
            i.close,
            i.verified,
            i.followers,
            penalised,
            i.disputes,
        )
        scored = scores.get(fields)
        if scored is None:
            inputs = scoring.ScoreInputs(
                verification_level=current.level,
                claimed=current.claimed,
                works=i.works,
                first_year=i.first,
                last_year=i.last,
                close_collaborators=i.close,
                verified_collaborators=i.verified,
                followers=i.followers,
                may_combine_several=penalised,
                open_disputes=i.disputes,
            )
            result = scoring.compute_score(inputs)
            scored = scores[fields] = (
                result,
                json.dumps(result.components),
                scoring.inputs_key(inputs),
            )
        result, components_json, key = scored
        new = Counted(
            i.works,
            i.followers,
            i.topics,
            i.close,
            i.verified,
            i.first,
            i.last,
            result.score,
            result.tier,
            result.version,
        )
        if (
            current.scored
            and _stored_counted(current) == new
            and current.inputs_key == key
            and current.several == several
        ):
            continue
        changes.append(
            Change(
                author_id,
                *new,
                components_json,
                several,
                current.score,
                current.scored,
                current.followers,
            )
        )
    return changes


# The stored values a recompute compares with the new ones, by name, as one tuple (in C).
_stored_counted = operator.attrgetter(*Counted._fields)


def _write(cursor, changes: list[Change]) -> int:
    """Write changed records (one COPY, one UPDATE) and a history row per changed score.

    The follower count has another writer: every follow moves it in its own transaction. The
    recompute writes its count only where the stored value is still the one it read (so no
    follow committed in between); otherwise the follows' exact count stays, and their own
    recompute follows."""
    if not changes:
        return 0
    now = timezone.now()
    deferred = _defer_indexes(cursor, len(changes))
    cursor.execute("DROP TABLE IF EXISTS graph_recompute")
    cursor.execute(
        """
        CREATE TEMP TABLE graph_recompute (
            id int PRIMARY KEY, works int, followers int, topics int, close int, verified int,
            first_year smallint, last_year smallint, score smallint, tier varchar(20),
            version smallint, components jsonb, several boolean, old_score smallint,
            was_scored boolean, read_followers int
        ) ON COMMIT DROP
        """
    )
    with cursor.cursor.copy("COPY graph_recompute FROM STDIN") as copy:
        for row in changes:
            copy.write_row(row)
    cursor.execute(
        """
        UPDATE profiles_author a SET
            works_count = r.works, topics_count = r.topics,
            followers_count = CASE WHEN a.followers_count = r.read_followers THEN r.followers
                                   ELSE a.followers_count END,
            close_collaborators_count = r.close, verified_collaborators_count = r.verified,
            first_year = r.first_year, last_year = r.last_year, trust_score = r.score,
            trust_tier = r.tier, trust_formula_version = r.version, trust_components = r.components,
            may_combine_several = r.several, scored_at = %s
        FROM graph_recompute r WHERE a.id = r.id
        """,
        [now],
    )
    cursor.execute(
        """
        INSERT INTO graph_scorechange (author_id, score, previous_score, tier, formula_version,
                                       created_at)
        SELECT id, score, CASE WHEN was_scored THEN old_score END, tier, version, %s
        FROM graph_recompute
        WHERE score IS DISTINCT FROM old_score
        """,
        [now],
    )
    history = cursor.rowcount
    if deferred is not None:
        bulk_load.restore(cursor, deferred)
    return history


def _defer_indexes(cursor, changed: int) -> bulk_load.Deferred | None:
    """Drop the author table's secondary indexes (and those of an empty score history, with its
    foreign key) when this recompute rewrites most records; None when it does not."""
    if changed < REBUILD_MIN_ROWS:
        return None
    cursor.execute("SELECT count(*) FROM profiles_author")
    if changed < REBUILD_MIN_SHARE * cursor.fetchone()[0]:
        return None
    # The rewritten records' foreign keys, slugs and name keys do not change: they are not
    # checked again (the unique indexes are built again all the same).
    deferred = bulk_load.drop(cursor, ["profiles_author"], foreign_keys=False, unique=True)
    if bulk_load.empty_tables(cursor, ("graph_scorechange",)):
        deferred = bulk_load.merge(deferred, bulk_load.drop(cursor, ["graph_scorechange"]))
    return deferred
