"""Indexes the benchmarked paths depend on, as the migrations leave them in PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from publications.models import SEARCH_GIN_PENDING_KB

pytestmark = pytest.mark.django_db


def index_definitions(table: str) -> dict[str, tuple[str, list[str]]]:
    """name -> (definition, storage options) of the table's indexes."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.relname, pg_get_indexdef(i.oid), coalesce(i.reloptions, '{}')
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
            WHERE x.indrelid = %s::regclass
            """,
            [table],
        )
        return {name: (definition, options) for name, definition, options in cursor.fetchall()}


@pytest.mark.parametrize(
    "table, index",
    [
        ("profiles_author", "author_name_key_trgm"),
        ("publications_authorsearchname", "author_search_name_trgm"),
        ("publications_work", "work_search_idx"),
    ],
)
def test_search_indexes_keep_a_small_pending_list(table, index):
    definition, options = index_definitions(table)[index]
    assert "USING gin" in definition
    assert f"gin_pending_list_limit={SEARCH_GIN_PENDING_KB}" in options


def test_authorship_keys_are_indexed_together_not_alone():
    indexes = index_definitions("publications_authorship")
    columns = {name: d.split("USING btree ")[-1] for name, (d, _) in indexes.items()}
    assert columns["authorship_work_idx"] == "(work_id, author_id)"
    assert columns["authorship_author_idx"] == "(author_id, work_id)"
    # no single-column index on either key: the pairs above serve those lookups
    assert "(work_id)" not in columns.values() and "(author_id)" not in columns.values()
