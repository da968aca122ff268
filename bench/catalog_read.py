"""How fast is the read path? Every contender answers `GET .../{id}` from PostgreSQL on the
shop's container network, and wrk on this machine reaches each through a published port, so
all of them travel the same network path:

- bare: a bare FastAPI + asyncpg endpoint reading the same product row (bench/bare_app.py),
  the least a service can do, in a container of the catalog's image;
- catalog: a catalog API process configured as the stack's, with tracing off, with every
  request traced and exported (100% sampling), and with 5% of them (production's default), in
  containers of its own; and a second one with tracing off, whose ratio to the first is how far
  apart the run measures two processes that do not differ;
- through the gateway: the shop as it runs, `GET /catalog/products/{id}` and an order's
  `GET /orders/{id}` (its timeline from ordering's own tables).

Prints requests per second and p99 latency for each (the median of interleaved rounds), and
the ratios against their targets: catalog (tracing off) / bare >= 0.75; tracing at 5% / off
>= 0.9; an order / a product through the gateway >= 0.75; p99 <= 25 ms at 32 connections. Also
starts a catalog process configured as in AWS, with tracing off and on, and prints its time from
start to ready (target <= 1.5 s) and its resident memory when idle (target <= 90 MB).

Needs a running shop (`docker compose up --build --wait`), the docker CLI and `wrk`.

    uv run python -m bench.catalog_read [--rounds 5] [--duration 8] [--connections 32]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

from bench.compose_stack import ROOT, docker, inspect, service_container, service_env
from shopctl.aws import client
from shopctl.identity import local_token
from shopctl.topology import load_topology

UNITS = {"": 1.0, "k": 1e3, "M": 1e6}
LATENCY_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


@dataclass
class Contender:
    name: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    throughput: list[float] = field(default_factory=list)
    p99_ms: list[float] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return statistics.median(self.throughput)

    @property
    def p99(self) -> float:
        return statistics.median(self.p99_ms)


def _wrk(contender: Contender, duration: int, connections: int) -> None:
    """Load `contender` for `duration` seconds; record its requests/s and p99 latency."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is needed (Debian and Homebrew package: wrk)")
    headers = [
        arg for name, value in contender.headers.items() for arg in ("-H", f"{name}: {value}")
    ]
    command = [wrk, "-t2", f"-c{connections}", f"-d{duration}s", "--latency", *headers]
    subprocess.run([*command[:3], "-d2s", *headers, contender.url], check=True, capture_output=True)
    output = subprocess.run(
        [*command, contender.url], check=True, capture_output=True, text=True
    ).stdout
    if "Non-2xx" in output:
        raise SystemExit(f"{contender.name} answered errors under load:\n{output}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)([kM]?)", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    if rps is None or p99 is None:
        raise SystemExit(f"could not read wrk's output:\n{output}")
    contender.throughput.append(float(rps.group(1)) * UNITS[rps.group(2)])
    contender.p99_ms.append(float(p99.group(1)) * LATENCY_MS[p99.group(2)])


@contextmanager
def _beside(
    catalog: str, name: str, path: str, env: dict[str, str], *command: str
) -> Iterator[str]:
    """A container of the catalog's image on its network, serving on a published port of this
    machine, once it answers `path`: its base URL. Removed afterwards."""
    (network,) = dict(inspect(catalog, ".NetworkSettings.Networks"))  # type: ignore[call-overload]
    image = str(inspect(catalog, ".Config.Image"))
    env_args = [arg for key, value in env.items() for arg in ("--env", f"{key}={value}")]
    container = docker(
        "run", "--detach", "--rm", "--name", f"bench-{name}-{uuid.uuid4().hex[:6]}",
        "--network", network, "--publish", "127.0.0.1::8000",
        "--volume", f"{ROOT / 'bench'}:/bench:ro", *env_args, image, *command,
    )  # fmt: skip
    try:
        url = "http://" + docker("port", container, "8000/tcp").splitlines()[0]
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + path, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{name} not ready: {docker('logs', '--tail', '20', container)}")
            time.sleep(0.2)
        yield url
    finally:
        subprocess.run(["docker", "rm", "--force", container], capture_output=True)


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


def _process_figures(tracing: bool) -> tuple[float, float]:
    """A catalog process in the catalog's own image, configured as in AWS (identity settings
    given, not discovered), with tracing on or off: seconds from start to ready, and resident
    MB when idle."""
    settings = json.dumps(
        _identity_settings(jwks_host="http://emulator:4566")
        | {"OTEL_SDK_DISABLED": "false" if tracing else "true"}
    )
    result = subprocess.run(
        ["docker", "compose", "exec", "-T", "catalog-api", "python", "-c", PROBE, settings],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    return float(figures["ready"]), float(figures["rss"])


def _an_order(gateway: str) -> tuple[str, dict[str, str]]:
    """An order of a bench customer, and that customer's headers."""
    cognito = client("cognito-idp")
    customer = {
        "Authorization": "Bearer "
        + local_token(cognito, load_topology().identity, f"bench-{uuid.uuid4().hex[:8]}")
    }
    with httpx.Client(base_url=gateway, timeout=10) as http:
        product = http.get("/catalog/products", params={"limit": 1}).json()["items"][0]
        http.put(f"/basket/items/{product['id']}", json={"quantity": 1}, headers=customer)
        accepted = http.post(
            "/basket/checkout",
            json={"payment_token": "tok_visa"},
            headers=customer | {"Idempotency-Key": uuid.uuid4().hex},
        )
        accepted.raise_for_status()
    return str(accepted.json()["order_id"]), customer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--gateway", default=os.environ.get("SHOP_BASE_URL", "http://127.0.0.1:8080")
    )
    parser.add_argument("--duration", type=int, default=8, help="seconds per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    os.environ.setdefault("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")

    product_id = httpx.get(f"{args.gateway}/catalog/products", params={"limit": 1}).json()["items"][
        0
    ]["id"]
    order_id, customer = _an_order(args.gateway)
    catalog = service_container("catalog-api")
    env = service_env("catalog-api")
    dsn = (
        f"postgresql://{env['DB_USER']}:{env['DB_PASSWORD']}"
        f"@{env['DB_HOST']}:{env['DB_PORT']}/{env['DB_NAME']}"
    )
    path = f"/catalog/products/{product_id}"
    # Inside its container the bare app must listen beyond loopback to be published.
    bare_env = {"BENCH_DSN": dsn, "HOST": "0.0.0.0", "PORT": "8000"}  # noqa: S104
    traced_env = env | {"OTEL_SDK_DISABLED": "false", "OTEL_TRACES_SAMPLER_ARG": "1"}
    sampled_env = traced_env | {"OTEL_TRACES_SAMPLER_ARG": "0.05"}
    with (
        _beside(catalog, "bare", path, bare_env, "python", "/bench/bare_app.py") as bare,
        _beside(catalog, "untraced", path, env | {"OTEL_SDK_DISABLED": "true"}) as untraced,
        _beside(catalog, "control", path, env | {"OTEL_SDK_DISABLED": "true"}) as control,
        _beside(catalog, "traced", path, traced_env) as traced,
        _beside(catalog, "sampled", path, sampled_env) as sampled,
    ):
        contenders = [
            Contender("bare FastAPI + asyncpg", bare + path),
            Contender("catalog, tracing off", untraced + path),
            Contender("catalog, tracing off, again", control + path),
            Contender("catalog, tracing on (100%)", traced + path),
            Contender("catalog, tracing on (5%)", sampled + path),
            Contender("catalog through the gateway", args.gateway + path),
            Contender(
                "an order through the gateway", f"{args.gateway}/orders/{order_id}", customer
            ),
        ]
        # Interleaved rounds, medians compared: the machine's other work (health checks,
        # workers' polls) drifts, and every contender sees the same drift. Each round starts
        # one contender later than the one before, so that none always follows the same one.
        for round_ in range(args.rounds):
            shift = round_ % len(contenders)
            for contender in contenders[shift:] + contenders[:shift]:
                _wrk(contender, args.duration, args.connections)

    figures = {tracing: _process_figures(tracing) for tracing in (False, True)}
    bare_c, off, again, on, sampled_5, product, order = contenders

    print(
        f"machine: {os.cpu_count()} cores; wrk {args.connections} connections; "
        f"median of {args.rounds} interleaved rounds of {args.duration} s"
    )
    for contender in contenders:
        print(f"{contender.name:32} {contender.rps:8.0f} requests/s   p99 {contender.p99:6.1f} ms")
    print(f"catalog (tracing off) / bare:      {off.rps / bare_c.rps:6.2f}   (target >= 0.75)")
    print(f"tracing on (100%) / tracing off:   {on.rps / off.rps:6.2f}")
    print(f"tracing on (5%) / tracing off:     {sampled_5.rps / off.rps:6.2f}   (target >= 0.9)")
    # Two identical processes: how far apart this run measures what does not differ.
    print(f"tracing off, again / tracing off:  {again.rps / off.rps:6.2f}   (the run's own spread)")
    print(f"an order / a product, gateway:     {order.rps / product.rps:6.2f}   (target >= 0.75)")
    for tracing, (ready, rss) in figures.items():
        print(
            f"catalog process, tracing {'on ' if tracing else 'off'}: ready in {ready:4.2f} s "
            f"(target <= 1.5), idle resident {rss:5.1f} MB (target <= 90)"
        )


if __name__ == "__main__":
    main()
