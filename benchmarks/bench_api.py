"""REST API under load on the 143k-record astro-ph database: author detail (the record with the
most works) and the work list, throughput and latency percentiles, gunicorn + wrk over loopback."""

from __future__ import annotations

import json
import os
import urllib.request

import psycopg

from benchmarks.common import astro_database, write_section
from benchmarks.http import TABLE_HEAD, Server, load, machine_is_quiet

BUSIEST_AUTHOR = """
SELECT a.slug, count(*) FROM publications_authorship s
JOIN profiles_author a ON a.id = s.author_id
WHERE a.merged_into_id IS NULL GROUP BY a.slug ORDER BY 2 DESC, a.slug LIMIT 1
"""


def get_json(server: Server, path: str) -> dict:
    with urllib.request.urlopen(server.base + path, timeout=30) as response:
        assert response.status == 200, (path, response.status)
        assert response.headers["Content-Type"].startswith("application/json"), path
        return json.load(response)


def run() -> list:
    url = astro_database()
    with psycopg.connect(url, autocommit=True) as conn:
        # Fresh statistics, as autovacuum keeps them in a running site: right after the bulk
        # import the planner believes the tables are nearly empty and picks hash joins over
        # whole tables for a 20-row page.
        conn.execute("ANALYZE")
        slug, works = conn.execute(BUSIEST_AUTHOR).fetchone()
        total_works = conn.execute("SELECT count(*) FROM publications_work").fetchone()[0]
    # The load generator is one client: lift the per-client throttles for the run.
    os.environ["BZPEER_API_ANON_RATE"] = os.environ["BZPEER_API_USER_RATE"] = "1000000000/min"
    note = machine_is_quiet()
    with Server(url) as server:
        # Self-checks: the endpoints answer what they should before they are timed.
        author = get_json(server, f"/api/authors/{slug}/")
        assert author["slug"] == slug and {"counts", "trust"} <= set(author), author
        listed = get_json(server, "/api/works/")
        assert len(listed["results"]) == 20 and listed["next"], listed
        dates = [w["first_submitted"] for w in listed["results"]]
        assert dates == sorted(dates, reverse=True), dates
        author_works = get_json(server, f"/api/authors/{slug}/works/")
        assert len(author_works["results"]) == min(works, 20), len(author_works["results"])
        next_page = listed["next"].split(server.base, 1)[-1]
        rows = [
            ("author detail (most works)", load(server, f"/api/authors/{slug}/")),
            ("work list, first page", load(server, "/api/works/")),
            ("work list, second page (cursor)", load(server, next_page)),
            ("author's works, first page", load(server, f"/api/authors/{slug}/works/")),
            ("ping (no database, for comparison)", load(server, "/ping")),
        ]
    table = "\n".join(result.row(label) for label, result in rows)
    errors = sum(result.errors for _, result in rows)
    body = f"""## REST API: author detail and work list

Database: the astro-ph snapshot, {total_works:,} works. The author record with the most works:
`{slug}` ({works:,} authorships). gunicorn with 2 workers, DEBUG off; wrk, 2 threads,
8 connections, 10 s per row after a warm-up; page size 20. Each endpoint's answer is checked
before it is timed (status, JSON, content); ANALYZE runs first. {note}.

{TABLE_HEAD}
{table}

Non-2xx answers and socket errors during the runs: {errors}.
"""
    write_section("api", body)
    print(body)
    assert errors == 0, "some requests failed under load"
    return rows
