"""Loading into empty tables: build their secondary indexes and check their foreign keys once.

Written row by row into live tables, a first import of a whole snapshot spends most of its time
on the database side: every row updates each secondary index (the full-text and trigram GIN
indexes keep a small pending list, so they are merged over and over) and every deferred foreign
key is checked once per row at commit. Bulk loaders avoid both: load the rows, then build each
index in one sort and check each foreign key in one join.

The loader does that for the tables that hold no rows when a large run starts, inside the
run's one transaction: it drops their secondary indexes and foreign keys, loads, then creates
them again from the definitions PostgreSQL reported (``pg_get_indexdef``,
``pg_get_constraintdef``) with the same names before it commits. Nobody ever sees the tables
without them (the drop holds an exclusive lock until the commit), and a failure rolls the
schema change back with the rows. Primary keys and unique indexes stay: the loader's
``ON CONFLICT`` upserts rely on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The tables an import writes, in the order their locks are taken.
TABLES = (
    "publications_work",
    "publications_authorship",
    "publications_worktopic",
    "publications_workversion",
    "profiles_author",
    "publications_authorsearchname",  # written by triggers on profiles_author
    "profiles_institution",
)
# Memory for building indexes and checking foreign keys in one pass each (this transaction only).
MAINTENANCE_WORK_MEM = "512MB"
WORK_MEM = "256MB"
# Index builds (B-tree, and GIN from PostgreSQL 18) share their scan and sort with one
# parallel worker: the loading process waits for them, so the second core is otherwise idle.
MAINTENANCE_WORKERS = 1


@dataclass
class Deferred:
    """What was dropped, to be created again: (table, name, definition)."""

    indexes: list[tuple[str, str, str]] = field(default_factory=list)
    unique_constraints: list[tuple[str, str, str]] = field(default_factory=list)
    foreign_keys: list[tuple[str, str, str]] = field(default_factory=list)


def empty_tables(cursor, tables: tuple[str, ...] = TABLES) -> list[str]:
    """The tables among ``tables`` that hold no row (call with the tables locked)."""
    empty = []
    for table in tables:
        cursor.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {table})")
        if cursor.fetchone()[0]:
            empty.append(table)
    return empty


def drop(cursor, tables: list[str], *, foreign_keys: bool = True, unique: bool = False) -> Deferred:
    """Drop the secondary indexes and (unless told not to) the foreign keys of ``tables``;
    return their definitions. ``unique``: the unique indexes and constraints too (not those a
    foreign key relies on), for a writer that needs none of them (no ON CONFLICT)."""
    deferred = Deferred()
    if not tables:
        return deferred
    # Check now what earlier statements of the transaction left pending: a table with pending
    # checks cannot be altered.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    cursor.execute(
        """
        SELECT t.relname, c.relname, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        JOIN pg_class c ON c.oid = i.indexrelid
        JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace
          AND (%s OR NOT i.indisunique) AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        ORDER BY t.relname, c.relname
        """,
        [tables, unique],
    )
    deferred.indexes = [tuple(row) for row in cursor.fetchall()]
    if unique:
        cursor.execute(
            """
            SELECT t.relname, k.conname, pg_get_constraintdef(k.oid)
            FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
            WHERE k.contype = 'u' AND t.relname = ANY(%s)
              AND t.relnamespace = current_schema()::regnamespace
              AND NOT EXISTS (SELECT 1 FROM pg_constraint f
                              WHERE f.contype = 'f' AND f.conindid = k.conindid)
            ORDER BY t.relname, k.conname
            """,
            [tables],
        )
        deferred.unique_constraints = [tuple(row) for row in cursor.fetchall()]
    cursor.execute(
        """
        SELECT t.relname, k.conname, pg_get_constraintdef(k.oid)
        FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
        WHERE k.contype = 'f' AND t.relname = ANY(%s)
          AND t.relnamespace = current_schema()::regnamespace
        ORDER BY t.relname, k.conname
        """,
        [tables],
    )
    deferred.foreign_keys = [tuple(row) for row in cursor.fetchall()] if foreign_keys else []
    for table, name, _definition in deferred.foreign_keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for table, name, _definition in deferred.unique_constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for _table, name, _definition in deferred.indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return deferred


def merge(*parts: Deferred) -> Deferred:
    return Deferred(
        indexes=[i for part in parts for i in part.indexes],
        unique_constraints=[u for part in parts for u in part.unique_constraints],
        foreign_keys=[k for part in parts for k in part.foreign_keys],
    )


def restore(cursor, deferred: Deferred) -> None:
    """Create the dropped indexes again, then add the foreign keys back (each checked in one
    pass over its table)."""
    cursor.execute(f"SET LOCAL maintenance_work_mem TO '{MAINTENANCE_WORK_MEM}'")
    cursor.execute(f"SET LOCAL work_mem TO '{WORK_MEM}'")
    cursor.execute(f"SET LOCAL max_parallel_maintenance_workers TO {MAINTENANCE_WORKERS}")
    for _table, _name, definition in deferred.indexes:
        cursor.execute(definition)
    for table, name, definition in deferred.unique_constraints:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for table, name, definition in deferred.foreign_keys:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
