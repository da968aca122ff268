"""How fast do events travel? Latency from the producer's commit to the consumer's handled
effect (p50, p99) at a fixed rate, and the catalog relay's throughput in events/s.

Needs a running shop (`docker compose up --build`). The latency is read from the basket
worker's `envelope_handled` log lines; the throughput from the catalog's outbox, filled
directly with events no queue subscribes to.

    uv run python bench/events.py [--events 200] [--rate 20] [--relay-events 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx

from shopctl.aws import client
from shopctl.identity import local_token
from shopctl.topology import load_topology

ROOT = Path(__file__).resolve().parents[1]


def _tokens() -> tuple[dict[str, str], dict[str, str]]:
    os.environ.setdefault("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    identity = load_topology().identity
    cognito = client("cognito-idp")
    admin = local_token(cognito, identity, "admin")
    customer = local_token(cognito, identity, f"bench-{uuid.uuid4().hex[:8]}")
    return {"Authorization": f"Bearer {admin}"}, {"Authorization": f"Bearer {customer}"}


def _latencies(since: str, product_id: str, expected: int, timeout: float = 60) -> list[float]:
    """The basket worker's latencies for this run's price changes."""
    deadline = time.monotonic() + timeout
    while True:
        logs = subprocess.run(
            ["docker", "compose", "logs", "--no-log-prefix", "--since", since, "basket-worker"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        found = []
        for line in logs.splitlines():
            try:
                entry = json.loads(line[line.find("{") :])
            except ValueError:
                continue
            if (
                entry.get("message") == "envelope_handled"
                and entry.get("event_type") == "catalog.ProductPriceChanged"
            ):
                found.append(float(entry["latency_ms"]))
        if len(found) >= expected or time.monotonic() > deadline:
            return found
        time.sleep(1)


def measure_latency(gateway: str, events: int, rate: float) -> list[float]:
    """Change a product's price `events` times at `rate` per second, with it in a basket."""
    admin, customer = _tokens()
    with httpx.Client(base_url=gateway, timeout=10) as http:
        product = {
            "sku": f"BENCH-{uuid.uuid4().hex[:8].upper()}",
            "name": "Benchmark product",
            "category": "bench",
            "price": "10.00",
            "currency": "EUR",
        }
        product_id = http.post("/catalog/products", json=product, headers=admin).json()["id"]
        http.put(
            f"/basket/items/{product_id}", json={"quantity": 1}, headers=customer
        ).raise_for_status()
        since = datetime.now(UTC).isoformat()
        started = time.monotonic()
        for i in range(events):
            time.sleep(max(0.0, started + i / rate - time.monotonic()))
            price = {"price": f"{10 + (i + 1) / 100:.2f}", "currency": "EUR"}
            http.put(
                f"/catalog/products/{product_id}/price", json=price, headers=admin
            ).raise_for_status()
    return _latencies(since, product_id, events)


async def measure_relay(dsn: str, count: int) -> float:
    """Events per second the catalog's relay publishes, from a full outbox."""
    connection = await asyncpg.connect(dsn)
    try:
        rows = [
            (
                uuid.uuid4(),
                "bench.Ping",
                json.dumps({"id": str(uuid.uuid4()), "type": "bench.Ping"}),
            )
            for _ in range(count)
        ]
        async with connection.transaction():
            await connection.executemany(
                "INSERT INTO catalog.outbox (id, type, body) VALUES ($1, $2, $3)", rows
            )
            await connection.execute("NOTIFY catalog_outbox")
        started = time.monotonic()
        ids = [row[0] for row in rows]
        query = "SELECT count(*) FROM catalog.outbox WHERE id = ANY($1) AND published_at IS NULL"
        while await connection.fetchval(query, ids):  # noqa: ASYNC110 - polling another process
            await asyncio.sleep(0.05)
        return count / (time.monotonic() - started)
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--gateway", default=os.environ.get("SHOP_BASE_URL", "http://127.0.0.1:8080")
    )
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--relay-events", type=int, default=5000)
    parser.add_argument(
        "--dsn",
        default="postgresql://shop:{password}@127.0.0.1:{port}/shop".format(
            password=os.environ.get("POSTGRES_PASSWORD", "shop-local-only"),
            port=os.environ.get("POSTGRES_PORT", "55432"),
        ),
    )
    args = parser.parse_args()

    latencies = measure_latency(args.gateway, args.events, args.rate)
    throughput = asyncio.run(measure_relay(args.dsn, args.relay_events))
    quantiles = statistics.quantiles(latencies, n=100)
    print(f"machine: {os.cpu_count()} cores")
    print(f"price changes handled:          {len(latencies)} of {args.events}, {args.rate:g}/s")
    print(f"commit to handled effect, p50: {quantiles[49]:8.1f} ms")
    print(f"commit to handled effect, p99: {quantiles[98]:8.1f} ms")
    print(f"relay throughput ({args.relay_events} events): {throughput:8.0f} events/s")


if __name__ == "__main__":
    main()
