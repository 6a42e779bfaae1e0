"""A recompute that rewrites most author records builds the author table's indexes after its
UPDATE: it must store exactly what the row-by-row UPDATE stores, and leave the schema as it was."""

from __future__ import annotations

import pytest
from django.db import connection

from graph import services
from publications.services import import_path
from tests.conftest import ARXIV

pytestmark = pytest.mark.django_db

FILES = [ARXIV / "astro-ph-coauthors.jsonl", ARXIV / "graph-herrero-najarro.jsonl"]
TABLES = ["profiles_author", "graph_scorechange"]


def stored() -> dict[str, list[tuple]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT slug, works_count, followers_count, topics_count, close_collaborators_count,
                verified_collaborators_count, first_year, last_year, trust_score, trust_tier,
                trust_formula_version, trust_components::text, may_combine_several,
                scored_at IS NOT NULL
            FROM profiles_author ORDER BY slug
            """
        )
        authors = cursor.fetchall()
        cursor.execute(
            """
            SELECT a.slug, s.score, s.previous_score, s.tier, s.formula_version
            FROM graph_scorechange s JOIN profiles_author a ON a.id = s.author_id
            ORDER BY 1, 2
            """
        )
        return {"authors": authors, "history": cursor.fetchall()}


def schema() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.relname, c.relname, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = ANY(%s)
            UNION ALL
            SELECT t.relname, k.conname, pg_get_constraintdef(k.oid)
            FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid WHERE t.relname = ANY(%s)
            ORDER BY 1, 2, 3
            """,
            [TABLES, TABLES],
        )
        return cursor.fetchall()


def unscore_everyone() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM graph_scorechange")
        cursor.execute(
            """
            UPDATE profiles_author SET works_count = 0, topics_count = 0,
                close_collaborators_count = 0, verified_collaborators_count = 0,
                first_year = NULL, last_year = NULL, trust_score = 0, trust_tier = 'Emerging',
                trust_formula_version = 0, trust_components = '{}', may_combine_several = false,
                scored_at = NULL
            """
        )


def test_a_recompute_rewriting_every_record_stores_what_the_row_by_row_update_stores(
    monkeypatch,
):
    for path in FILES:
        import_path(path)
    schema_before = schema()
    row_by_row = services.recompute_all()
    expected = stored()
    assert row_by_row.changed == row_by_row.scope > 50

    unscore_everyone()
    monkeypatch.setattr(services, "REBUILD_MIN_ROWS", 1)
    drops = []
    real_drop = services.bulk_load.drop

    def counted_drop(cursor, tables, **options):
        drops.append(tables)
        return real_drop(cursor, tables, **options)

    monkeypatch.setattr(services.bulk_load, "drop", counted_drop)
    rebuilt = services.recompute_all()

    assert drops == [["profiles_author"], ["graph_scorechange"]]  # the rebuild path was taken
    assert rebuilt.changed == row_by_row.changed
    assert stored() == expected
    assert schema() == schema_before
    # Nothing left to change afterwards, and a small recompute keeps the row-by-row path.
    assert services.recompute_all().changed == 0
    assert len(drops) == 2
