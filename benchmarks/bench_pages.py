"""Every public page for the heaviest real record of its kind, under concurrent load, anonymous and
signed in, each against the trivial /ping view served by the same gunicorn in the same run.

Pages: the work page of the largest collaboration paper of the sample data and of astro-ph (also
with the visitor's own record far down the list, and the full author list), home, the biggest
topic, search (three words; a name with an initial; and distinct queries that no cache answers),
the profile with the most works, the graph slice of the most connected record, and the API's list
and detail endpoints. Database: the astro-ph snapshot (benchmarks.common.astro_database, or
BZPEER_BENCH_ASTRO_DATABASE), plus the sample data's largest paper.
"""

from __future__ import annotations

import html
import json
import os
import tempfile
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psycopg

from benchmarks.bench_graph import MOST_CONNECTED
from benchmarks.common import ROOT, astro_database, manage, write_section
from benchmarks.http import GUNICORN_WORKERS, WRK_CONNECTIONS, LoadResult, Server, load

P99_MS = 100
SEARCH_P99_MS = 60
ANONYMOUS_SHARE = 0.20
SIGNED_IN_SHARE = 0.10
WORDS_QUERY = "dark matter halo"
DISTINCT_QUERIES = 3000  # more than a run sends: each search is answered fresh
DURATION_S = int(os.environ.get("BZPEER_BENCH_DURATION", "10"))
SAMPLE = ROOT / "sample_data" / "arxiv"

SIGN_IN = """
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
user, _ = get_user_model().objects.get_or_create(username="bench-reader",
                                                 defaults={"email": "bench-reader@example.org"})
session = SessionStore()
session.update({"_auth_user_id": str(user.pk), "_auth_user_backend": settings.AUTHENTICATION_BACKENDS[0],
                "_auth_user_hash": user.get_session_auth_hash()})
session.create()
print(session.session_key)
"""


@dataclass
class Row:
    label: str
    path: str
    search: bool = False
    rotate: list[str] | None = None
    expect: str = ""  # text the page must hold (checked before timing)
    anonymous: LoadResult | None = None
    signed_in: LoadResult | None = None


def _largest_sample_paper() -> tuple[str, Path]:
    """The sample data's record with the most authors, written alone to a file to import."""
    best = (0, "", "")
    for path in SAMPLE.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            authors = record.get("authors", "").count(",") + 1
            if authors > best[0]:
                best = (authors, record["id"], line)
    out = Path(tempfile.mkdtemp()) / "largest-sample-paper.jsonl"
    out.write_text(best[2] + "\n")
    return best[1], out


def _prepare(url: str) -> dict:
    sample_id, sample_file = _largest_sample_paper()
    manage("import_arxiv", "--no-progress", str(sample_file), url=url)  # idempotent
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")
        one = lambda sql, *args: conn.execute(sql, args).fetchone()  # noqa: E731
        sample = one(
            "SELECT arxiv_id, authors_count, id FROM publications_work WHERE arxiv_id = %s",
            sample_id,
        )
        astro = one("""SELECT w.arxiv_id, w.authors_count, w.id FROM publications_work w
                       JOIN publications_topic t ON t.id = w.primary_topic_id
                       WHERE t.archive = 'astro-ph' AND NOT w.hidden
                       ORDER BY w.authors_count DESC, w.id LIMIT 1""")
        far = one(
            """SELECT a.slug FROM publications_authorship s JOIN profiles_author a
                     ON a.id = s.author_id WHERE s.work_id = %s ORDER BY s.position DESC LIMIT 1""",
            sample[2],
        )[0]
        slug, name, works = one(
            """SELECT a.slug, a.display_name, count(*) FROM publications_authorship s
               JOIN profiles_author a ON a.id = s.author_id WHERE a.merged_into_id IS NULL
               GROUP BY a.id ORDER BY count(*) DESC, a.id LIMIT 1"""
        )
        topic = one("""SELECT t.code FROM publications_work w JOIN publications_topic t
                       ON t.id = w.primary_topic_id WHERE NOT w.hidden
                       GROUP BY t.code ORDER BY count(*) DESC, t.code LIMIT 1""")[0]
        connected = one(MOST_CONNECTED)[0]
        # Distinct searches: three consecutive words of titles, and names with an initial.
        titles = conn.execute(
            "SELECT title FROM publications_work WHERE NOT hidden ORDER BY id LIMIT %s",
            [DISTINCT_QUERIES * 2],
        ).fetchall()
        names = conn.execute(
            """SELECT display_name FROM profiles_author WHERE merged_into_id IS NULL
               AND display_name ~ '^[A-Z][a-z]+ [A-Z][a-z]+$' ORDER BY id LIMIT %s""",
            [DISTINCT_QUERIES],
        ).fetchall()
    phrases = []
    for (title,) in titles:
        words = [w for w in title.split() if w.isalpha() and len(w) > 3]
        if len(words) >= 3:
            phrases.append(" ".join(words[:3]).lower())
    initials = [f"{n.split()[0][0]}. {n.split()[1]}" for (n,) in names]
    return {
        "sample": sample,
        "astro": astro,
        "far": far,
        "slug": slug,
        "name": name,
        "works": works,
        "topic": topic,
        "connected": connected,
        "name_query": f"{name.split()[0][0]}. {name.split()[-1]}",
        "phrases": list(dict.fromkeys(phrases))[:DISTINCT_QUERIES],
        "initials": list(dict.fromkeys(initials))[:DISTINCT_QUERIES],
    }


def _search(q: str) -> str:
    return "/search/?" + urllib.parse.urlencode({"q": q})


def _rows(info: dict) -> list[Row]:
    sample, astro = info["sample"], info["astro"]
    return [
        Row(
            f"work, largest sample paper ({sample[1]:,} authors)",
            f"/works/{sample[0]}/",
            expect=f"All {sample[1]:,} authors",
        ),
        Row(
            "same, the visitor's own record last in the list",
            f"/works/{sample[0]}/?author={info['far']}",
            expect='aria-current="true"',
        ),
        Row(
            "same, every author", f"/works/{sample[0]}/authors/", expect=f'id="author-{sample[1]}"'
        ),
        Row(
            f"work, largest astro-ph paper ({astro[1]:,} authors)",
            f"/works/{astro[0]}/",
            expect=f"All {astro[1]:,} authors",
        ),
        Row("home", "/", expect="Recent works"),
        Row(
            f"topic with the most works ({info['topic']})",
            f"/topics/{info['topic']}/",
            expect="Most prolific author records",
        ),
        Row(
            f"profile, most works ({info['works']:,})",
            f"/authors/{info['slug']}/",
            expect=info["name"],
        ),
        Row("search: three words", _search(WORDS_QUERY), search=True, expect="dark matter"),
        Row(
            "search: a name with an initial",
            _search(info["name_query"]),
            search=True,
            expect=info["name"],
        ),
        Row(
            f"search: {len(info['phrases']):,} distinct three-word queries (no cache)",
            _search(info["phrases"][0]),
            search=True,
            rotate=[_search(q) for q in info["phrases"]],
        ),
        Row(
            f"search: {len(info['initials']):,} distinct names with an initial (no cache)",
            _search(info["initials"][0]),
            search=True,
            rotate=[_search(q) for q in info["initials"]],
        ),
        Row(
            "graph slice, most connected record",
            f"/api/graph/slice/?author={info['connected']}",
            expect='"nodes"',
        ),
        Row("API: work list", "/api/works/", expect='"results"'),
        Row(
            "API: work detail, largest sample paper",
            f"/api/works/{sample[0]}/",
            expect='"authors_url"',
        ),
        Row("API: its authors, first page", f"/api/works/{sample[0]}/authors/", expect='"results"'),
        Row("API: author detail, most works", f"/api/authors/{info['slug']}/", expect='"trust"'),
        Row("API: author's works", f"/api/authors/{info['slug']}/works/", expect='"results"'),
    ]


def _fetch(base: str, path: str, headers: dict) -> str:
    request = urllib.request.Request(base + path, headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200, (path, response.status)
        return html.unescape(response.read().decode())


def _share(result: LoadResult, ping: LoadResult) -> float:
    return result.requests_per_s / ping.requests_per_s


def _cell(result: LoadResult, ping: LoadResult) -> str:
    return (
        f"{result.requests_per_s:,.0f} | {result.p50_ms:.1f} | {result.p99_ms:.1f} | "
        f"{_share(result, ping):.0%}"
    )


def measure(
    server: Server, rows: list[Row], signed_in: dict, duration: int
) -> tuple[LoadResult, LoadResult]:
    """Load every row anonymous then signed in, between two loads of `/ping` (the share's base
    at the start, and how much the machine's speed moved by the end)."""
    ping = load(server, "/ping", duration=duration)
    for row in rows:
        row.anonymous = load(server, row.path, duration=duration, rotate=row.rotate)
        row.signed_in = load(
            server, row.path, duration=duration, rotate=row.rotate, headers=signed_in
        )
        print(row.label, row.anonymous, row.signed_in, flush=True)
    ping_end = load(server, "/ping", duration=duration)
    return ping, ping_end


def _verdicts(row: Row, ping: LoadResult) -> str:
    p99 = SEARCH_P99_MS if row.search else P99_MS
    misses = []
    for who, result, share in (
        ("anonymous", row.anonymous, ANONYMOUS_SHARE),
        ("signed in", row.signed_in, SIGNED_IN_SHARE),
    ):
        if result.p99_ms >= p99:
            misses.append(f"{who} p99")
        if _share(result, ping) < share:
            misses.append(f"{who} share")
        if result.errors:
            misses.append(f"{who} errors")
    return "meets" if not misses else "MISSES: " + ", ".join(misses)


def run() -> dict:
    url = astro_database()
    info = _prepare(url)
    session = manage("shell", "-c", SIGN_IN, url=url).stdout.strip().splitlines()[-1]
    signed_in = {"Cookie": f"sessionid={session}"}
    rows = _rows(info)
    load_at_start = os.getloadavg()
    with Server(url) as server:
        for row in rows:  # self-checks before anything is timed
            for headers in ({}, signed_in):
                page = _fetch(server.base, row.path, headers)
                assert row.expect in page, (row.path, row.expect)
            if row.rotate is None and not row.path.startswith("/api/"):
                assert "Log out bench-reader" in _fetch(server.base, row.path, signed_in), row.path
        ping, ping_end = measure(server, rows, signed_in, DURATION_S)
    load_at_end = os.getloadavg()
    table = "\n".join(
        f"| {row.label} | `{row.path if row.rotate is None else row.path.split('=')[0] + '=…'}` | "
        f"{_cell(row.anonymous, ping)} | {_cell(row.signed_in, ping)} | {_verdicts(row, ping)} |"
        for row in rows
    )
    met = sum(_verdicts(row, ping) == "meets" for row in rows)
    body = f"""## Pages: every public page, anonymous and signed in (astro-ph, heaviest records)

gunicorn ({GUNICORN_WORKERS} sync workers, DEBUG off, local-memory cache per worker) on loopback;
wrk, 2 threads, {WRK_CONNECTIONS} connections, {DURATION_S} s per row after a warm-up (none for
the distinct searches, which send a different query each time: no cache answers them); all rows
in the same run. Signed in: a session cookie of a plain user. Share = requests/s of the row /
requests/s of `/ping` at the start of the run ({ping.requests_per_s:,.0f}/s, p99
{ping.p99_ms:.1f} ms; {ping_end.requests_per_s:,.0f}/s at the end). Load average (1, 5, 15 min)
at the start: {", ".join(f"{x:.2f}" for x in load_at_start)}; at the end:
{", ".join(f"{x:.2f}" for x in load_at_end)}.

Targets: p99 < {P99_MS} ms (searches < {SEARCH_P99_MS} ms), share ≥ {ANONYMOUS_SHARE:.0%}
anonymous and ≥ {SIGNED_IN_SHARE:.0%} signed in. {met} of {len(rows)} rows meet every target.

| page | path | anonymous req/s | p50 ms | p99 ms | share | signed in req/s | p50 ms | p99 ms | share | verdict |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
{table}
"""
    write_section("pages", body)
    print(body)
    return {
        row.label: {"anonymous": vars(row.anonymous), "signed_in": vars(row.signed_in)}
        for row in rows
    }
