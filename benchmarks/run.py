"""`make bench`: run the benchmarks and write docs/benchmarks.md.

`python -m benchmarks.run [NAME ...]` runs the named ones (default: all but the projection and
search, the search rows of pages alone).
"""

from __future__ import annotations

import sys

from benchmarks import (
    bench_admin,
    bench_api,
    bench_graph,
    bench_identity,
    bench_import,
    bench_pages,
    bench_pipeline,
    bench_projection,
    bench_scores,
    bench_search,
    bench_soak,
)

BENCHMARKS = {
    "import": bench_import.run,
    "scores": bench_scores.run,
    "pages": bench_pages.run,
    "graph": bench_graph.run,
    "api": bench_api.run,
    "admin": bench_admin.run,
    "identity": bench_identity.run,
    "pipeline": bench_pipeline.run,
    "soak": bench_soak.run,
    # Not in the default run: the full 10x import takes hours (see bench_projection).
    "projection": bench_projection.run,
    # Not in the default run either: the search rows of "pages" alone, with in-process times.
    "search": bench_search.run,
}
DEFAULT = [name for name in BENCHMARKS if name not in ("projection", "search")]


def main(names: list[str]) -> None:
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        sys.exit(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    for name in names or DEFAULT:
        print(f"== {name}", flush=True)
        BENCHMARKS[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
