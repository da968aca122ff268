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

Needs a running shop (`docker compose up --build --wait`) and the docker CLI.

    uv run python -m bench.read_cpu [--runs 5] [--reads 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
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

SAMPLING = {"tracing off": None, "sampling nothing": "0", "sampling 5%": "0.05", "every read": "1"}


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--gateway", default=os.environ.get("SHOP_BASE_URL", "http://127.0.0.1:8080")
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reads", type=int, default=3000)
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
        seconds: dict[str, list[float]] = {name: [] for name in SAMPLING}
        for _ in range(args.runs):
            for name, ratio in SAMPLING.items():
                tracing = {"OTEL_SDK_DISABLED": "true" if ratio is None else "false"}
                sampled = {} if ratio is None else {"OTEL_TRACES_SAMPLER_ARG": ratio}
                result = subprocess.run(
                    [sys.executable, "-m", "bench.read_cpu", "--one", path,
                     "--reads", str(args.reads)],
                    cwd=ROOT, env=env | tracing | sampled,
                    check=True, capture_output=True, text=True,
                )  # fmt: skip
                seconds[name].append(json.loads(result.stdout.splitlines()[-1]))
    finally:
        sink.shutdown()

    least, median = min(seconds["tracing off"]), statistics.median(seconds["tracing off"])
    print(f"CPU per catalog read, in process, over {args.runs} runs of {args.reads} reads each")
    print(f"  {'':18} {'least':>8} {'ratio':>6} {'median':>8} {'ratio':>6}   runs (µs)")
    for name, runs in seconds.items():
        print(
            f"  {name:18} {min(runs) * 1e6:6.0f} µs {least / min(runs):6.2f} "
            f"{statistics.median(runs) * 1e6:6.0f} µs {median / statistics.median(runs):6.2f}   "
            + ", ".join(f"{run * 1e6:.0f}" for run in runs)
        )


if __name__ == "__main__":
    main()
