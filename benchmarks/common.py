"""Shared plumbing for the benchmarks: a dedicated database, timing, and docs/benchmarks.md."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# ../shared beside the checkout, or two levels up for a git worktree under wt/ (BZPEER_SHARED wins).
SHARED = next(
    (
        base / "data" / "arxiv"
        for base in (
            Path(os.environ.get("BZPEER_SHARED", ROOT.parent / "shared")),
            ROOT.parent.parent / "shared",
        )
        if (base / "data" / "arxiv").exists()
    ),
    ROOT.parent / "shared" / "data" / "arxiv",
)
ASTRO_PH = SHARED / "snapshot" / "astro-ph-listings.jsonl.gz"
DOC = ROOT / "docs" / "benchmarks.md"
BENCH_DB = os.environ.get("BZPEER_BENCH_DATABASE", "bzpeer_bench")


def server_url() -> str:
    """URL of the server the benchmarks use: DATABASE_URL's, or the embedded one."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    sys.path.insert(0, str(ROOT))
    from bzpeer.embedded_db import embedded_database_url

    return embedded_database_url()


def database_url(name: str = BENCH_DB) -> str:
    parts = urlsplit(server_url())
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin_psql(sql: str) -> None:
    """Run SQL on the server's maintenance database (create/drop the bench database)."""
    import psycopg

    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        conn.execute(sql)


def fresh_database() -> str:
    admin_psql(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    admin_psql(f'CREATE DATABASE "{BENCH_DB}"')
    url = database_url()
    manage("migrate", "--noinput", "-v", "0", url=url)
    return url


_RUN_SECRET_KEY = secrets.token_urlsafe(50)


def bench_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        # DEBUG off, like production, which needs a real key: one per benchmark run.
        BZPEER_SECRET_KEY=os.environ.get("BZPEER_SECRET_KEY") or _RUN_SECRET_KEY,
        DJANGO_SETTINGS_MODULE="bzpeer.settings",
    )
    env.pop("REDIS_URL", None)  # tasks inline: the benchmark measures the work itself
    # Score recomputes are timed on their own (bench_scores), not inside the import they follow.
    env["BZPEER_SCORES_ON_CHANGE"] = "0"
    # The load generator is one client: the API's per-client throttles would answer it 429.
    env.setdefault("BZPEER_API_ANON_RATE", "1000000000/min")
    env.setdefault("BZPEER_API_USER_RATE", "1000000000/min")
    return env


def manage(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=bench_env(url),
        cwd=ROOT,
        check=True,
        text=True,
        capture_output=True,
    )


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB, Python {platform.python_version()}"


def write_section(name: str, body: str) -> None:
    """Replace the section `name` of docs/benchmarks.md (kept between markers) with `body`."""
    DOC.parent.mkdir(exist_ok=True)
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n\nWritten by `make bench`.\n"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = f"<!-- bench:{name} -->\n{body.rstrip()}\n\n_Measured {stamp} on {machine()}._\n<!-- /bench:{name} -->"
    pattern = re.compile(rf"<!-- bench:{name} -->.*?<!-- /bench:{name} -->", re.S)
    text = (
        pattern.sub(lambda _: block, text)
        if pattern.search(text)
        else text.rstrip() + "\n\n" + block + "\n"
    )
    DOC.write_text(text)


ASTRO_DB = os.environ.get("BZPEER_BENCH_ASTRO_DATABASE", "bzpeer_bench_astro")


def astro_database() -> str:
    """A database holding the whole astro-ph snapshot, built once and reused by the page benchmarks.

    Rebuilt when it is missing or its migrations are behind the code. Set
    BZPEER_BENCH_ASTRO_DATABASE to keep several side by side.
    """
    import psycopg

    url = database_url(ASTRO_DB)
    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [ASTRO_DB]).fetchone()
    ready = False
    if exists:
        with psycopg.connect(url) as conn:
            try:
                ready = (
                    conn.execute("SELECT count(*) FROM publications_work").fetchone()[0] > 140_000
                )
            except psycopg.Error:
                ready = False
    if not ready:
        admin_psql(f'DROP DATABASE IF EXISTS "{ASTRO_DB}" WITH (FORCE)')
        admin_psql(f'CREATE DATABASE "{ASTRO_DB}"')
    manage("migrate", "--noinput", "-v", "0", url=url)
    if not ready:
        print(f"building {ASTRO_DB} from {ASTRO_PH.name} (about a minute)...", flush=True)
        # Records by name key, as the page benchmarks have always measured them (the identity
        # pass of the import is measured by bench_pipeline).
        manage(
            "import_arxiv", "--no-progress", "--no-identity", "--show-skipped", "0",
            str(ASTRO_PH), url=url,
        )  # fmt: skip
        for command in ASTRO_POST_IMPORT:
            manage(*command, url=url)
        # Fresh planner statistics, as autovacuum would give a long-running server.
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("ANALYZE")
    return url


# Commands run once after the astro-ph import (e.g. recomputing counters and scores).
ASTRO_POST_IMPORT: list[tuple[str, ...]] = []
ASTRO_POST_IMPORT.append(("recompute_scores",))  # counters and trust scores
