"""The import as an operator runs it: ``manage.py import_arxiv`` of the whole astro-ph snapshot
into an empty database, tasks inline, ending with resolved records (the identity pass over the
blocks it wrote, then counters and trust scores), against the import floor measured in the same
run (benchmarks.bench_import) and with its peak memory (/usr/bin/time -v). Then a daily batch:
the works of the snapshot's last 1,000 records are deleted (with the records of the names no
other work prints) and imported again through the harvest's path (``import_items``), which ends
with the identity pass it chooses for a small batch: the incremental assignment
(publications/identity_incremental.py), timed on its own, run again (it must change nothing),
and compared with the full pass over the blocks the batch wrote (what the import ran before).
"""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_import import FLOOR, _child
from benchmarks.common import ASTRO_PH, ROOT, bench_env, fresh_database, write_section

TARGET_RATIO = 10  # the whole import, identity, counters and scores included
BATCH_TARGET_RATIO = 1  # a daily batch's identity pass
MEMORY_LIMIT_MIB = 2048
NEW_RECORDS = 1000

BATCH = """
import django, json, time
django.setup()
from pathlib import Path
from django.db import connection
from publications.identity_incremental import BatchResult, assign_batch
from publications.identity_service import resolve_identities
from publications.models import Author, Authorship, Work
from publications.names import name_key
from publications.services import import_path

tail = Path({tail!r})
ids = [json.loads(line)["id"] for line in tail.open()]
# The database as it was before the batch: its works deleted, and the records of the names no
# other work prints (a name first seen in the batch gets a new record, as in a harvest).
printed = set(Authorship.objects.filter(work__arxiv_id__in=ids).values_list("printed_name", "block_key"))
deleted = Work.objects.filter(arxiv_id__in=ids).delete()[1].get("publications.Work", 0)
keys = {{name_key(n) for n, _ in printed}}
kept = {{name_key(n) for n in Authorship.objects.filter(
    block_key__in={{b for _, b in printed}}).values_list("printed_name", flat=True)}}
gone = set(Author.objects.filter(name_key__in=keys - kept, authorships__isnull=True)
           .values_list("pk", flat=True))
while True:  # a record merged into one of them that stays keeps it
    held = set(Author.objects.filter(merged_into__in=gone).exclude(pk__in=gone)
               .values_list("merged_into", flat=True))
    if not held:
        break
    gone -= held
Author.objects.filter(pk__in=gone).update(merged_into=None)
Author.objects.filter(pk__in=gone).delete()
with connection.cursor() as c:  # the steady state autovacuum keeps after the rewrites above
    c.execute("VACUUM ANALYZE")
# As the operator path runs it: the harvest's import_items, then the pass it chooses.
t0 = time.perf_counter(); run = import_path(tail); wall_s = time.perf_counter() - t0
result = run.identity
assert isinstance(result, BatchResult), result
state = sorted(Authorship.objects.values_list("id", "author_id"))
t0 = time.perf_counter(); again = assign_batch(run.batch_mark); again_s = time.perf_counter() - t0
unchanged = sorted(Authorship.objects.values_list("id", "author_id")) == state
blocks = run.touched_blocks
t0 = time.perf_counter(); full = resolve_identities(blocks=blocks); full_s = time.perf_counter() - t0
print(json.dumps(dict(deleted=deleted, removed_records=len(gone), created=run.records_created,
    blocks=len(blocks), read_blocks=result.blocks, authorships=result.authorships,
    new_authorships=result.new_authorships, new_records=result.new_records,
    pairs=result.pairs_scored, total=Authorship.objects.count(), merged=result.merged,
    proposals=result.proposals, assessed=result.assessed, wall_s=wall_s,
    pass_s=result.seconds, again_s=again_s, again_merged=again.merged,
    again_proposals=again.proposals, unchanged=unchanged, full_s=full_s,
    full_authorships=full.authorships, full_merged=full.merged, full_split=full.split,
    full_proposals=full.proposals + full.split_proposals)))
"""


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def _tail(path: Path, n: int) -> Path:
    with gzip.open(ASTRO_PH, "rt") as f:
        lines = f.readlines()[-n:]
    path.write_text("".join(lines))
    return path


def _seconds(pattern: str, text: str) -> float | None:
    m = re.search(pattern, text)
    return float(m.group(1)) if m else None


def run() -> dict:
    url = fresh_database()
    load_start = _load()
    floor = _child(FLOOR.format(path=str(ASTRO_PH), url=url), url)
    env = bench_env(url)
    env["BZPEER_SCORES_ON_CHANGE"] = "1"  # the import ends with counters and scores
    env["BZPEER_IDENTITY_ON_IMPORT"] = "1"
    started = time.perf_counter()
    out = subprocess.run(
        ["/usr/bin/time", "-v", sys.executable, str(ROOT / "manage.py"), "import_arxiv",
         "--no-progress", "--show-skipped", "0", str(ASTRO_PH)],
        env=env, cwd=ROOT, check=True, text=True, capture_output=True,
    )  # fmt: skip
    wall = time.perf_counter() - started
    load_after_import = _load()
    stdout = out.stdout
    maxrss_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr).group(1))
    identity_s = _seconds(r"identity: .*\(([\d.]+) s\)", stdout)
    scores_s = _seconds(r"counters and trust scores of .* recomputed \(([\d.]+) s\)", stdout)
    identity_line = next(line for line in stdout.splitlines() if line.startswith("identity: "))
    scores_line = next(line for line in stdout.splitlines() if "counters and trust scores" in line)
    with tempfile.TemporaryDirectory() as tmp:
        tail = _tail(Path(tmp) / "astro-ph-last-1000.jsonl", NEW_RECORDS)
        batch = _child(BATCH.format(tail=str(tail)), url)
    load_end = _load()
    assert batch["deleted"] == batch["created"] == NEW_RECORDS, batch
    assert (batch["again_merged"], batch["again_proposals"], batch["unchanged"]) == (0, 0, True), (
        batch
    )
    ratio = wall / floor["floor"]
    batch_ratio = batch["pass_s"] / floor["floor"]
    full_ratio = batch["full_s"] / floor["floor"]

    def verdict(value: float, target: float) -> str:
        return "meets" if value <= target else "MISSES"

    loader_s = wall - (identity_s or 0) - (scores_s or 0) if identity_s is not None else None
    body = f"""## Pipeline: `import_arxiv` of astro-ph ending with resolved records, and a daily batch

`manage.py import_arxiv {ASTRO_PH.name}` into an empty database, tasks inline (no broker), as an
operator runs it: the loader, then the identity engine's pass over the name blocks the import
wrote (every block, on an empty database), then counters and trust scores of the records both
changed. Its output:

    {identity_line}
    {scores_line}

| measure | time | ratio to the floor | target |
| --- | --- | --- | --- |
| floor (parse + COPY, as in the import section, same run) | {floor["floor"]:.1f} s | 1.0x | |
| whole `import_arxiv` (process wall time, Django start included) | {wall:.1f} s | {ratio:.1f}x | ≤ {TARGET_RATIO}x: {verdict(ratio, TARGET_RATIO)} |
| of which the loader (the rest) | {loader_s:.1f} s | {loader_s / floor["floor"]:.1f}x | |
| of which the identity pass | {identity_s:.1f} s | {identity_s / floor["floor"]:.1f}x | |
| of which counters and trust scores | {scores_s:.1f} s | {scores_s / floor["floor"]:.1f}x | |
| peak memory of the process (max RSS, /usr/bin/time -v) | {maxrss_kib / 1024:.0f} MiB | | < {MEMORY_LIMIT_MIB} MiB: {verdict(maxrss_kib / 1024, MEMORY_LIMIT_MIB)} |

A daily batch: the works of the snapshot's last {NEW_RECORDS:,} records deleted, with the
{batch["removed_records"]:,} author records of the names no other work prints (a name first seen in
a harvest gets a new record), then imported again as the harvest does it (`import_items`, which
ends with the identity pass it chooses: {batch["wall_s"]:.1f} s in all). The batch is small
compared to the database, so the pass is the incremental assignment
(`publications/identity_incremental.py`): of the {batch["blocks"]:,} name blocks the batch wrote it
read the {batch["read_blocks"]:,} holding one of the {batch["new_records"]:,} records it created or a record the engine split
({batch["authorships"]:,} of {batch["total"]:,} authorships, {batch["new_authorships"]:,} of them
the batch's), scored the {batch["pairs"]:,} candidate pairs holding one of the batch's
authorships, merged {batch["merged"]:,} new records into existing ones ({batch["proposals"]:,}
proposals) and assessed {batch["assessed"]:,} new records.

| measure | time | ratio to the floor | target |
| --- | --- | --- | --- |
| identity pass of the batch (incremental, as `import_items` runs it) | {batch["pass_s"]:.1f} s | {batch_ratio:.2f}x | ≤ {BATCH_TARGET_RATIO}x: {verdict(batch_ratio, BATCH_TARGET_RATIO)} |
| the same pass again (nothing to change: {batch["again_merged"]} merged, {batch["again_proposals"]} proposals, every authorship where it was) | {batch["again_s"]:.1f} s | | |
| for comparison, the full pass over the {batch["blocks"]:,} blocks the batch wrote (what the import ran before; {batch["full_authorships"]:,} authorships, after the incremental pass: {batch["full_merged"]} merged, {batch["full_split"]} split, {batch["full_proposals"]} proposals, left to the nightly pass) | {batch["full_s"]:.1f} s | {full_ratio:.2f}x | |

Load average (1 / 5 / 15 min) at the start: {load_start}; after the import: {load_after_import};
at the end: {load_end}. The machine is shared: read the ratios.
"""
    write_section("pipeline", body)
    print(body)
    return dict(floor=floor, wall=wall, maxrss_kib=maxrss_kib, batch=batch, stdout=stdout)
