"""Load tests of pages over loopback: gunicorn serving the benchmark database, wrk as the client."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass

from benchmarks.common import ROOT, bench_env

GUNICORN_WORKERS = int(os.environ.get("BZPEER_BENCH_WORKERS", "2"))  # default: one per core
WRK_THREADS = 2
WRK_CONNECTIONS = 8
DURATION_S = 10


@dataclass
class LoadResult:
    path: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int

    def row(self, label: str) -> str:
        return (
            f"| {label} | `{self.path}` | {self.requests_per_s:,.0f} | {self.p50_ms:.1f} | "
            f"{self.p99_ms:.1f} | {self.errors} |"
        )


TABLE_HEAD = (
    "| page | path | requests/s | p50 ms | p99 ms | errors |\n| --- | --- | --- | --- | --- | --- |"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn on 127.0.0.1 with production settings (DEBUG off), stopped on exit."""

    def __init__(self, url: str, *, workers: int = GUNICORN_WORKERS) -> None:
        self.port = free_port()
        env = bench_env(url)
        env["BZPEER_DEBUG"] = "0"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "bzpeer.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=2)
                return self
            except OSError:
                time.sleep(0.3)
        self.proc.kill()
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc: object) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


# Sends the given paths in turn, each thread from its own point of the list (`wrk -s`).
_ROTATE_LUA = """
local paths = {%s}
local threads = 0
function setup(thread) thread:set("offset", threads * %d); threads = threads + 1 end
function init(args) i = offset end
function request() i = i + 1; return wrk.format("GET", paths[(i %% #paths) + 1]) end
"""


def load(
    server: Server,
    path: str,
    *,
    duration: int = DURATION_S,
    connections: int = WRK_CONNECTIONS,
    headers: dict[str, str] | None = None,
    rotate: list[str] | None = None,
) -> LoadResult:
    """Warm up, then `wrk --latency` for `duration` seconds; returns throughput and percentiles.
    `headers` go with every request (a session cookie); `rotate` is a list of paths requested in
    turn instead of `path` (distinct searches, which no cache answers), with no warm-up."""
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed: apt-get install wrk")
    url = server.base + path
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:  # fail loudly on errors
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}")
    options = [arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")]
    script = None
    if rotate:
        quoted = ", ".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in rotate)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(_ROTATE_LUA % (quoted, len(rotate) // WRK_THREADS))
        options += ["-s", script.name]
    else:  # warm-up
        subprocess.run(
            ["wrk", "-t", "1", "-c", "2", "-d", "2", *options, url], check=True, capture_output=True
        )
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t",
                str(WRK_THREADS),
                "-c",
                str(connections),
                "-d",
                f"{duration}s",
                "--latency",
                *options,
                url,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        if script is not None:
            os.unlink(script.name)
    pct = {
        m[0]: _ms(m[1], m[2])
        for m in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
    }
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = int(bad.group(1)) if bad else 0
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    return LoadResult(
        path=path, requests_per_s=rps, p50_ms=pct["50"], p99_ms=pct["99"], errors=errors
    )


def machine_is_quiet() -> str:
    """A note for the results: the load average when the run started."""
    return f"load average at start {os.getloadavg()[0]:.2f}"
