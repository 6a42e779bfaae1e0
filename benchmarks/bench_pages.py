"""Public pages under concurrent load on the 143k-record astro-ph database: the profile page of
the author record with the most works and two searches, side by side with the trivial /ping view
served by the same gunicorn settings in the same run (wrk over loopback)."""

from __future__ import annotations

import html
import os
import urllib.parse
import urllib.request

import psycopg

from benchmarks.common import astro_database, write_section
from benchmarks.http import TABLE_HEAD, Server, load, machine_is_quiet

PROFILE_SHARE_TARGET = 0.40  # profile throughput / trivial view throughput
PROFILE_P99_MS = 100
SEARCH_P99_MS = 150
WORDS_QUERY = "dark matter halo"
DURATION_S = int(os.environ.get("BZPEER_BENCH_DURATION", "10"))


def _prepare(url: str) -> dict:
    """Fresh planner statistics, the busiest author record and its newest work, and which
    indexes the search queries use on this database."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")
        slug, name, works = conn.execute(
            """SELECT a.slug, a.display_name, count(*) FROM publications_authorship s
               JOIN profiles_author a ON a.id = s.author_id WHERE a.merged_into_id IS NULL
               GROUP BY a.id ORDER BY count(*) DESC, a.id LIMIT 1"""
        ).fetchone()
        newest = conn.execute(
            """SELECT w.title FROM publications_work w JOIN publications_authorship s ON s.work_id = w.id
               JOIN profiles_author a ON a.id = s.author_id WHERE a.slug = %s AND NOT w.hidden
               ORDER BY w.first_submitted DESC NULLS LAST, w.id DESC LIMIT 1""", [slug]
        ).fetchone()[0]
        initial_name = f"{name.split()[0][0]}. {name.split()[-1]}"
        plans = {
            "works full text": "\n".join(r[0] for r in conn.execute(
                "EXPLAIN SELECT id FROM publications_work WHERE NOT hidden AND "
                "search_vector @@ websearch_to_tsquery('english', %s)", [WORDS_QUERY])),
            "author names (trigram)": "\n".join(r[0] for r in conn.execute(
                "EXPLAIN SELECT id FROM profiles_author WHERE merged_into_id IS NULL AND name_key %% %s",
                [initial_name.lower().replace(".", "")])),
        }
    return {"slug": slug, "name": name, "works": works, "newest": newest,
            "name_query": initial_name, "plans": plans}


def _uses_gin(plan: str) -> bool:
    return "work_search_idx" in plan or "author_name_key_trgm" in plan


def _scan(plan: str) -> str:
    lines = [line.strip().lstrip("-> ") for line in plan.splitlines()]
    return next((line for line in lines if "Index" in line), lines[-1])


def _fetch(base: str, path: str) -> str:
    with urllib.request.urlopen(base + path, timeout=30) as response:
        assert response.status == 200, (path, response.status)
        return html.unescape(response.read().decode())


def run() -> dict:
    url = astro_database()
    info = _prepare(url)
    profile = f"/authors/{urllib.parse.quote(info['slug'])}/"
    words = "/search/?" + urllib.parse.urlencode({"q": WORDS_QUERY})
    names = "/search/?" + urllib.parse.urlencode({"q": info["name_query"]})
    quiet = machine_is_quiet()
    with Server(url) as server:
        # Self-checks: each page answers 200 with what it is supposed to show.
        assert _fetch(server.base, "/ping") == "ok"
        page = _fetch(server.base, profile)
        assert info["name"] in page and "Published work" in page and info["newest"] in page, profile
        assert 'class="work-item"' in page
        assert "dark matter" in _fetch(server.base, words).lower()
        assert info["name"] in _fetch(server.base, names)
        results = {
            "trivial view": load(server, "/ping", duration=DURATION_S),
            "profile (most works)": load(server, profile, duration=DURATION_S),
            "search: words": load(server, words, duration=DURATION_S),
            "search: a name with an initial": load(server, names, duration=DURATION_S),
        }
    trivial, prof = results["trivial view"], results["profile (most works)"]
    share = prof.requests_per_s / trivial.requests_per_s
    searches = [results["search: words"], results["search: a name with an initial"]]
    verdicts = [
        f"- profile throughput {share:.0%} of the trivial view's (target ≥ {PROFILE_SHARE_TARGET:.0%}): "
        f"{'meets' if share >= PROFILE_SHARE_TARGET else 'MISSES'}",
        f"- profile p99 {prof.p99_ms:.1f} ms (target < {PROFILE_P99_MS} ms): "
        f"{'meets' if prof.p99_ms < PROFILE_P99_MS else 'MISSES'}",
    ] + [
        f"- search `{s.path}` p99 {s.p99_ms:.1f} ms (target < {SEARCH_P99_MS} ms): "
        f"{'meets' if s.p99_ms < SEARCH_P99_MS else 'MISSES'}"
        for s in searches
    ]
    index_lines = [
        f"- {label}: {'uses' if _uses_gin(plan) else 'does NOT use'} its GIN index (`{_scan(plan)}`)"
        for label, plan in info["plans"].items()
    ]
    rows = "\n".join(r.row(label) for label, r in results.items())
    body = f"""## Pages: profile and search under load (astro-ph, 143k works)

gunicorn (2 sync workers, DEBUG off) on loopback; wrk, 2 threads, 8 connections, {DURATION_S} s per
page after a warm-up; all pages in the same run. Profile: `{info['name']}`, the author record with the
most works ({info['works']:,}); first page of 20 works. Searches: works by words (PostgreSQL full text)
and author records by a name with an initial (pg_trgm), each page showing both lists.
{quiet}.

{TABLE_HEAD}
{rows}

{chr(10).join(verdicts)}

Query plans on this database:
{chr(10).join(index_lines)}
"""
    write_section("pages", body)
    print(body)
    return {label: vars(r) for label, r in results.items()}
