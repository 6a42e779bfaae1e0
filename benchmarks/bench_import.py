"""Import the 143k-record astro-ph snapshot into an empty database, against a floor measured in
the same run, then the first full recompute of counters and trust scores (every record changes).

The floor is the least any importer must do with this file: parse every record (the JSON line
and the author line split) and COPY one row per work and one per author name into tables
without indexes. The machine is shared, so the targets are ratios to that floor.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from benchmarks.common import ASTRO_PH, ROOT, bench_env, fresh_database, write_section

TARGET_RATIO = 2.5  # loader and first full recompute, each at most this many floors
MEMORY_LIMIT_MIB = 1024

# CPU seconds of this connection's PostgreSQL backend, when the server runs on this machine.
BACKEND_CPU = """
import os
def backend_cpu(cursor):
    cursor.execute("SELECT pg_backend_pid()")
    pid = cursor.fetchone()[0]
    try:
        with open("/proc/%d/stat" % pid) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
"""

FLOOR = (
    BACKEND_CPU
    + """
import gzip, json, resource, sys, time
import psycopg
from publications.arxiv.authors import split_authors
t0 = time.perf_counter()
works, names = [], []
with gzip.open({path!r}, "rb") as stream:
    for line in stream:
        data = json.loads(line)
        works.append((data["id"], data.get("title") or "", data.get("abstract") or ""))
        for position, author in enumerate(split_authors(data.get("authors") or ""), start=1):
            names.append((data["id"], position, author.name))
parse = time.perf_counter() - t0
with psycopg.connect({url!r}) as conn:
    conn.execute("CREATE TABLE bench_floor_work (arxiv_id text, title text, abstract text)")
    conn.execute("CREATE TABLE bench_floor_name (arxiv_id text, position int, name text)")
    conn.commit()
    t0 = time.perf_counter()
    with conn.cursor() as cursor:
        backend0 = backend_cpu(cursor)
        with cursor.copy("COPY bench_floor_work FROM STDIN") as copy:
            for row in works:
                copy.write_row(row)
        with cursor.copy("COPY bench_floor_name FROM STDIN") as copy:
            for row in names:
                copy.write_row(row)
    conn.commit()
    copy_s = time.perf_counter() - t0
    with conn.cursor() as cursor:
        backend1 = backend_cpu(cursor)
    conn.execute("DROP TABLE bench_floor_work, bench_floor_name")
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps(dict(parse=parse, copy=copy_s, floor=parse + copy_s, works=len(works),
                      names=len(names), cpu=usage.ru_utime + usage.ru_stime,
                      backend_cpu=None if backend0 is None else backend1 - backend0)))
"""
)

CHILD = (
    BACKEND_CPU
    + """
import django, json, resource, time
django.setup()
from django.db import connection
from pathlib import Path
from publications.services import import_path
from publications import signals
# Measure the import alone: the recompute it would trigger is timed below, on its own.
signals.author_records_changed.receivers = []
with connection.cursor() as c:
    backend0 = backend_cpu(c)
t0 = time.perf_counter()
run = import_path(Path({path!r}), batch_size={batch}, resolve=False)  # the loader alone
elapsed = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
with connection.cursor() as c:
    backend1 = backend_cpu(c)
    c.execute("SELECT (SELECT count(*) FROM publications_work), (SELECT count(*) FROM publications_authorship),"
              " (SELECT count(*) FROM profiles_author), (SELECT count(*) FROM publications_workversion)")
    works, authorships, authors, versions = c.fetchone()
print(json.dumps(dict(elapsed=elapsed, seen=run.records_seen, created=run.records_created,
    skipped=run.records_skipped, failed=run.records_failed, works=works, authorships=authorships,
    authors=authors, versions=versions, cpu=usage.ru_utime + usage.ru_stime,
    backend_cpu=None if backend0 is None else backend1 - backend0,
    maxrss_mib=usage.ru_maxrss / 1024)))
"""
)

RECOMPUTE = (
    BACKEND_CPU
    + """
import django, json, time
django.setup()
from django.db import connection
from graph import services
with connection.cursor() as c:
    backend0 = backend_cpu(c)
t0 = time.perf_counter()
cpu0 = time.process_time()
first = services.recompute_all()
first_s = time.perf_counter() - t0
cpu = time.process_time() - cpu0
with connection.cursor() as c:
    backend1 = backend_cpu(c)
print(json.dumps(dict(first_s=first_s, first=first.as_dict(), cpu=cpu,
                      backend_cpu=None if backend0 is None else backend1 - backend0)))
"""
)


def _child(code: str, url: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=bench_env(url),
        cwd=ROOT,
        check=True,
        text=True,
        capture_output=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _cpu(measure: dict, floor: dict) -> str:
    if measure.get("backend_cpu") is None or floor.get("backend_cpu") is None:
        return f"{measure['cpu']:.1f} s (+ backend: not on this machine)"
    total = measure["cpu"] + measure["backend_cpu"]
    ratio = total / (floor["cpu"] + floor["backend_cpu"])
    return f"{measure['cpu']:.1f} + {measure['backend_cpu']:.1f} = {total:.1f} s ({ratio:.1f}x)"


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def run(batch: int = 5000) -> dict:
    url = fresh_database()
    load_start = _load()
    floor = _child(FLOOR.format(path=str(ASTRO_PH), url=url), url)
    started = time.perf_counter()
    result = _child(CHILD.format(path=str(ASTRO_PH), batch=batch), url)
    result["wall"] = time.perf_counter() - started
    recompute = _child(RECOMPUTE, url)
    load_end = _load()
    # Self-check: every record but the 5 without authors became a work, with its authorships.
    assert result["works"] == result["created"] == result["seen"] - result["skipped"], result
    assert result["failed"] == 0 and result["authorships"] > 800_000, result
    assert floor["works"] == result["seen"], (floor, result)
    # A first recompute on a fresh import changes every record that has works.
    assert recompute["first"]["changed"] == recompute["first"]["scope"] == result["authors"], (
        recompute,
        result,
    )
    result.update(floor=floor, recompute=recompute)
    result["rate"] = result["seen"] / result["elapsed"]
    load_ratio = result["elapsed"] / floor["floor"]
    recompute_ratio = recompute["first_s"] / floor["floor"]
    result.update(load_ratio=load_ratio, recompute_ratio=recompute_ratio)

    def verdict(ratio: float) -> str:
        return "meets" if ratio <= TARGET_RATIO else "MISSES"

    first = recompute["first"]
    body = f"""## Import: astro-ph snapshot into an empty database

`{ASTRO_PH.name}`: {result["seen"]:,} records seen, {result["created"]:,} works created,
{result["skipped"]:,} skipped, {result["failed"]:,} failed; {result["authorships"]:,} authorships,
{result["authors"]:,} author records, {result["versions"]:,} versions.

The floor, measured in the same run: parse every record (the JSON line and the author line
split) and COPY one row per work ({floor["works"]:,}) and per author name ({floor["names"]:,})
into tables without indexes. The machine is shared: read the ratios.

| measure | time | ratio to the floor | target |
| --- | --- | --- | --- |
| floor: parse | {floor["parse"]:.1f} s | | |
| floor: COPY | {floor["copy"]:.1f} s | | |
| floor | {floor["floor"]:.1f} s | 1.0x | |
| import (loader, excluding migrate) | {result["elapsed"]:.1f} s | {load_ratio:.1f}x | ≤ {TARGET_RATIO}x: {verdict(load_ratio)} |
| first full recompute (every record changes: {first["changed"]:,} of {first["scope"]:,}) | {recompute["first_s"]:.1f} s | {recompute_ratio:.1f}x | ≤ {TARGET_RATIO}x: {verdict(recompute_ratio)} |

CPU seconds (this process + its PostgreSQL backend; the load does not change them much, the
floor's are the yardstick): floor {_cpu(floor, floor)}; import {_cpu(result, floor)}; first full
recompute {_cpu(recompute, floor)}.

An import into an empty database is a bulk load (publications/bulk_load.py): one transaction,
rows COPYed, secondary indexes built and foreign keys checked once after the rows. What is left
is mostly the importing process's own CPU beyond the floor's (the full record parse: versions,
dates, text; TeX conversion, content hashes, name keys, COPY rows for five tables), then the
database's (full-text vectors, index builds, foreign-key checks, ANALYZE).

| import detail | value |
| --- | --- |
| records per second | {result["rate"]:,.0f} |
| CPU time of the importing process (both threads) | {result["cpu"]:.1f} s |
| peak memory of the importing process (max RSS) | {result["maxrss_mib"]:.0f} MiB (limit {MEMORY_LIMIT_MIB} MiB) |
| wall time including process start | {result["wall"]:.1f} s |

Batch size {batch}; database: {"DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded PostgreSQL"}.
Load average (1 / 5 / 15 min) at the start: {load_start}; at the end: {load_end}.
"""
    write_section("import", body)
    print(body)
    return result
