"""How fast is the hot read path? `GET /catalog/products/{id}` through the gateway, side by side
with a bare FastAPI + asyncpg endpoint reading the same row on the same machine.

Needs a running shop (`docker compose up --build`) and `wrk`. Prints requests per second for
both and their ratio (target: at least 0.75). Also starts a second catalog process inside the
catalog's container, configured as in AWS, and prints its time from start to ready (target
under 1.5 s) and its resident memory when idle (target under 90 MB).

    uv run python bench/catalog_read.py [--rounds 3] [--duration 8] [--connections 32]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from shopctl.aws import client

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


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


# Runs inside the catalog's container: a second catalog process, started and measured there.
PROBE = """
import json, os, subprocess, sys, time, urllib.request
env = dict(os.environ, PORT="8001", LOG_LEVEL="WARNING", **json.loads(sys.argv[1]))
env.pop("AUTH_USER_POOL_NAME", None)
started = time.monotonic()
process = subprocess.Popen([sys.executable, "-m", "catalog.entrypoints.api"], env=env)
while True:
    try:
        urllib.request.urlopen("http://127.0.0.1:8001/health/ready", timeout=1)
        break
    except OSError:
        time.sleep(0.01)
ready = time.monotonic() - started
time.sleep(3)
status = open(f"/proc/{process.pid}/status").read()
rss = int(status.split("VmRSS:")[1].split()[0]) / 1024
process.terminate()
process.wait()
print(json.dumps({"ready": ready, "rss": rss}))
"""


def _identity_settings(jwks_host: str) -> dict[str, str]:
    """The issuer, key set and app client of the local user pool, as AWS would configure them."""
    os.environ.setdefault("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    cognito = client("cognito-idp")
    pools = cognito.list_user_pools(MaxResults=60)["UserPools"]
    pool_id = next(p["Id"] for p in pools if p["Name"] == "shop-users")
    apps = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    client_id = next(c["ClientId"] for c in apps if c["ClientName"] == "shop-api")
    return {
        "AUTH_ISSUER": f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}",
        "AUTH_JWKS_URL": f"{jwks_host}/{pool_id}/.well-known/jwks.json",
        "AUTH_CLIENT_ID": client_id,
    }


def _process_figures() -> tuple[float, float]:
    """A catalog process in the catalog's own image, configured as in AWS (identity settings
    given, not discovered): seconds from start to ready, and resident MB when idle."""
    settings = json.dumps(_identity_settings(jwks_host="http://emulator:4566"))
    result = subprocess.run(
        ["docker", "compose", "exec", "-T", "catalog-api", "python", "-c", PROBE, settings],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    return float(figures["ready"]), float(figures["rss"])


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
    parser.add_argument("--duration", type=int, default=8, help="seconds per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()

    items = httpx.get(f"{args.gateway}/catalog/products", params={"limit": 1}).json()["items"]
    product_id = items[0]["id"]
    dsn = f"postgresql://shop:{args.db_password}@{args.db_host}:{args.db_port}/shop"

    bare = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "bare_app.py")],
        env=os.environ | {"BENCH_DSN": dsn, "PORT": "8099"},
    )
    bare_url = f"http://127.0.0.1:8099/catalog/products/{product_id}"
    shop_url = f"{args.gateway}/catalog/products/{product_id}"
    baselines, shops = [], []
    try:
        _wait_ready(bare_url, bare)
        # Interleaved rounds, medians compared: the machine's other work (health checks,
        # workers' polls) drifts, and both sides see the same drift.
        for _ in range(args.rounds):
            baselines.append(_wrk(bare_url, args.duration, args.connections))
            shops.append(_wrk(shop_url, args.duration, args.connections))
    finally:
        _stop(bare)
    baseline, shop = statistics.median(baselines), statistics.median(shops)

    ready, rss = _process_figures()

    print(
        f"machine: {os.cpu_count()} cores; wrk {args.connections} connections; "
        f"median of {args.rounds} interleaved rounds of {args.duration} s"
    )
    print(f"bare FastAPI + asyncpg (direct):     {baseline:10.0f} requests/s")
    print(f"catalog through the gateway:         {shop:10.0f} requests/s")
    print(f"ratio:                               {shop / baseline:10.2f}   (target >= 0.75)")
    print(f"catalog process, start to ready:     {ready:10.2f} s   (target < 1.5)")
    print(f"catalog process, idle resident size: {rss:10.1f} MB  (target < 90)")


if __name__ == "__main__":
    main()
