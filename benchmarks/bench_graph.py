"""Graph slice latency for the most connected author record of the astro-ph database: the
/api/graph/slice/ endpoint at depth 1 and 2, served by gunicorn, measured with wrk."""

from __future__ import annotations

import json
import urllib.request

import psycopg

from benchmarks.common import astro_database, write_section
from benchmarks.http import GUNICORN_WORKERS, Server, load, machine_is_quiet

TARGET_P99_MS = {1: 100, 2: 300}
LIMIT = 60

MOST_CONNECTED = """
    SELECT p.slug, p.display_name, count(DISTINCT o.author_id) AS coauthors,
           count(DISTINCT a.work_id) AS works
    FROM publications_authorship a
    JOIN publications_work w ON w.id = a.work_id AND NOT w.hidden
    JOIN publications_authorship o ON o.work_id = a.work_id AND o.author_id <> a.author_id
    JOIN profiles_author p ON p.id = a.author_id
    GROUP BY p.id ORDER BY coauthors DESC, p.id LIMIT 1
"""


def check(server: Server, path: str, slug: str, depth: int) -> dict:
    """One request before the load: the endpoint answers 200 with a capped slice around `slug`."""
    with urllib.request.urlopen(server.base + path, timeout=30) as response:
        assert response.status == 200, f"{path} answered {response.status}"
        data = json.load(response)
    assert data["centre"]["id"] == f"person:{slug}", data["centre"]
    assert data["depth"] == depth and len(data["nodes"]) == LIMIT, len(data["nodes"])
    assert data["left_out_total"] > 0 and data["edges"], "the most connected author must be capped"
    if depth == 2:
        assert any(node["depth"] == 2 for node in data["nodes"]), "depth 2 adds a second ring"
    return data


def run() -> dict:
    url = astro_database()
    with psycopg.connect(url) as conn:
        slug, name, coauthors, works = conn.execute(MOST_CONNECTED).fetchone()
    rows, results = [], {}
    with Server(url) as server:
        for depth in (1, 2):
            path = f"/api/graph/slice/?author={slug}&depth={depth}&limit={LIMIT}"
            data = check(server, path, slug, depth)
            # As many connections as gunicorn workers: latency of a request, not queueing behind others.
            result = load(server, path, connections=GUNICORN_WORKERS)
            assert result.errors == 0, f"{result.errors} failed requests on {path}"
            verdict = "meets" if result.p99_ms < TARGET_P99_MS[depth] else "MISSES"
            results[depth] = result
            rows.append(
                f"| {depth} | {len(data['nodes'])} nodes, {len(data['edges'])} edges, "
                f"{data['left_out_total']:,} left out | {result.requests_per_s:,.0f} | "
                f"{result.p50_ms:.1f} | {result.p99_ms:.1f} | < {TARGET_P99_MS[depth]} ms: {verdict} |"
            )
    body = f"""## Graph slice: the most connected astro-ph author

`/api/graph/slice/?author={slug}` ({name}: {coauthors:,} co-authors, {works:,} works) on the
143k-record astro-ph database; gunicorn with {GUNICORN_WORKERS} workers, `wrk` with
{GUNICORN_WORKERS} connections for 10 s after a warm-up; cap {LIMIT} nodes.

| depth | slice | requests/s | p50 ms | p99 ms | target p99 |
| --- | --- | --- | --- | --- | --- |
{chr(10).join(rows)}

{machine_is_quiet()}.
"""
    write_section("graph", body)
    print(body)
    return {d: r.__dict__ for d, r in results.items()}
