"""Import the 143k-record astro-ph snapshot into an empty database: records/s and peak memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from benchmarks.common import ASTRO_PH, ROOT, bench_env, fresh_database, write_section

TARGET_S = 60
AIM_S = 20
MEMORY_LIMIT_MIB = 1024

CHILD = """
import django, json, resource, time
django.setup()
from pathlib import Path
from publications.services import import_path
from publications import signals
# Measure the import alone: the recompute it triggers is measured by the "scores" benchmark.
signals.author_records_changed.receivers = []
t0 = time.perf_counter()
run = import_path(Path({path!r}), batch_size={batch})
elapsed = time.perf_counter() - t0
from django.db import connection
with connection.cursor() as c:
    c.execute("SELECT (SELECT count(*) FROM publications_work), (SELECT count(*) FROM publications_authorship),"
              " (SELECT count(*) FROM profiles_author), (SELECT count(*) FROM publications_workversion)")
    works, authorships, authors, versions = c.fetchone()
print(json.dumps(dict(elapsed=elapsed, seen=run.records_seen, created=run.records_created,
    skipped=run.records_skipped, failed=run.records_failed, works=works, authorships=authorships,
    authors=authors, versions=versions,
    maxrss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))
"""


def run(batch: int = 5000) -> dict:
    url = fresh_database()
    code = CHILD.format(path=str(ASTRO_PH), batch=batch)
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=bench_env(url),
        cwd=ROOT,
        check=True,
        text=True,
        capture_output=True,
    )
    wall = time.perf_counter() - started
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    # Self-check: every record but the 5 without authors became a work, with its authorships.
    assert result["works"] == result["created"] == result["seen"] - result["skipped"], result
    assert result["failed"] == 0 and result["authorships"] > 800_000, result
    result["rate"] = result["seen"] / result["elapsed"]
    verdict = (
        "meets"
        if result["elapsed"] < TARGET_S and result["maxrss_mib"] < MEMORY_LIMIT_MIB
        else "MISSES"
    )
    body = f"""## Import: astro-ph snapshot into an empty database

`{ASTRO_PH.name}`: {result["seen"]:,} records seen, {result["created"]:,} works created,
{result["skipped"]:,} skipped, {result["failed"]:,} failed; {result["authorships"]:,} authorships,
{result["authors"]:,} author records, {result["versions"]:,} versions.

| measure | value | target |
| --- | --- | --- |
| import time (loader, excluding migrate) | {result["elapsed"]:.1f} s | < {TARGET_S} s (aim < {AIM_S} s) |
| records per second | {result["rate"]:,.0f} | |
| peak memory of the importing process (max RSS) | {result["maxrss_mib"]:.0f} MiB | < {MEMORY_LIMIT_MIB} MiB |
| wall time including process start | {result["wall"]:.1f} s | |

Batch size {batch}; database: {"DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded PostgreSQL"}.
Verdict: {verdict} the target.
"""
    write_section("import", body)
    print(body)
    return result
