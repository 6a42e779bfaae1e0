"""Soak: a harvest of 25 pages from a local arXiv that fails a third of the requests, with two
worker kills, ending with every record imported exactly once and the watermark at the last
datestamp.

The local arXiv is tests/fakearxiv.py serving 500 real records of abs-current.jsonl in the
arXivRaw format, 20 per page; each request draws a random fault with probability 1/3 (429/503 with
Retry-After, a timeout, a connection reset, a body cut off mid-chunk, a 200 with truncated XML, a
trickle). Real Celery workers on Redis (REDIS_URL, or BZPEER_BENCH_REDIS_URL; its database is
emptied first) run the harvest task; the first two are killed with SIGKILL mid-harvest, the
task comes back through the broker's visibility timeout. arXiv's pacing is shortened for the
local server (BZPEER_ARXIV_MIN_INTERVAL).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

from benchmarks.common import ROOT, SHARED, bench_env, fresh_database, write_section

RECORDS = 500
PAGE_SIZE = 20
FAULT_RATE = 1 / 3
KILL_AFTER_REQUESTS = (8, 18)  # requests served before the first and the second kill
TIMEOUT_S = 900
FAULTS = (
    ("status", 503, 1),
    ("status", 429, 1),
    "timeout",
    "reset",
    "cut",
    "truncated",
    ("trickle", 0.01),
)


def _worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bzpeer",
            "worker",
            "-Q",
            "arxiv,celery",
            "--concurrency",
            "1",
            "--loglevel",
            "WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _kill(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def run() -> dict:
    import psycopg
    import redis

    sys.path.insert(0, str(ROOT))
    from tests.fakearxiv import FakeArxiv, arxiv_id, datestamp, records_from_snapshot

    redis_url = os.environ.get("BZPEER_BENCH_REDIS_URL") or os.environ.get("REDIS_URL")
    if not redis_url:
        sys.exit("the soak needs Redis: set REDIS_URL (or BZPEER_BENCH_REDIS_URL)")
    redis.Redis.from_url(redis_url).flushdb()
    url = fresh_database()
    records = records_from_snapshot(SHARED / "snapshot" / "abs-current.jsonl", RECORDS)
    ids = {arxiv_id(r) for r in records}
    last = max(datestamp(r) for r in records)

    with FakeArxiv(records=records, page_size=PAGE_SIZE, hang=1.5) as fake:
        fake.random_faults(FAULT_RATE, FAULTS, seed=20261128)
        env = bench_env(url)
        env.update(
            REDIS_URL=redis_url,
            BZPEER_ARXIV_OAI_URL=fake.url,
            BZPEER_ARXIV_MIN_INTERVAL="0.05",
            BZPEER_ARXIV_BACKOFF="0.2",
            BZPEER_ARXIV_TIMEOUT="1",
            BZPEER_ARXIV_REQUEST_DEADLINE="2",
            BZPEER_ARXIV_MAX_WAIT="5",
            BZPEER_BROKER_VISIBILITY_TIMEOUT="5",
            BZPEER_HARVEST_BATCH_SIZE=str(PAGE_SIZE),
        )
        workers = [_worker(env)]
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); from publications.tasks import harvest_set; "
                "harvest_set.delay('cs')",
            ],
            env=env,
            cwd=ROOT,
            check=True,
        )
        kills = 0
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                while True:
                    assert time.perf_counter() - started < TIMEOUT_S, "the soak did not finish"
                    if (
                        kills < len(KILL_AFTER_REQUESTS)
                        and len(fake.served) >= KILL_AFTER_REQUESTS[kills]
                    ):
                        _kill(workers[-1])
                        kills += 1
                        workers.append(_worker(env))
                    done = conn.execute(
                        "SELECT watermark FROM publications_importrun "
                        "WHERE status = 'finished' AND watermark <> ''"
                    ).fetchone()
                    if done:
                        break
                    time.sleep(0.2)
                elapsed = time.perf_counter() - started
                works = {r[0] for r in conn.execute("SELECT arxiv_id FROM publications_work")}
                runs = conn.execute(
                    "SELECT status, count(*), sum(records_created) FROM publications_importrun "
                    "GROUP BY status ORDER BY status"
                ).fetchall()
        finally:
            for w in workers:
                _kill(w)
        served = list(fake.served)

    created = sum(r[2] or 0 for r in runs)
    faults = sum(1 for s in served if s.fault is not None)
    pages = fake.pages()
    assert works == ids, (len(works), len(ids))
    assert created == len(ids), runs  # each record created exactly once over every run
    assert done[0] == last, (done[0], last)
    assert kills == 2
    result = dict(
        elapsed=elapsed,
        pages=pages,
        requests=len(served),
        faults=faults,
        records=len(ids),
        runs=runs,
        watermark=done[0],
    )
    runs_text = ", ".join(f"{n} {status}" for status, n, _ in runs)
    body = f"""## Soak: a harvest through faults and worker kills

{pages} pages of {PAGE_SIZE} real records ({len(ids)} records of `abs-current.jsonl` served as
arXivRaw by `tests/fakearxiv.py`); each request draws a fault with probability {FAULT_RATE:.2f} (429/503
with Retry-After, timeout, reset, body cut mid-chunk, truncated XML, trickle); commits per page; two worker kills
(SIGKILL of the worker's process group after {KILL_AFTER_REQUESTS[0]} and
{KILL_AFTER_REQUESTS[1]} requests). Pacing 0.05 s, backoff 0.2 s, per-read timeout 1 s, deadline
2 s, visibility timeout 5 s.

| measure | value |
| --- | --- |
| time from enqueue to the finished harvest | {elapsed:.1f} s |
| requests served / with a fault | {len(served)} / {faults} |
| import runs | {runs_text} |
| records imported (each created exactly once) | {len(works)} of {len(ids)} |
| watermark | {done[0]} (the last datestamp: {last}) |

The 5 s visibility timeout is shorter than the harvest (to bring a killed worker's task back
quickly), so Redis may also hand the running harvest to a worker a second time: that copy reads
the window again and creates nothing (a `running` or `finished` run with 0 created). In
production the timeout exceeds the longest task (see README, "Operations").
"""
    write_section("soak", body)
    print(result)
    return result
