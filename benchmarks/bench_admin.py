"""Curation admin pages on the 143k-work astro-ph database: each page answers 200 with its
content (checked), then is timed as a signed-in curator (median of 5 requests, in-process)."""

from __future__ import annotations

import json
import subprocess
import sys

from benchmarks.common import ROOT, astro_database, bench_env, write_section
from benchmarks.http import machine_is_quiet


def run() -> None:
    import psycopg

    url = astro_database()
    load_note = machine_is_quiet()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")  # fresh statistics, as autovacuum keeps them in production
    env = bench_env(url)
    env.setdefault("DJANGO_SETTINGS_MODULE", "bzpeer.settings")
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.admin_pages"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = json.loads(out.strip().splitlines()[-1])
    lines = [
        "## Curation admin (astro-ph, 143k works)",
        "",
        f"In-process Django test client as a curator; {load_note}.",
        "",
        "| page | path | median ms | max ms | queries |",
        "| --- | --- | --- | --- | --- |",
    ]
    for label, path, median, worst, queries in rows:
        lines.append(f"| {label} | `{path}` | {median:.0f} | {worst:.0f} | {queries} |")
        print(f"{label:32} {median:8.0f} ms  {queries} queries", flush=True)
    write_section("admin", "\n".join(lines))
