"""How fast does an order go through the saga, next to what the emulator allows?

Needs a running shop (`docker compose up --build --wait`). A checkout's latency runs from
sending the request to the timestamp of its order's CONFIRMED or CANCELLED timeline step; the
burst figure is how many orders, all submitted at once, reach a terminal state per second.
Beside each, in the same run, the same figures for a no-op saga: the shop's own state machine
definition on the same emulator, every step answered at once by a bare worker in this process
(`bench/noop_saga.py`). The ratios are what the shop's targets are stated in.

    uv run python bench/saga.py [--rate 10] [--orders 60] [--burst 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
from noop_saga import NoopSaga

from shopctl.aws import client
from shopctl.identity import local_token
from shopctl.topology import load_topology

TERMINAL = ("CONFIRMED", "CANCELLED")


class Bench:
    def __init__(self, gateway: str) -> None:
        os.environ.setdefault("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
        self.identity = load_topology().identity
        self.http = httpx.Client(
            base_url=gateway, timeout=30, limits=httpx.Limits(max_connections=64)
        )
        self.admin = self.headers("admin")

    def headers(self, username: str) -> dict[str, str]:
        token = local_token(client("cognito-idp"), self.identity, username)
        return {"Authorization": f"Bearer {token}"}

    def product(self, stock: int) -> str:
        sku = f"SAGA-{uuid.uuid4().hex[:8].upper()}"
        body = {
            "sku": sku,
            "name": "Saga bench",
            "category": "bench",
            "price": "1.00",
            "currency": "EUR",
        }
        product_id = str(
            self.http.post("/catalog/products", json=body, headers=self.admin).json()["id"]
        )
        self.http.put(
            f"/inventory/stock/{sku}", json={"on_hand": stock}, headers=self.admin
        ).raise_for_status()
        return product_id

    def customer(self, product_id: str) -> dict[str, str]:
        me = self.headers(f"bench-{uuid.uuid4().hex[:10]}")
        self.http.put(
            f"/basket/items/{product_id}", json={"quantity": 1}, headers=me
        ).raise_for_status()
        return me

    def check_out(self, me: dict[str, str]) -> tuple[str, datetime]:
        sent = datetime.now(UTC)
        response = self.http.post(
            "/basket/checkout",
            json={"payment_token": "tok_visa"},
            headers=me | {"Idempotency-Key": uuid.uuid4().hex},
        )
        response.raise_for_status()
        return str(response.json()["order_id"]), sent

    def finished(self, me: dict[str, str], order_id: str, timeout: float = 600) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = self.http.get(f"/orders/{order_id}", headers=me)
            if response.status_code == 200 and response.json()["status"] in TERMINAL:
                order: dict[str, Any] = response.json()
                return order
            time.sleep(0.2)
        raise SystemExit(f"order {order_id} did not finish in {timeout:.0f} s")


def _ended(order: dict[str, Any]) -> datetime:
    # The order's own terminal entry: saga steps' outcomes (a capture) may be recorded after it.
    [end] = [step for step in order["timeline"] if step["step"] in TERMINAL]
    return datetime.fromisoformat(end["at"])


def fixed_rate(bench: Bench, rate: float, count: int) -> list[float]:
    """Latencies in ms of `count` checkouts sent at `rate` per second."""
    product_id = bench.product(stock=count * 2)
    with ThreadPoolExecutor(16) as pool:
        customers = list(pool.map(lambda _: bench.customer(product_id), range(count)))
        started = time.monotonic()
        submitted = []
        for i, me in enumerate(customers):
            time.sleep(max(0.0, started + i / rate - time.monotonic()))
            submitted.append((me, *bench.check_out(me)))
        orders = list(pool.map(lambda s: bench.finished(s[0], s[1]), submitted))
    return [
        (_ended(order) - sent).total_seconds() * 1000
        for order, (_, _, sent) in zip(orders, submitted, strict=True)
    ]


def burst(bench: Bench, count: int) -> float:
    """Orders per second finished when `count` checkouts arrive at once."""
    product_id = bench.product(stock=count * 2)
    with ThreadPoolExecutor(32) as pool:
        customers = list(pool.map(lambda _: bench.customer(product_id), range(count)))
        first = datetime.now(UTC)
        submitted = list(pool.map(bench.check_out, customers))
        orders = list(
            pool.map(
                lambda s: bench.finished(s[0], s[1][0]), zip(customers, submitted, strict=True)
            )
        )
    last = max(_ended(order) for order in orders)
    return count / (last - first).total_seconds()


def _percentiles(latencies: list[float]) -> tuple[float, float]:
    quantiles = statistics.quantiles(latencies, n=100)
    return quantiles[49], quantiles[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--gateway", default=os.environ.get("SHOP_BASE_URL", "http://127.0.0.1:8080")
    )
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--orders", type=int, default=60)
    parser.add_argument("--burst", type=int, default=200)
    args = parser.parse_args()

    bench = Bench(args.gateway)
    noop = NoopSaga()
    try:
        noop_latencies = noop.fixed_rate(args.rate, args.orders)
        latencies = fixed_rate(bench, args.rate, args.orders)
        noop_throughput = noop.burst(args.burst)
        throughput = burst(bench, args.burst)
    finally:
        noop.close()
    (p50, p99), (noop_p50, noop_p99) = _percentiles(latencies), _percentiles(noop_latencies)
    print(f"machine: {os.cpu_count()} cores")
    print(f"checkout to terminal state at {args.rate:g} orders/s ({args.orders} orders):")
    print(f"  shop    p50 {p50:8.0f} ms   p99 {p99:8.0f} ms   (p99/p50 {p99 / p50:.2f})")
    print(f"  no-op   p50 {noop_p50:8.0f} ms   p99 {noop_p99:8.0f} ms")
    print(f"  shop p50 - no-op p50: {p50 - noop_p50:+.0f} ms (target <= +100 ms)")
    print(f"{args.burst} orders at once:")
    print(f"  shop  {throughput:6.1f} orders/s")
    print(f"  no-op {noop_throughput:6.1f} executions/s")
    print(f"  ratio {throughput / noop_throughput:6.2f} (target >= 0.7)")


if __name__ == "__main__":
    main()
