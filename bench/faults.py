"""Faults under load: does every order still end, exactly once, with nothing lost?

Needs a running shop (`docker compose up --build --wait`) and the docker CLI. For each
scenario, checkouts arrive at a fixed rate (as clients that retry with the same
Idempotency-Key until accepted) while, a quarter of the way in, one fault is injected:

- kill-workers:      SIGKILL each worker container in turn, each started again 2 s later (as
                     an orchestrator replaces a task), 5 s apart
- restart-postgres:  restart the PostgreSQL container
- cut-emulator:      take the AWS emulator off the network for 30 s (its state is kept)
- restart-gateway:   restart the gateway

Then it waits for every accepted order to end, and for its saga to end too (the capture comes
after the confirmation), and prints, per scenario: orders accepted, terminal, confirmed, and
confirmed but later cancelled; whether stock moved by exactly the confirmed quantity with
nothing left reserved; captures per confirmed order (exactly 1) and none for a cancelled one;
notifications per order; messages in dead-letter queues; the longest checkout-to-terminal time.

    uv run python -m bench.faults [--rate 10] [--seconds 60] [--only kill-workers,...]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from shopctl.aws import client
from shopctl.dlq import list_dead_letters
from shopctl.identity import local_token
from shopctl.topology import load_topology

WORKERS = [
    "basket-worker",
    "ordering-worker",
    "inventory-worker",
    "payment-worker",
    "notification-worker",
    "catalog-worker",
]
TERMINAL = ("CONFIRMED", "CANCELLED")


def compose(*args: str) -> str:
    """Run `docker compose ARGS` and return its output."""
    done = subprocess.run(["docker", "compose", *args], check=True, capture_output=True, text=True)
    return done.stdout.strip()


def docker(*args: str) -> None:
    subprocess.run(["docker", *args], check=True, capture_output=True, text=True)


def kill_workers() -> None:
    for service in WORKERS:
        container = compose("ps", "--quiet", service)
        docker("kill", "--signal", "KILL", container)
        time.sleep(2)
        docker("start", container)
        time.sleep(3)


def restart_postgres() -> None:
    compose("restart", "postgres")


def cut_emulator() -> None:
    container = compose("ps", "--quiet", "emulator")
    network = json.loads(
        subprocess.run(
            ["docker", "inspect", "--format", "{{json .NetworkSettings.Networks}}", container],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    (name,) = network
    docker("network", "disconnect", name, container)
    time.sleep(30)
    docker("network", "connect", "--alias", "emulator", name, container)


def restart_gateway() -> None:
    compose("restart", "gateway")


SCENARIOS: dict[str, Callable[[], None]] = {
    "kill-workers": kill_workers,
    "restart-postgres": restart_postgres,
    "cut-emulator": cut_emulator,
    "restart-gateway": restart_gateway,
}


@dataclass
class Order:
    customer: dict[str, str]
    key: str
    order_id: str | None = None
    sent: float = 0.0
    ended: float | None = None
    status: str | None = None


@dataclass
class Outcome:
    scenario: str
    accepted: int = 0
    not_accepted: int = 0
    terminal: int = 0
    confirmed: int = 0
    cancelled: Counter[str] = field(default_factory=Counter)
    # Orders that showed CONFIRMED and were cancelled afterwards.
    undone: int = 0
    stock_ok: bool = False
    stock_detail: str = ""
    captures: Counter[int] = field(default_factory=Counter)
    held_after_cancel: int = 0
    notifications: Counter[int] = field(default_factory=Counter)
    dead_letters: int = 0
    slowest_s: float = 0.0
    fault_s: float = 0.0
    recovered_s: float = 0.0


class Shop:
    def __init__(self, gateway: str) -> None:
        os.environ.setdefault("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
        self.identity = load_topology().identity
        self.http = httpx.Client(
            base_url=gateway, timeout=10, limits=httpx.Limits(max_connections=64)
        )
        self.admin = self.headers("admin")
        self.sfn = client("stepfunctions")
        self.machine = next(
            m["stateMachineArn"]
            for m in self.sfn.list_state_machines()["stateMachines"]
            if m["name"] == "order-saga"
        )

    def headers(self, username: str) -> dict[str, str]:
        token = local_token(client("cognito-idp"), self.identity, username)
        return {"Authorization": f"Bearer {token}"}

    def stocked_product(self, on_hand: int) -> tuple[str, str]:
        sku = f"FAULT-{uuid.uuid4().hex[:8].upper()}"
        body = {
            "sku": sku,
            "name": "Fault bench",
            "category": "bench",
            "price": "1.00",
            "currency": "EUR",
        }
        created = self.http.post("/catalog/products", json=body, headers=self.admin)
        created.raise_for_status()
        self.http.put(
            f"/inventory/stock/{sku}", json={"on_hand": on_hand}, headers=self.admin
        ).raise_for_status()
        return str(created.json()["id"]), sku

    def stock(self, sku: str) -> dict[str, Any]:
        response = self.http.get(f"/inventory/stock/{sku}", headers=self.admin)
        response.raise_for_status()
        level: dict[str, Any] = response.json()
        return level

    def customer(self, product_id: str) -> dict[str, str]:
        me = self.headers(f"fault-{uuid.uuid4().hex[:10]}")
        self.http.put(
            f"/basket/items/{product_id}", json={"quantity": 1}, headers=me
        ).raise_for_status()
        return me

    def check_out(self, order: Order, give_up_after: float = 60) -> None:
        """As a client would: retry with the same key until the shop accepts."""
        deadline = time.monotonic() + give_up_after
        order.sent = time.monotonic()
        while time.monotonic() < deadline:
            try:
                response = self.http.post(
                    "/basket/checkout",
                    json={"payment_token": "tok_visa"},
                    headers=order.customer | {"Idempotency-Key": order.key},
                )
            except httpx.TransportError:
                time.sleep(0.5)
                continue
            if response.status_code == 202:
                order.order_id = str(response.json()["order_id"])
                return
            time.sleep(0.5)

    def wait_terminal(self, order: Order, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                response = self.http.get(f"/orders/{order.order_id}", headers=order.customer)
            except httpx.TransportError:
                time.sleep(0.5)
                continue
            if response.status_code == 200 and response.json()["status"] in TERMINAL:
                order.status = response.json()["status"]
                order.ended = time.monotonic()
                return
            time.sleep(1)

    def payment(self, order: Order) -> dict[str, Any]:
        response = self.http.get(f"/payments/{order.order_id}", headers=order.customer)
        return dict(response.json()) if response.status_code == 200 else {}

    def notifications(self, order: Order) -> list[dict[str, Any]]:
        response = self.http.get("/notifications", headers=order.customer)
        response.raise_for_status()
        items: list[dict[str, Any]] = response.json()["items"]
        return [n for n in items if n["order_id"] == order.order_id]

    def order(self, order: Order) -> dict[str, Any]:
        response = self.http.get(f"/orders/{order.order_id}", headers=order.customer)
        response.raise_for_status()
        return dict(response.json())

    def sagas_running(self, orders: list[Order]) -> bool:
        """Whether the saga of any of `orders` has yet to end. One listing of the running
        executions, not a description of each order's: that would load the emulator."""
        names = {order.order_id for order in orders}
        pages = self.sfn.get_paginator("list_executions").paginate(
            stateMachineArn=self.machine, statusFilter="RUNNING"
        )
        return any(
            e["name"] in names and e["status"] == "RUNNING"
            for page in pages
            for e in page["executions"]
        )


def _recovery(orders: list[Order], fault_began: float) -> float:
    """Seconds from the fault's start until orders end as quickly as before it: after the last
    order sent since then that took more than twice the usual time (plus a second), or never
    ended."""
    before = [o.ended - o.sent for o in orders if o.ended and o.sent < fault_began]
    usual = 2 * statistics.median(before) + 1 if before else 0.0
    slow = [
        o.sent
        for o in orders
        if o.sent >= fault_began and (o.ended is None or o.ended - o.sent > usual)
    ]
    return max(slow, default=fault_began) - fault_began


def _dead_letters() -> int:
    return sum(d.count for d in list_dead_letters(client("sqs"), load_topology()))


def run_scenario(shop: Shop, name: str, rate: float, seconds: float) -> Outcome:
    count = int(rate * seconds)
    # Only what this scenario adds: a shop may hold dead letters from before.
    dead_before = _dead_letters()
    product_id, sku = shop.stocked_product(on_hand=count * 2)
    before = shop.stock(sku)
    with ThreadPoolExecutor(16) as pool:
        customers = list(pool.map(lambda _: shop.customer(product_id), range(count)))
    orders = [Order(customer, uuid.uuid4().hex) for customer in customers]
    fault_window: list[float] = []

    def inject() -> None:
        fault_window.append(time.monotonic())
        SCENARIOS[name]()
        fault_window.append(time.monotonic())

    def place(order: Order) -> None:
        # Each order is watched from its acceptance on, so that its time to end is its own.
        shop.check_out(order)
        if order.order_id:
            shop.wait_terminal(order, time.monotonic() + 300)

    fault = threading.Thread(target=inject)
    with ThreadPoolExecutor(count) as pool:
        started = time.monotonic()
        futures = []
        for i, order in enumerate(orders):
            time.sleep(max(0.0, started + i / rate - time.monotonic()))
            if i == count // 4:
                fault.start()
            futures.append(pool.submit(place, order))
        for future in futures:
            future.result()
        fault.join()
    accepted = [order for order in orders if order.order_id]

    outcome = Outcome(name, accepted=len(accepted), not_accepted=count - len(accepted))
    ended = [order for order in accepted if order.status]
    outcome.terminal = len(ended)
    outcome.slowest_s = max(((o.ended or 0) - o.sent for o in ended), default=0.0)
    outcome.fault_s = fault_window[1] - fault_window[0]
    outcome.recovered_s = _recovery(accepted, fault_window[0])
    # An order's saga goes on after the order shows CONFIRMED (the capture), and may undo it.
    deadline = time.monotonic() + 300
    while shop.sagas_running(ended) and time.monotonic() < deadline:
        time.sleep(2)
    # Its last events reach the stock and the notifications a moment after it ends.
    time.sleep(5)
    with ThreadPoolExecutor(16) as pool:
        notes = list(pool.map(shop.notifications, ended))
        payments = list(pool.map(shop.payment, ended))
        now = list(pool.map(shop.order, ended))
    for order, found, payment, current in zip(ended, notes, payments, now, strict=True):
        outcome.notifications[len(found)] += 1
        captured = sum(1 for n in found if n["topic"] == "PAYMENT_CAPTURED")
        if current["status"] == "CONFIRMED":
            outcome.captures[captured] += 1
        else:
            outcome.cancelled[current.get("reason") or "?"] += 1
            outcome.undone += order.status == "CONFIRMED"
            if payment.get("status") in ("AUTHORIZED", "CAPTURED"):
                outcome.held_after_cancel += 1
    outcome.confirmed = sum(current["status"] == "CONFIRMED" for current in now)
    after = shop.stock(sku)
    sold = before["on_hand"] - after["on_hand"]
    outcome.stock_ok = sold == outcome.confirmed and after["reserved"] == 0
    outcome.stock_detail = f"sold {sold}, reserved {after['reserved']}"
    outcome.dead_letters = _dead_letters() - dead_before
    return outcome


def report(outcome: Outcome) -> str:
    cancelled = ", ".join(f"{r} {n}" for r, n in sorted(outcome.cancelled.items())) or "none"
    captures = ", ".join(f"{k}x: {n}" for k, n in sorted(outcome.captures.items()))
    notifications = ", ".join(f"{k}: {n}" for k, n in sorted(outcome.notifications.items()))
    return "\n".join(
        [
            f"{outcome.scenario}",
            f"  accepted {outcome.accepted} (not accepted {outcome.not_accepted}), "
            f"terminal {outcome.terminal}, confirmed {outcome.confirmed}, "
            f"cancelled: {cancelled}; confirmed, then cancelled: {outcome.undone}",
            f"  stock {'ok' if outcome.stock_ok else 'WRONG'} ({outcome.stock_detail}); "
            f"captures per confirmed order {captures or 'none'}; "
            f"money held after a cancel {outcome.held_after_cancel}",
            f"  notifications per order {notifications}; new dead letters {outcome.dead_letters}; "
            f"slowest checkout to terminal {outcome.slowest_s:.1f} s",
            f"  the fault lasted {outcome.fault_s:.0f} s; orders ended as quickly as before it "
            f"{outcome.recovered_s:.0f} s after it began",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--gateway", default=os.environ.get("SHOP_BASE_URL", "http://127.0.0.1:8080")
    )
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--only", default=",".join(SCENARIOS))
    args = parser.parse_args()

    shop = Shop(args.gateway)
    print(f"machine: {os.cpu_count()} cores; {args.rate:g} orders/s for {args.seconds:g} s each")
    print(f"started {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    failed = False
    for name in args.only.split(","):
        outcome = run_scenario(shop, name, args.rate, args.seconds)
        print(report(outcome), flush=True)
        failed |= not (
            outcome.terminal == outcome.accepted
            and outcome.undone == 0
            and outcome.stock_ok
            and set(outcome.captures) <= {1}
            and outcome.held_after_cancel == 0
            and outcome.dead_letters == 0
        )
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
