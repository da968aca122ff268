"""What does tracing add to a catalog read, in CPU time, without the network's noise?

`bench/catalog_read.py` compares processes through wrk, docker's proxies and the stack on the
same cores, where throughput drifts by a tenth from one window to the next. Here the catalog app
is called directly (ASGI, no sockets) by the process's own event loop, reading the running
stack's product from its PostgreSQL (through the published port), and the process's CPU time
per read is taken: tracing off, on but sampling nothing, at production's 5% and at 100%. Spans
are exported over OTLP as in the stack, to a sink in this bench's process that reads and drops
them. Each configuration runs in a process of its own (a tracer provider is set once a process),
the configurations interleaved, several times each. The least time of each is printed, the
closest to what the work itself costs on a machine that other work slows down by turns, and
the median beside it, with each ratio to tracing off.

Times on a shared 2-core machine vary by more than what tracing adds to a read the sampler
leaves out. `--instructions` counts instead: each configuration runs under valgrind's callgrind,
which counts the instructions the process executes (the span exporter's thread included), the
same count for the same work whatever else the machine is doing. A process reading `--reads`
more times than another, otherwise alike, executed that many reads' instructions more; their
difference, divided by `--reads`, is what a read costs. It counts tracing off, sampling nothing
and every read recorded; production's 5% is then the unsampled read plus a twentieth of what
recording adds (a run of 5% itself would count however many reads its sampler happened to
pick). Each process runs some fifty times slower under valgrind: with `--reads 1000`, the six
take a quarter of an hour to half an hour, by the machine.

Needs a running shop (`docker compose up --build --wait`) and the docker CLI; `--instructions`
needs valgrind (Debian and Homebrew package: valgrind).

    uv run python -m bench.read_cpu [--runs 5] [--reads 3000] [--instructions]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import MutableMapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from bench.catalog_read import _identity_settings
from bench.compose_stack import ROOT, service_env

# Production's share of recorded reads.
SAMPLED = 0.05
SAMPLING = {
    "tracing off": None,
    "sampling nothing": "0",
    "sampling 5%": str(SAMPLED),
    "every read": "1",
}


class _Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


async def _reads(path: str, reads: int) -> float:
    """CPU seconds per read of `path`, the app called directly, after a warm-up."""
    from catalog.entrypoints.api.app import create_app
    from catalog.settings import CatalogSettings
    from servicekit.logging import configure_logging
    from servicekit.runtime import settle_after_start
    from servicekit.telemetry import configure_telemetry

    settings = CatalogSettings()
    configure_logging(settings.service_name, settings.log_level)
    configure_telemetry(settings, "api")
    settle_after_start()
    app = create_app(settings)
    request = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"bench")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    statuses: set[int] = set()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.add(message["status"])

    async with app.router.lifespan_context(app) as state:
        for count in (300, reads):
            started = time.process_time()
            for _ in range(count):
                await app(dict(request, state=dict(state or {})), receive, send)
            elapsed = time.process_time() - started
    if statuses != {200}:
        raise SystemExit(f"the catalog answered {sorted(statuses)}")
    return elapsed / reads


def _environment(sink: str) -> dict[str, str]:
    """The catalog API's settings as the stack runs it, reaching the stack from this machine."""
    env = service_env("catalog-api")
    env.pop("AUTH_USER_POOL_NAME", None)
    return (
        {key: value for key, value in env.items() if key.startswith(("DB_", "OTEL_"))}
        | _identity_settings(jwks_host=os.environ["AWS_ENDPOINT_URL"])
        | {
            "DB_HOST": "127.0.0.1",
            "DB_PORT": os.environ.get("POSTGRES_PORT", "55432"),
            "AWS_ENDPOINT_URL": os.environ["AWS_ENDPOINT_URL"],
            "OTEL_EXPORTER_OTLP_ENDPOINT": sink,
            "LOG_LEVEL": "WARNING",
        }
    )


def _configured(env: dict[str, str], ratio: str | None) -> dict[str, str]:
    """`env` with tracing off (`ratio` None) or on, sampling that share of reads."""
    if ratio is None:
        return env | {"OTEL_SDK_DISABLED": "true"}
    return env | {"OTEL_SDK_DISABLED": "false", "OTEL_TRACES_SAMPLER_ARG": ratio}


def _child(path: str, reads: int) -> list[str]:
    return [sys.executable, "-m", "bench.read_cpu", "--one", path, "--reads", str(reads)]


def times(path: str, env: dict[str, str], runs: int, reads: int) -> None:
    """Print the CPU time per read of each configuration, interleaved `runs` times."""
    seconds: dict[str, list[float]] = {name: [] for name in SAMPLING}
    for _ in range(runs):
        for name, ratio in SAMPLING.items():
            result = subprocess.run(
                _child(path, reads), cwd=ROOT, env=_configured(env, ratio),
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            seconds[name].append(json.loads(result.stdout.splitlines()[-1]))

    least, median = min(seconds["tracing off"]), statistics.median(seconds["tracing off"])
    print(f"CPU per catalog read, in process, over {runs} runs of {reads} reads each")
    print(f"  {'':18} {'least':>8} {'ratio':>6} {'median':>8} {'ratio':>6}   runs (µs)")
    for name, runs_of in seconds.items():
        print(
            f"  {name:18} {min(runs_of) * 1e6:6.0f} µs {least / min(runs_of):6.2f} "
            f"{statistics.median(runs_of) * 1e6:6.0f} µs "
            f"{median / statistics.median(runs_of):6.2f}   "
            + ", ".join(f"{run * 1e6:.0f}" for run in runs_of)
        )


# Under valgrind a process runs some fifty times slower, so the stack's export schedule (a
# batch a second) would send batches a fiftieth as full as a busy process does, each POST's
# own cost shared by that many fewer spans, and as many as the machine's load allowed: a count
# that changed with the load. Counted, spans are exported when a batch is full (the SDK's 512)
# and at exit, as a process recording some hundreds of spans a second sends them: the same
# batches in every run.
_EXPORT_WHEN_FULL = str(24 * 3600 * 1000)


def _instructions(path: str, env: dict[str, str], reads: int) -> int:
    """Instructions a process reading `reads` times executes, start-up included."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("valgrind is needed (Debian and Homebrew package: valgrind)")
    result = subprocess.run(
        [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", *_child(path, reads)],
        cwd=ROOT, env=env | {"PYTHONHASHSEED": "0", "OTEL_BSP_SCHEDULE_DELAY": _EXPORT_WHEN_FULL},
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    collected = re.search(r"Collected : (\d+)", result.stderr)
    if collected is None:
        raise SystemExit(f"callgrind printed no count:\n{result.stderr[-2000:]}")
    return int(collected.group(1))


def instructions(path: str, env: dict[str, str], reads: int) -> None:
    """Print the instructions a read executes with tracing off, sampling nothing and
    recording every read, and at 5% as those imply."""
    per_read: dict[str, float] = {}
    for name in ("tracing off", "sampling nothing", "every read"):
        configured = _configured(env, SAMPLING[name])
        fewer, more = (_instructions(path, configured, count) for count in (100, 100 + reads))
        per_read[name] = (more - fewer) / reads
    off, unsampled = per_read["tracing off"], per_read["sampling nothing"]
    per_read["sampling 5%"] = unsampled + SAMPLED * (per_read["every read"] - unsampled)
    print(f"Instructions per catalog read, in process (callgrind, {reads} reads' difference)")
    for name in SAMPLING:
        note = "  (sampling nothing + 5% of what recording adds)" if name == "sampling 5%" else ""
        print(f"  {name:18} {per_read[name] / 1e3:7.0f} k   {off / per_read[name]:6.3f}{note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--gateway", default=os.environ.get("SHOP_BASE_URL", "http://127.0.0.1:8080")
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reads", type=int, default=3000)
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions, not time (slow)"
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a child: measure and print
    args = parser.parse_args()
    if args.one:
        print(json.dumps(asyncio.run(_reads(args.one, args.reads))))
        return
    os.environ.setdefault("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")

    items = httpx.get(f"{args.gateway}/catalog/products", params={"limit": 1}).json()["items"]
    path = f"/catalog/products/{items[0]['id']}"
    sink = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    try:
        env = os.environ | _environment(f"http://127.0.0.1:{sink.server_address[1]}")
        if args.instructions:
            instructions(path, env, args.reads)
        else:
            times(path, env, args.runs, args.reads)
    finally:
        sink.shutdown()


if __name__ == "__main__":
    main()
