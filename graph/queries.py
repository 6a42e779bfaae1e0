"""The ranked SQL behind graph slices: one set-based query per kind of neighbour, ordered by
relevance, with a LIMIT and the window count of all matches (its last column). Used only by
graph.selectors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection

from publications.models import Author, Authorship, Institution, Topic, Work, WorkTopic

# A topic's people are the authors of its most recent works (ranking every author of a topic with
# 50,000 works on each request would cost a second); their count is over this window.
TOPIC_PEOPLE_WINDOW = 500

AUTHORSHIP = Authorship._meta.db_table
WORK = Work._meta.db_table
TOPIC = Topic._meta.db_table
WORK_TOPIC = WorkTopic._meta.db_table
INSTITUTION = Institution._meta.db_table
AUTHOR = Author._meta.db_table


def rows(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass
class Ranked:
    """One kind's candidates, best first (at most `limit` of them), and how many matched in all."""

    rows: list[tuple]
    total: int

    @classmethod
    def of(cls, rows: list[tuple]) -> Ranked:
        # Every ranked query returns the window count of all its matches as its last column.
        return cls(rows=[row[:-1] for row in rows], total=rows[0][-1] if rows else 0)


# Records their owners hid never appear as people (few rows: a NOT EXISTS on the primary key).
_SHOWN_PERSON = f"NOT EXISTS (SELECT 1 FROM {AUTHOR} h WHERE h.id = {{author_id}} AND h.hidden)"


def people_of_author(author_id: int, limit: int) -> Ranked:
    """Co-authors by works shared with the author (visible works only), then the latest shared."""
    return Ranked.of(
        rows(
            f"""
        WITH mine AS (
            SELECT DISTINCT a.work_id, w.first_submitted
            FROM {AUTHORSHIP} a JOIN {WORK} w ON w.id = a.work_id AND NOT w.hidden
            WHERE a.author_id = %(centre)s
        ), pairs AS (
            -- distinct (co-author, work): a name printed twice on one work counts once
            SELECT DISTINCT o.author_id, o.work_id, m.first_submitted
            FROM mine m JOIN {AUTHORSHIP} o ON o.work_id = m.work_id
            WHERE o.author_id <> %(centre)s AND {_SHOWN_PERSON.format(author_id="o.author_id")}
        ), ranked AS (
            SELECT author_id, count(*) AS shared, max(first_submitted) AS latest,
                   count(*) OVER () AS total
            FROM pairs
            GROUP BY author_id
            ORDER BY shared DESC, latest DESC NULLS LAST, author_id
            LIMIT %(limit)s
        )
        SELECT r.author_id, p.slug, p.display_name, r.shared, r.latest, r.total
        FROM ranked r JOIN {AUTHOR} p ON p.id = r.author_id
        ORDER BY r.shared DESC, r.latest DESC NULLS LAST, r.author_id
    """,
            {"centre": author_id, "limit": limit},
        )
    )


def papers_of_author(author_id: int, limit: int) -> Ranked:
    return Ranked.of(
        rows(
            f"""
        SELECT w.id, w.arxiv_id, w.title, w.first_submitted, t.code, count(*) OVER ()
        FROM {WORK} w LEFT JOIN {TOPIC} t ON t.id = w.primary_topic_id
        WHERE NOT w.hidden AND w.id IN (SELECT work_id FROM {AUTHORSHIP} WHERE author_id = %(centre)s)
        ORDER BY w.first_submitted DESC NULLS LAST, w.id DESC
        LIMIT %(limit)s
    """,
            {"centre": author_id, "limit": limit},
        )
    )


def topics_of_author(author_id: int, limit: int) -> Ranked:
    """Primary topics of the author's works (as the profile counts them), most works first."""
    return Ranked.of(
        rows(
            f"""
        SELECT t.code, t.name, count(*) AS works, max(w.first_submitted) AS latest, count(*) OVER ()
        FROM {WORK} w JOIN {TOPIC} t ON t.id = w.primary_topic_id
        WHERE NOT w.hidden AND w.id IN (SELECT work_id FROM {AUTHORSHIP} WHERE author_id = %(centre)s)
        GROUP BY t.id
        ORDER BY works DESC, latest DESC NULLS LAST, t.code
        LIMIT %(limit)s
    """,
            {"centre": author_id, "limit": limit},
        )
    )


def institutions_of_author(author_id: int, limit: int) -> Ranked:
    return Ranked.of(
        rows(
            f"""
        SELECT i.id, i.name, count(DISTINCT a.work_id) AS works, max(w.first_submitted) AS latest,
               count(*) OVER ()
        FROM {AUTHORSHIP} a JOIN {WORK} w ON w.id = a.work_id AND NOT w.hidden JOIN {INSTITUTION} i ON i.id = a.institution_id
        WHERE a.author_id = %(centre)s
        GROUP BY i.id
        ORDER BY works DESC, latest DESC NULLS LAST, i.name, i.id
        LIMIT %(limit)s
    """,
            {"centre": author_id, "limit": limit},
        )
    )


def people_of_work(work_id: int, limit: int) -> Ranked:
    """The work's authors in printed order."""
    return Ranked.of(
        rows(
            f"""
        SELECT a.author_id, p.slug, p.display_name, min(a.position) AS position, count(*) OVER ()
        FROM {AUTHORSHIP} a JOIN {AUTHOR} p ON p.id = a.author_id
        WHERE a.work_id = %(centre)s AND NOT p.hidden
        GROUP BY a.author_id, p.slug, p.display_name
        ORDER BY position
        LIMIT %(limit)s
    """,
            {"centre": work_id, "limit": limit},
        )
    )


def topics_of_work(work_id: int, limit: int) -> Ranked:
    """Every category the work is listed in, the primary one first."""
    return Ranked.of(
        rows(
            f"""
        SELECT t.code, t.name, count(*) OVER ()
        FROM {TOPIC} t JOIN {WORK} w ON w.id = %(centre)s
        WHERE t.id = w.primary_topic_id
           OR t.id IN (SELECT topic_id FROM {WORK_TOPIC} WHERE work_id = %(centre)s)
        ORDER BY t.id = w.primary_topic_id DESC, t.code
        LIMIT %(limit)s
    """,
            {"centre": work_id, "limit": limit},
        )
    )


def institutions_of_work(work_id: int, limit: int) -> Ranked:
    return Ranked.of(
        rows(
            f"""
        SELECT i.id, i.name, count(*) AS authors, count(*) OVER ()
        FROM {AUTHORSHIP} a JOIN {INSTITUTION} i ON i.id = a.institution_id
        WHERE a.work_id = %(centre)s
        GROUP BY i.id
        ORDER BY authors DESC, min(a.position)
        LIMIT %(limit)s
    """,
            {"centre": work_id, "limit": limit},
        )
    )


def papers_of_topic(topic_id: int, limit: int) -> Ranked:
    """The topic's works (primary category), newest first; the count is a separate index scan so
    the ranking can stop after `limit` rows."""
    return Ranked.of(
        rows(
            f"""
        SELECT w.id, w.arxiv_id, w.title, w.first_submitted, NULL,
               (SELECT count(*) FROM {WORK} c WHERE c.primary_topic_id = %(centre)s AND NOT c.hidden)
        FROM {WORK} w
        WHERE w.primary_topic_id = %(centre)s AND NOT w.hidden
        ORDER BY w.first_submitted DESC, w.id DESC
        LIMIT %(limit)s
    """,
            {"centre": topic_id, "limit": limit},
        )
    )


_TOPIC_RECENT = f"""
    SELECT id, first_submitted FROM {WORK}
    WHERE primary_topic_id = %(centre)s AND NOT hidden
    ORDER BY first_submitted DESC, id DESC
    LIMIT {TOPIC_PEOPLE_WINDOW}
"""


def people_of_topic(topic_id: int, limit: int) -> Ranked:
    """Authors of the topic's most recent works, by how many of them they wrote."""
    return Ranked.of(
        rows(
            f"""
        WITH recent AS ({_TOPIC_RECENT}), ranked AS (
            SELECT a.author_id, count(DISTINCT a.work_id) AS works, max(r.first_submitted) AS latest,
                   count(*) OVER () AS total
            FROM recent r JOIN {AUTHORSHIP} a ON a.work_id = r.id
            WHERE {_SHOWN_PERSON.format(author_id="a.author_id")}
            GROUP BY a.author_id
            ORDER BY works DESC, latest DESC NULLS LAST, a.author_id
            LIMIT %(limit)s
        )
        SELECT r.author_id, p.slug, p.display_name, r.works, r.latest, r.total
        FROM ranked r JOIN {AUTHOR} p ON p.id = r.author_id
        ORDER BY r.works DESC, r.latest DESC NULLS LAST, r.author_id
    """,
            {"centre": topic_id, "limit": limit},
        )
    )


# For depth 2: the people and papers that are candidates of the first ring (shown or not), so the
# second ring never repeats them and the left-out counts never count a node twice.
_RING1_PEOPLE = {
    "author": f"""SELECT y.author_id FROM {AUTHORSHIP} x JOIN {WORK} wx ON wx.id = x.work_id AND NOT wx.hidden
                  JOIN {AUTHORSHIP} y ON y.work_id = x.work_id WHERE x.author_id = %(centre)s""",
    "work": f"SELECT author_id FROM {AUTHORSHIP} WHERE work_id = %(centre)s",
    "topic": f"SELECT a.author_id FROM ({_TOPIC_RECENT}) r JOIN {AUTHORSHIP} a ON a.work_id = r.id",
}
_NOT_RING1_PAPER = {
    "author": f"""NOT EXISTS (SELECT 1 FROM {AUTHORSHIP} m
                              WHERE m.work_id = w.id AND m.author_id = %(centre)s)""",
    "work": "w.id <> %(centre)s",
    "topic": "w.primary_topic_id IS DISTINCT FROM %(centre)s",
}


def people_of_seeds(centre_kind: str, centre_pk: int, seeds: list[int], limit: int) -> Ranked:
    """Second ring: co-authors of the seeds, by how many seeds they share works with, then shared
    works, then recency; with the seeds each one is linked to."""
    return Ranked.of(
        rows(
            f"""
        WITH sw AS MATERIALIZED (
            SELECT DISTINCT a.author_id AS seed, a.work_id, w.first_submitted
            FROM {AUTHORSHIP} a JOIN {WORK} w ON w.id = a.work_id AND NOT w.hidden
            WHERE a.author_id = ANY(%(seeds)s)
        ), pairs AS MATERIALIZED (
            SELECT o.author_id, sw.seed, o.work_id, sw.first_submitted
            FROM sw JOIN {AUTHORSHIP} o ON o.work_id = sw.work_id
        ), ring1 AS MATERIALIZED ({_RING1_PEOPLE[centre_kind]}), ranked AS (
            SELECT x.author_id, count(DISTINCT x.seed) AS seeds, count(DISTINCT x.work_id) AS shared,
                   max(x.first_submitted) AS latest, array_agg(DISTINCT x.seed) AS seed_ids,
                   count(*) OVER () AS total
            FROM pairs x
            WHERE x.author_id <> ALL(%(seeds)s) AND {_SHOWN_PERSON.format(author_id="x.author_id")}
              AND NOT EXISTS (SELECT 1 FROM ring1 WHERE ring1.author_id = x.author_id)
            GROUP BY x.author_id
            ORDER BY seeds DESC, shared DESC, latest DESC NULLS LAST, x.author_id
            LIMIT %(limit)s
        )
        SELECT r.author_id, p.slug, p.display_name, r.shared, r.latest, r.seed_ids, r.total
        FROM ranked r JOIN {AUTHOR} p ON p.id = r.author_id
        ORDER BY r.seeds DESC, r.shared DESC, r.latest DESC NULLS LAST, r.author_id
    """,
            {"centre": centre_pk, "seeds": seeds, "limit": limit},
        )
    )


def papers_of_seeds(centre_kind: str, centre_pk: int, seeds: list[int], limit: int) -> Ranked:
    """Second ring: the seeds' other works, those with more seeds on them first, then newest."""
    return Ranked.of(
        rows(
            f"""
        WITH s AS MATERIALIZED (
            SELECT work_id, count(DISTINCT author_id) AS seeds FROM {AUTHORSHIP}
            WHERE author_id = ANY(%(seeds)s) GROUP BY work_id
        )
        SELECT w.id, w.arxiv_id, w.title, w.first_submitted, t.code, count(*) OVER ()
        FROM s JOIN {WORK} w ON w.id = s.work_id
        LEFT JOIN {TOPIC} t ON t.id = w.primary_topic_id
        WHERE NOT w.hidden AND {_NOT_RING1_PAPER[centre_kind]}
        ORDER BY s.seeds DESC, w.first_submitted DESC NULLS LAST, w.id DESC
        LIMIT %(limit)s
    """,
            {"centre": centre_pk, "seeds": seeds, "limit": limit},
        )
    )


def links(people: Sequence[int], papers: Sequence[int], institutions: Sequence[int]) -> list[tuple]:
    """(author, work, institution) of every authorship joining a shown person to a shown paper or
    (on any visible work) to a shown institution."""
    return rows(
        f"""
        SELECT a.author_id, a.work_id, a.institution_id
        FROM {AUTHORSHIP} a JOIN {WORK} w ON w.id = a.work_id AND NOT w.hidden
        WHERE a.author_id = ANY(%(people)s)
          AND (a.work_id = ANY(%(papers)s) OR a.institution_id = ANY(%(institutions)s))
    """,
        {"people": list(people), "papers": list(papers), "institutions": list(institutions)},
    )
