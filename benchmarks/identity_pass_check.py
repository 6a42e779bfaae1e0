"""The full identity pass on a copy of an astro-ph database imported without it: where its time
and memory go, and what it decided (to compare two versions of the engine's internals).

    python -m benchmarks.identity_pass_check TEMPLATE_DB OUT.json [--profile OUT.prof]

TEMPLATE_DB is a database of the embedded server holding the snapshot imported with
``BZPEER_IDENTITY_ON_IMPORT=0``; it is copied (CREATE DATABASE ... TEMPLATE) so every run starts
from the same rows and the same id sequences. OUT.json receives the phase times, the peak RSS
of each phase and the pass's decisions: every IdentityDecision (kind, record, records,
confidence, reason), every authorship's record after the pass, every mention's cluster and the
pairs kept. ``--compare A.json B.json`` says whether two runs decided the same.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import psutil

from benchmarks.common import admin_psql, database_url

PHASES: dict[str, float] = {}
PEAK: dict[str, int] = {}
_current = ["start"]
_rss_peak = [0]


def _sampler(stop: threading.Event) -> None:
    proc = psutil.Process()
    while not stop.is_set():
        rss = proc.memory_info().rss
        name = _current[-1]
        PEAK[name] = max(PEAK.get(name, 0), rss)
        _rss_peak[0] = max(_rss_peak[0], rss)
        stop.wait(0.05)


@contextmanager
def phase(name: str):
    _current.append(name)
    t0 = time.perf_counter()
    try:
        yield
    finally:
        PHASES[name] = PHASES.get(name, 0.0) + time.perf_counter() - t0
        _current.pop()


def _wrap(module, attr: str, name: str) -> None:
    original = getattr(module, attr)

    def wrapped(*args, **kwargs):
        with phase(name):
            return original(*args, **kwargs)

    setattr(module, attr, wrapped)


def run(template: str, out: Path, profile: Path | None) -> None:
    copy = f"{template}_check"
    admin_psql(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
    admin_psql(f'CREATE DATABASE "{copy}" TEMPLATE "{template}"')
    os.environ["DATABASE_URL"] = database_url(copy)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bzpeer.settings")
    os.environ.setdefault("BZPEER_DEBUG", "1")
    # Counters and scores are not part of the pass (the import recomputes them once after it).
    os.environ["BZPEER_SCORES_ON_CHANGE"] = "0"
    import django

    django.setup()
    import numpy as np

    from publications import identity_service as service
    from publications.identity import cluster, evidence, records
    from publications.models import Authorship, IdentityDecision

    captured: dict = {}
    original_score = service._score

    def score(corpus, record_index):
        with phase("score (blocks, features, model, clustering)"):
            resolution, confidence = original_score(corpus, record_index)
        captured["cluster_of"] = resolution.cluster_of
        captured["pairs"] = resolution.pairs
        captured["keys"] = [m.key for m in corpus.mentions]
        return resolution, confidence

    service._score = score
    _wrap(service, "_load", "load (SQL + mentions)")
    _wrap(service, "Corpus", "corpus")
    _wrap(cluster, "block_pairs", "score: candidate pairs")
    _wrap(cluster, "pair_features", "score: pair features")
    _wrap(cluster, "_compat_matrix", "score: name compatibility")
    _wrap(cluster, "_cluster", "score: clustering")
    _wrap(cluster, "cluster_evidence", "cluster evidence (clusters)")
    _wrap(service, "cluster_evidence", "cluster evidence (merges)")
    _wrap(service, "people_of", "people_of")
    _wrap(service, "pieces_of", "pieces_of")
    _wrap(service, "plan_splits", "plan_splits")
    _wrap(service, "_split_evidence", "split evidence")
    _wrap(service, "_apply_splits", "apply splits")
    _wrap(service, "_store_split_proposals", "store split proposals")
    _wrap(service, "plan_merges", "plan_merges")
    _wrap(service, "_apply_merges", "apply merges")
    _wrap(service, "_store_proposals", "store proposals")
    _wrap(service, "_store_assessments", "store assessments")
    _wrap(service, "_fixed_records", "fixed records")
    del records, evidence

    stop = threading.Event()
    sampler = threading.Thread(target=_sampler, args=(stop,), daemon=True)
    rss_before = psutil.Process().memory_info().rss
    sampler.start()
    t0 = time.perf_counter()
    if profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    from django.db import connection

    with connection.cursor() as cursor:  # every block, as the import of a snapshot passes them
        cursor.execute("SELECT DISTINCT block_key FROM publications_authorship")
        blocks = {key for (key,) in cursor.fetchall()}
    from publications.signals import author_changes_held

    with phase("whole pass"), author_changes_held():  # as the import holds them
        result = service.resolve_identities(blocks=blocks)
    if profile:
        prof.disable()
        prof.dump_stats(str(profile))
    wall = time.perf_counter() - t0
    stop.set()
    sampler.join()
    decisions = sorted(
        [kind, author, list(recs), conf, reason]
        for kind, author, recs, conf, reason in IdentityDecision.objects.values_list(
            "kind", "author_id", "records", "confidence", "reason"
        )
    )
    record_after = dict(Authorship.objects.values_list("pk", "author_id"))
    gi, gj, probs = captured["pairs"]
    keys = captured["keys"]
    order = np.lexsort((gj, gi))
    data = {
        "wall": wall,
        "phases": PHASES,
        "peak_rss_mib": {k: v / 2**20 for k, v in PEAK.items()},
        "rss_before_mib": rss_before / 2**20,
        "peak_rss_pass_mib": _rss_peak[0] / 2**20,
        "result": {
            k: getattr(result, k)
            for k in (
                "authorships",
                "blocks",
                "merged",
                "proposals",
                "split",
                "split_proposals",
                "assessed",
            )
        },  # fmt: skip
        "decisions": decisions,
        "record_after": {str(k): v for k, v in sorted(record_after.items())},
        "cluster_of": [captured["cluster_of"][k] for k in keys],
        "pairs": [
            [keys[i] for i in gi[order].tolist()],
            [keys[j] for j in gj[order].tolist()],
            [round(float(p), 9) for p in probs[order]],
        ],
    }
    out.write_text(json.dumps(data))
    print(json.dumps({k: data[k] for k in ("wall", "phases", "peak_rss_mib", "rss_before_mib",
                                           "peak_rss_pass_mib", "result")}, indent=1))  # fmt: skip
    from django.db import connections

    connections.close_all()
    admin_psql(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')


def compare(a_path: Path, b_path: Path) -> bool:
    a, b = json.loads(a_path.read_text()), json.loads(b_path.read_text())
    same = True
    for key in ("result", "decisions", "record_after", "cluster_of", "pairs"):
        equal = a[key] == b[key]
        detail = ""
        if key == "pairs":
            detail = f" ({len(a[key][0]):,} vs {len(b[key][0]):,} kept pairs)"
            if not equal and a[key][:2] == b[key][:2]:
                diff = max(abs(x - y) for x, y in zip(a[key][2], b[key][2], strict=True))
                detail += f", same pairs, largest probability difference {diff:.2e}"
        elif isinstance(a[key], list | dict):
            detail = f" ({len(a[key]):,} vs {len(b[key]):,})"
        print(f"{key}: {'same' if equal else 'DIFFERENT'}{detail}")
        same &= equal
    return same


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[0] == "--compare":
        sys.exit(0 if compare(Path(args[1]), Path(args[2])) else 1)
    prof_path = Path(args[args.index("--profile") + 1]) if "--profile" in args else None
    run(args[0], Path(args[1]), prof_path)
