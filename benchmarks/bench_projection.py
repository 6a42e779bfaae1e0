"""The 10x projection: the astro-ph records replicated under new arXiv ids, imported into an empty
database, recomputed once in full, and the heaviest pages timed, at 1x and at the projected scale;
reports how each cost grows.

The replicas are made on the fly into a temporary file (nothing is stored in the repository): copy
k of `0907.4282` is `0907.4282` with its month moved past 12 (and its year on for k > 3), copy k of
`astro-ph/0001001` is `astro-ph-<letter>/0001001`; everything else in a record stays, so each
author record gets k times the works and each work its copy's co-authors (the heaviest records
grow by the factor: a worst case for the pages). The full 10x run (1.4M works, about 8M
authorships) takes hours on a small machine.

    python -m benchmarks.run projection                     # 1x and 10x of the whole snapshot
    BZPEER_PROJECTION_SCALE=3 BZPEER_PROJECTION_LIMIT=5000 python -m benchmarks.run projection

BZPEER_PROJECTION_LIMIT takes the first N records of the snapshot as the "1x" (a quick trial).
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import psycopg

from benchmarks.common import (
    ASTRO_PH,
    ROOT,
    admin_psql,
    bench_env,
    database_url,
    manage,
    write_section,
)
from benchmarks.http import Server, load

SCALE = int(os.environ.get("BZPEER_PROJECTION_SCALE", "10"))
LIMIT = int(os.environ.get("BZPEER_PROJECTION_LIMIT", "0"))  # 0: every record of the snapshot
DB = os.environ.get("BZPEER_BENCH_PROJECTION_DATABASE", "bzpeer_bench_projection")
DURATION_S = int(os.environ.get("BZPEER_BENCH_DURATION", "10"))
FLAT = 1.5  # page p99 at the larger scale within this factor of 1x counts as flat

IMPORT = """
import django, json, time
django.setup()
from pathlib import Path
from publications import signals
from publications.services import import_path
signals.author_records_changed.receivers = []  # the recompute is timed on its own
t0 = time.perf_counter()
run = import_path(Path({path!r}), batch_size=5000, resolve=False)
print(json.dumps(dict(seconds=time.perf_counter() - t0, seen=run.records_seen,
                      created=run.records_created, failed=run.records_failed)))
"""

RECOMPUTE = """
import django, json, time
django.setup()
from graph.services import recompute_all
t0 = time.perf_counter()
result = recompute_all()
print(json.dumps(dict(seconds=time.perf_counter() - t0, changed=result.changed)))
"""


def copy_id(arxiv_id: str, k: int) -> str:
    """The id of copy k (0 = the record itself) of an arXiv id; never a real id for k > 0."""
    if k == 0:
        return arxiv_id
    if "/" in arxiv_id:  # old style: archive/YYMMNNN
        archive, number = arxiv_id.split("/", 1)
        return f"{archive}-{'abcdefghijklmnopqrstuvwxyz'[k - 1]}/{number}"
    yymm, number = arxiv_id.split(".", 1)
    years, months = divmod(k - 1, 3)  # months past 12 never exist; a year on for every 3 copies
    yy, mm = int(yymm[:2]) + 25 * years, int(yymm[2:]) + 12 * (months + 1)
    return f"{yy:02d}{mm:02d}.{number}"


def write_replicas(folder: Path, scale: int, limit: int = 0) -> tuple[Path, int]:
    """The snapshot (its first `limit` records, or all) `scale` times, ids made unique."""
    with gzip.open(ASTRO_PH, "rt") as source:
        lines = [line for _, line in zip(range(limit or 10**9), source, strict=False)]
    out = folder / f"astro-ph-x{scale}.jsonl.gz"
    with gzip.open(out, "wt", compresslevel=1) as target:
        for k in range(scale):
            for line in lines:
                record = json.loads(line)
                record["id"] = copy_id(record["id"], k)
                target.write(json.dumps(record) + "\n")
    return out, len(lines) * scale


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


def _pages(url: str) -> dict[str, float]:
    """p99 (ms) of the heaviest pages, anonymous, and of distinct (uncached) searches."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")
        one = lambda sql: conn.execute(sql).fetchone()  # noqa: E731
        work = one(
            "SELECT arxiv_id FROM publications_work ORDER BY authors_count DESC, id LIMIT 1"
        )[0]
        slug = one("SELECT slug FROM profiles_author ORDER BY works_count DESC, id LIMIT 1")[0]
        topic = one("""SELECT t.code FROM publications_work w JOIN publications_topic t
                       ON t.id = w.primary_topic_id GROUP BY t.code ORDER BY count(*) DESC LIMIT 1""")[
            0
        ]
        titles = [
            r[0] for r in conn.execute("SELECT title FROM publications_work ORDER BY id LIMIT 3000")
        ]
    phrases = []
    for title in titles:
        words = [w for w in title.split() if w.isalpha() and len(w) > 3]
        if len(words) >= 3:
            phrases.append("/search/?" + urllib.parse.urlencode({"q": " ".join(words[:3]).lower()}))
    paths = {
        "work, most authors": f"/works/{work}/",
        "home": "/",
        "topic, most works": f"/topics/{topic}/",
        "profile, most works": f"/authors/{slug}/",
        "search: three words": "/search/?q=dark+matter+halo",
        "graph slice, most works": f"/api/graph/slice/?author={slug}",
        "API: work list": "/api/works/",
    }
    with Server(url) as server:
        result = {"ping": load(server, "/ping", duration=DURATION_S).p99_ms}
        for label, path in paths.items():
            result[label] = load(server, path, duration=DURATION_S).p99_ms
        result["search: distinct three-word queries (no cache)"] = load(
            server, phrases[0], duration=DURATION_S, rotate=list(dict.fromkeys(phrases))
        ).p99_ms
    return result


def measure(scale: int, folder: Path) -> dict:
    admin_psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    admin_psql(f'CREATE DATABASE "{DB}"')
    url = database_url(DB)
    manage("migrate", "--noinput", "-v", "0", url=url)
    started = time.perf_counter()
    replicas, records = write_replicas(folder, scale, LIMIT)
    generated = time.perf_counter() - started
    load_import = os.getloadavg()[0]
    imported = _child(IMPORT.format(path=str(replicas)), url)
    replicas.unlink()
    assert imported["failed"] == 0 and imported["created"] >= records * 0.99, imported
    load_recompute = os.getloadavg()[0]
    recomputed = _child(RECOMPUTE, url)
    load_pages = os.getloadavg()[0]
    with psycopg.connect(url) as conn:
        works, authorships = conn.execute(
            "SELECT (SELECT count(*) FROM publications_work), "
            "(SELECT count(*) FROM publications_authorship)"
        ).fetchone()
    return {
        "scale": scale,
        "records": records,
        "works": works,
        "authorships": authorships,
        "generate": generated,
        "import": imported["seconds"],
        "recompute": recomputed["seconds"],
        "pages": _pages(url),
        # The machine is shared: each step's load (1 min) says how comparable the scales are.
        "load": {"import": load_import, "recompute": load_recompute, "pages": load_pages},
    }


def run() -> dict:
    load_at_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        small = measure(1, Path(folder))
        large = measure(SCALE, Path(folder))
    admin_psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    rows = [
        (
            "works",
            f"{small['works']:,}",
            f"{large['works']:,}",
            large["works"] / small["works"],
            "",
        ),
        (
            "authorships",
            f"{small['authorships']:,}",
            f"{large['authorships']:,}",
            large["authorships"] / small["authorships"],
            "",
        ),
    ]
    for step in ("import", "recompute"):
        growth = large[step] / small[step]
        verdict = "at most linear" if growth <= SCALE * 1.1 else "MORE THAN LINEAR"
        rows.append((f"{step} (s)", f"{small[step]:.1f}", f"{large[step]:.1f}", growth, verdict))
    for label, p99 in small["pages"].items():
        growth = large["pages"][label] / p99
        verdict = "flat" if growth <= FLAT else "GROWS"
        rows.append(
            (f"{label}: p99 ms", f"{p99:.1f}", f"{large['pages'][label]:.1f}", growth, verdict)
        )
    for step in ("import", "recompute", "pages"):
        a, b = small["load"][step], large["load"][step]
        rows.append((f"load average (1 min) at the start of the {step}", f"{a:.2f}", f"{b:.2f}",
                     b / a if a else 0.0, ""))  # fmt: skip
    table = "\n".join(f"| {a} | {b} | {c} | {g:.2f}x | {v} |" for a, b, c, g, v in rows)
    source = f"the first {LIMIT:,} records of" if LIMIT else "every record of"
    body = f"""## Projection: 1x → {SCALE}x

{source} `{ASTRO_PH.name}` as 1x, replicated {SCALE} times under new ids for {SCALE}x (made on
the fly: `benchmarks/bench_projection.py`). Each scale: an empty database, the import (loader
only), one full recompute where every record changes, then the heaviest pages (gunicorn, wrk,
{DURATION_S} s each, anonymous). Load average at the start: {", ".join(f"{x:.2f}" for x in load_at_start)}.
Imports and recomputes should grow at most linearly ({SCALE}x); page p99 should stay flat
(within {FLAT}x).

| measure | 1x | {SCALE}x | growth | verdict |
| --- | --- | --- | --- | --- |
{table}
"""
    write_section("projection", body)
    print(body)
    return {"small": small, "large": large}
