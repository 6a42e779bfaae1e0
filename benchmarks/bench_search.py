"""The search rows of the pages benchmark alone (three words; a name with an initial; and the
distinct queries that no cache answers), anonymous and signed in, against /ping in the same run,
with the time one process spends on an uncached search and on its name match.

`python -m benchmarks.run search` (not in the default run: `pages` measures the same rows among
every page). Database: the astro-ph snapshot, as for the pages benchmark.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

from benchmarks import bench_pages
from benchmarks.common import ROOT, astro_database, bench_env, manage, write_section
from benchmarks.http import GUNICORN_WORKERS, WRK_CONNECTIONS, Server

IN_PROCESS_QUERIES = 200  # of each kind, timed one after another in one process

# Times the page's selectors (no template, no HTTP) and the name match alone, uncached.
IN_PROCESS = """
import json, statistics, sys, time
from django.core.cache import cache
from django.db import connection
from django.test import Client
from publications import pages, selectors
queries = json.loads(sys.stdin.read())
client = Client()
for q in ("warm up", "W. Up"):
    client.get("/search/", {"q": q})
sql = []
def timed(execute, *args):
    t = time.perf_counter()
    try:
        return execute(*args)
    finally:
        sql.append(time.perf_counter() - t)
out = {}
for kind, qs in queries.items():
    request_ms, cpu_ms, sql_ms, page_ms, names_ms = [], [], [], [], []
    for q in qs:
        cache.clear()  # the page cache and its fragment: the whole page is built
        sql.clear()
        t, cpu = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(timed):
            response = client.get("/search/", {"q": q})
        request_ms.append((time.perf_counter() - t) * 1000)
        cpu_ms.append((time.process_time() - cpu) * 1000)
        sql_ms.append(sum(sql) * 1000)
        assert response.status_code == 200, (q, response.status_code)
        t = time.perf_counter()
        page = pages.search_page(query=q)
        list(page.works.items)
        page.authors
        page_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        selectors.authors_search(query=q)
        names_ms.append((time.perf_counter() - t) * 1000)
    out[kind] = {
        "request": request_ms, "cpu": cpu_ms, "sql": sql_ms, "page": page_ms, "names": names_ms
    }
print(json.dumps(out))
"""


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def _in_process(url: str, info: dict) -> dict[str, dict[str, list[float]]]:
    queries = {
        "three words": info["phrases"][-IN_PROCESS_QUERIES:],
        "name with an initial": info["initials"][-IN_PROCESS_QUERIES:],
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", IN_PROCESS],
        input=json.dumps(queries),
        env=bench_env(url),
        cwd=ROOT,
        check=True,
        text=True,
        capture_output=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run() -> dict:
    url = astro_database()
    info = bench_pages._prepare(url)
    session = manage("shell", "-c", bench_pages.SIGN_IN, url=url).stdout.strip().splitlines()[-1]
    signed_in = {"Cookie": f"sessionid={session}"}
    rows = [row for row in bench_pages._rows(info) if row.search]
    duration = bench_pages.DURATION_S
    load_at_start = os.getloadavg()
    started = time.monotonic()
    with Server(url) as server:
        for row in rows:  # self-checks before anything is timed
            for headers in ({}, signed_in):
                page = bench_pages._fetch(server.base, row.path, headers)
                assert row.expect in page, (row.path, row.expect)
        ping, ping_end = bench_pages.measure(server, rows, signed_in, duration)
    load_at_end = os.getloadavg()
    timed = _in_process(url, info)
    elapsed = time.monotonic() - started
    table = "\n".join(
        f"| {row.label} | {bench_pages._cell(row.anonymous, ping)} | "
        f"{bench_pages._cell(row.signed_in, ping)} | {bench_pages._verdicts(row, ping)} |"
        for row in rows
    )
    in_process = "\n".join(
        f"| {kind} | {statistics.median(t['request']):.1f} | {_percentile(t['request'], 0.99):.1f} | "
        f"{statistics.median(t['cpu']):.1f} | {statistics.median(t['sql']):.1f} | "
        f"{statistics.median(t['page']):.1f} | {_percentile(t['page'], 0.99):.1f} | "
        f"{statistics.median(t['names']):.1f} | {_percentile(t['names'], 0.99):.1f} |"
        for kind, t in timed.items()
    )
    load_in_process = os.getloadavg()
    body = f"""## Search alone (astro-ph): the pages benchmark's search rows

gunicorn ({GUNICORN_WORKERS} sync workers, DEBUG off) on loopback; wrk, 2 threads,
{WRK_CONNECTIONS} connections, {duration} s per row. Share = requests/s of the row / requests/s
of `/ping` at the start ({ping.requests_per_s:,.0f}/s, p99 {ping.p99_ms:.1f} ms;
{ping_end.requests_per_s:,.0f}/s at the end). Load average (1, 5, 15 min) at the start:
{", ".join(f"{x:.2f}" for x in load_at_start)}; at the end: {", ".join(f"{x:.2f}" for x in load_at_end)}
({elapsed:.0f} s in all).

| search | anonymous req/s | p50 ms | p99 ms | share | signed in req/s | p50 ms | p99 ms | share | verdict |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
{table}

One process, uncached, {IN_PROCESS_QUERIES} distinct queries of each kind one after another: the
whole request (Django's test client, anonymous, DEBUG off, caches emptied before each; its
Python CPU time, which leaves out the database server and waits; the wall time of its SQL
statements, from sending each to reading its rows), then the page's selectors without the
template, then the name match alone; ms. Load average at the end:
{", ".join(f"{x:.2f}" for x in load_in_process)}.

| queries | request median | request p99 | request CPU median | request SQL median | selectors median | selectors p99 | name match median | name match p99 |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
{in_process}
"""
    write_section("search", body)
    print(body)
    return {"ping": vars(ping), "in_process": timed}
