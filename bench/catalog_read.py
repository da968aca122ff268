"""How fast is the hot read path? `GET /catalog/products/{id}` through the gateway, side by side
with a bare FastAPI + asyncpg endpoint reading the same row on the same machine.

Needs a running shop (`docker compose up --build`) and `wrk`. Prints requests per second for
both and their ratio (target: at least 0.75). Also starts one catalog process on the host
against the shop's database and emulator, and prints its time from start to ready (target
under 1.5 s) and its resident memory when idle (target under 90 MB).

    uv run python bench/catalog_read.py [--duration 15] [--connections 32]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
UNITS = {"": 1.0, "k": 1e3, "M": 1e6}


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise SystemExit(f"{url}: the process exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=0.5).status_code == 200:
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        time.sleep(0.01)
    raise SystemExit(f"{url} not ready after {timeout} s")


def _wrk(url: str, duration: int, connections: int) -> float:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is needed (Debian and Homebrew package: wrk)")
    command = [wrk, "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url]
    subprocess.run([*command[:3], "-d2s", url], check=True, capture_output=True)  # warm up
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in output:
        raise SystemExit(f"{url} answered errors under load:\n{output}")
    match = re.search(r"Requests/sec:\s+([\d.]+)([kM]?)", output)
    if match is None:
        raise SystemExit(f"could not read wrk's output:\n{output}")
    return float(match.group(1)) * UNITS[match.group(2)]


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else float("nan")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--gateway", default=os.environ.get("SHOP_BASE_URL", "http://127.0.0.1:8080")
    )
    parser.add_argument("--db-host", default="127.0.0.1")
    parser.add_argument("--db-port", default=os.environ.get("POSTGRES_PORT", "55432"))
    parser.add_argument(
        "--db-password", default=os.environ.get("POSTGRES_PASSWORD", "shop-local-only")
    )
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()

    items = httpx.get(f"{args.gateway}/catalog/products", params={"limit": 1}).json()["items"]
    product_id = items[0]["id"]
    db_env = {
        "DB_HOST": args.db_host,
        "DB_PORT": args.db_port,
        "DB_USER": "shop",
        "DB_PASSWORD": args.db_password,
        "DB_NAME": "shop",
    }
    dsn = f"postgresql://shop:{args.db_password}@{args.db_host}:{args.db_port}/shop"

    bare = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "bare_app.py")],
        env=os.environ | {"BENCH_DSN": dsn, "PORT": "8099"},
    )
    try:
        _wait_ready(f"http://127.0.0.1:8099/catalog/products/{product_id}", bare)
        baseline = _wrk(
            f"http://127.0.0.1:8099/catalog/products/{product_id}", args.duration, args.connections
        )
    finally:
        _stop(bare)
    shop = _wrk(f"{args.gateway}/catalog/products/{product_id}", args.duration, args.connections)

    catalog_env = (
        os.environ
        | db_env
        | {
            "AWS_ENDPOINT_URL": os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AUTH_USER_POOL_NAME": "shop-users",
            "HOST": "127.0.0.1",
            "PORT": "8098",
            "LOG_LEVEL": "WARNING",
        }
    )
    started = time.monotonic()
    catalog = subprocess.Popen([sys.executable, "-m", "catalog.entrypoints.api"], env=catalog_env)
    try:
        _wait_ready("http://127.0.0.1:8098/health/ready", catalog)
        ready = time.monotonic() - started
        time.sleep(3)
        rss = _rss_mb(catalog.pid)
    finally:
        _stop(catalog)

    print(f"machine: {os.cpu_count()} cores; wrk {args.connections} connections, {args.duration} s")
    print(f"bare FastAPI + asyncpg (direct):     {baseline:10.0f} requests/s")
    print(f"catalog through the gateway:         {shop:10.0f} requests/s")
    print(f"ratio:                               {shop / baseline:10.2f}   (target >= 0.75)")
    print(f"catalog process, start to ready:     {ready:10.2f} s   (target < 1.5)")
    print(f"catalog process, idle resident size: {rss:10.1f} MB  (target < 90)")


if __name__ == "__main__":
    main()
