"""How fast does an order go through the saga, next to what the emulator allows?

Needs a running shop (`docker compose up --build --wait`). A checkout's latency runs from
sending the request to the timestamp of its order's CONFIRMED or CANCELLED timeline step; the
burst figure is how many orders, all submitted at once, reach a terminal state per second.
Beside each, in the same run, the same figures for a no-op saga: the shop's own state machine
definition on the same emulator, every step answered at once by a bare worker in this process
(`NoopSaga` below). The ratios are what the shop's targets are stated in.

Both are watched lightly, so that watching does not slow what is measured: the no-op's
executions with one listing per poll, the shop's orders with one query per poll of ordering's
table (through PostgreSQL's published port, with the credentials the ordering API runs with).

    uv run python -m bench.saga [--rate 10] [--orders 60] [--burst 200]

For the burst it also prints what an order costs the stack: CPU time per order in each
container (from the cgroups' own counters, before and after) and AWS requests per order by
process and by API (each shop process counts what its clients send and reports it on SIGUSR1).
Fargate bills the services' CPU; AWS bills each request.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx

from bench.compose_stack import (
    ROOT,
    aws_requests,
    cpu_seconds,
    database_url,
    machine_cpu,
    running_services,
)
from shopctl.aws import client
from shopctl.bootstrap import LOCAL_STEP_TIMEOUT_SECONDS, fill_placeholders
from shopctl.identity import local_token
from shopctl.topology import load_topology

TERMINAL = ("CONFIRMED", "CANCELLED")
# How often the bench looks whether orders or executions have ended. It looks with one query
# or listing per poll, whatever the number in flight, so that watching adds no load worth
# mentioning to what is measured; the times come from the orders and executions themselves.
POLL_SECONDS = 0.2

DEFINITION = ROOT / "infra" / "statemachine" / "order-saga.asl.json"
COMMAND_QUEUES = ("inventory-commands", "payment-commands", "ordering-commands")


class NoopSaga:
    """The emulator's own ceiling for the order saga: the shop's state machine definition,
    run against queues of its own that a bare worker in this process answers at once."""

    def __init__(self, workers_per_queue: int = 4) -> None:
        self._sqs, self._sfn = client("sqs"), client("stepfunctions")
        run = uuid.uuid4().hex[:8]
        self._queues = {
            name: self._sqs.create_queue(QueueName=f"bench-noop-{run}-{name}")["QueueUrl"]
            for name in COMMAND_QUEUES
        }
        definition = fill_placeholders(
            DEFINITION.read_text(), self._queues, LOCAL_STEP_TIMEOUT_SECONDS
        )
        self.arn: str = self._sfn.create_state_machine(
            name=f"bench-noop-{run}",
            definition=definition,
            roleArn="arn:aws:iam::000000000000:role/bench-noop",
            type="STANDARD",
        )["stateMachineArn"]
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._answer, args=(url,), daemon=True)
            for url in self._queues.values()
            for _ in range(workers_per_queue)
        ]
        for thread in self._threads:
            thread.start()

    def _answer(self, queue_url: str) -> None:
        sqs, sfn = client("sqs"), client("stepfunctions")
        while not self._stop.is_set():
            messages = sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            ).get("Messages", [])
            for message in messages:
                token = json.loads(message["Body"])["task_token"]
                sfn.send_task_success(taskToken=token, output="{}")
            if messages:
                sqs.delete_message_batch(
                    QueueUrl=queue_url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(messages)
                    ],
                )

    def start(self) -> str:
        """Start one execution with an input shaped like ordering's; its ARN."""
        order_id = str(uuid.uuid4())
        order = {
            "order_id": order_id,
            "user_id": "bench",
            "lines": [{"product_id": order_id, "sku": "NOOP", "quantity": 1, "unit_price": "1.00"}],
            "total": "1.00",
            "currency": "EUR",
            "payment_token": "tok_visa",
            "traceparent": None,
            # The state machine hashes it into each command's proof; the no-op checks none.
            "secret": "0" * 64,
        }
        arn: str = self._sfn.start_execution(
            stateMachineArn=self.arn, name=order_id, input=json.dumps(order)
        )["executionArn"]
        return arn

    def fixed_rate(self, rate: float, count: int) -> list[float]:
        """Milliseconds from start to end of `count` executions started at `rate` per second."""
        started = time.monotonic()
        sent: dict[str, datetime] = {}
        for i in range(count):
            time.sleep(max(0.0, started + i / rate - time.monotonic()))
            at = datetime.now().astimezone()
            sent[self.start()] = at
        stops = self.stopped(set(sent))
        return [(stops[arn] - at).total_seconds() * 1000 for arn, at in sent.items()]

    def burst(self, count: int) -> float:
        """Executions ended per second when `count` start at once."""
        with ThreadPoolExecutor(32) as pool:
            first = datetime.now().astimezone()
            arns = set(pool.map(lambda _: self.start(), range(count)))
        elapsed = (max(self.stopped(arns).values()) - first).total_seconds()
        return count / elapsed

    def stopped(self, arns: set[str], timeout: float = 300) -> dict[str, datetime]:
        """When each of `arns` ended, once all have (all succeed, as every step does).

        One listing of the machine's executions per poll: describing each execution in a loop
        would load the emulator whose ceiling this measures."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            executions = [
                execution
                for page in self._sfn.get_paginator("list_executions").paginate(
                    stateMachineArn=self.arn
                )
                for execution in page["executions"]
                if execution["executionArn"] in arns
            ]
            if failed := [e for e in executions if e["status"] not in ("RUNNING", "SUCCEEDED")]:
                raise SystemExit(
                    f"the no-op saga {failed[0]['executionArn']} ended {failed[0]['status']}"
                )
            ended = {
                e["executionArn"]: e["stopDate"] for e in executions if e["status"] == "SUCCEEDED"
            }
            if len(ended) == len(arns):
                return ended
            time.sleep(POLL_SECONDS)
        raise SystemExit(f"the no-op saga did not end {len(arns)} executions in {timeout:.0f} s")

    def close(self) -> None:
        """Stop the worker and remove the machine and its queues."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._sfn.delete_state_machine(stateMachineArn=self.arn)
        for url in self._queues.values():
            self._sqs.delete_queue(QueueUrl=url)


class StackMeter:
    """What the stack's containers spend: each one's CPU time, from its cgroup, and the AWS
    requests each shop process has sent (each API and worker reports its own)."""

    def __init__(self) -> None:
        self.containers = running_services()
        self.processes = {
            name: container
            for name, container in self.containers.items()
            if name.endswith(("-api", "-worker"))
        }

    def cpu(self) -> dict[str, float]:
        """CPU seconds used so far, by container."""
        return {name: cpu_seconds(container) for name, container in self.containers.items()}

    def requests(self) -> dict[str, dict[str, int]]:
        """AWS requests sent so far, by process and then "service.Operation"."""
        with ThreadPoolExecutor(len(self.processes)) as pool:
            counts = pool.map(aws_requests, self.processes.values())
            return dict(zip(self.processes, counts, strict=True))

    def idle_rate(self, seconds: float = 5) -> float:
        """CPU seconds a second the whole stack spends with nothing to do."""
        before = sum(self.cpu().values())
        time.sleep(seconds)
        return (sum(self.cpu().values()) - before) / seconds

    def settle(self, idle_rate: float, timeout: float = 30) -> None:
        """Return once a second passes in which the stack spends little more than idle (the
        work an order sets off goes on after its terminal state: the capture, notifications)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = sum(self.cpu().values())
            time.sleep(1)
            if sum(self.cpu().values()) - before <= idle_rate * 1.5 + 0.02:
                return


@dataclass(frozen=True, slots=True)
class Costs:
    """What a burst of orders cost the stack, each per order."""

    cpu_ms: dict[str, float]  # by container
    requests: dict[str, dict[str, float]]  # by process, then "service.Operation"
    idle_cpu_ms_per_s: float  # the whole stack, doing nothing
    seconds: float  # from the first checkout until the stack was idle again
    count: int  # orders
    # The whole machine: its busy CPU over the same window, and the share of its cores busy
    # until the last order ended (the work after it runs on fewer cores at a time).
    machine_cpu_ms: float
    machine_busy: float

    @classmethod
    def measured(
        cls,
        meter: StackMeter,
        count: int,
        cpu: tuple[dict[str, float], dict[str, float]],
        requests: tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]],
        machine: tuple[tuple[float, float], tuple[float, float], tuple[float, float]],
        idle_rate: float,
        seconds: float,
    ) -> Costs:
        (cpu_before, cpu_after), (sent_before, sent_after) = cpu, requests
        (busy_before, all_before), (busy_ended, all_ended), (busy_after, _) = machine
        return cls(
            cpu_ms={
                name: (cpu_after[name] - cpu_before[name]) * 1000 / count
                for name in meter.containers
            },
            requests={
                process: {
                    operation: (n - sent_before[process].get(operation, 0)) / count
                    for operation, n in sent_after[process].items()
                    if n > sent_before[process].get(operation, 0)
                }
                for process in meter.processes
            },
            idle_cpu_ms_per_s=idle_rate * 1000,
            seconds=seconds,
            count=count,
            machine_cpu_ms=(busy_after - busy_before) * 1000 / count,
            machine_busy=(busy_ended - busy_before) / (all_ended - all_before),
        )

    def print(self) -> None:
        total_cpu = sum(self.cpu_ms.values())
        print(
            f"  CPU per order, by container (from the first checkout until the stack was idle"
            f" again, {self.seconds:.1f} s; idle, the stack spends {self.idle_cpu_ms_per_s:.0f}"
            " ms a second):"
        )
        for name, ms in sorted(self.cpu_ms.items(), key=lambda item: -item[1]):
            if ms >= 0.05:
                print(f"    {name:24} {ms:7.1f} ms")
        print(f"    {'stack':24} {total_cpu:7.1f} ms (target <= 90)")
        # What the stack would have spent idle over the same window: a slower burst pays more of
        # it per order, so this shows what the orders themselves cost.
        idle_share = self.idle_cpu_ms_per_s * self.seconds / self.count
        print(f"    {'stack less idle':24} {total_cpu - idle_share:7.1f} ms")
        # Beside the stack: docker's daemon and port proxies, this bench, the kernel's work that
        # no container is charged for. How busy the cores were says whether CPU bounds a burst.
        print(
            f"    {'machine':24} {self.machine_cpu_ms:7.1f} ms"
            f" ({self.machine_busy:.0%} of its {os.cpu_count()} cores busy until the last order"
            " ended)"
        )
        by_operation: dict[str, float] = {}
        print("  AWS requests per order, by process:")
        for process, operations in sorted(self.requests.items()):
            if sum(operations.values()) >= 0.005:
                shown = ", ".join(
                    f"{op} {n:.2f}" for op, n in sorted(operations.items(), key=lambda i: -i[1])
                )
                print(f"    {process:24} {sum(operations.values()):6.2f}  ({shown})")
            for operation, n in operations.items():
                by_operation[operation] = by_operation.get(operation, 0) + n
        print("  AWS requests per order, by service and API:")
        for operation, n in sorted(by_operation.items(), key=lambda item: -item[1]):
            print(f"    {operation:40} {n:6.2f}")
        print(f"    {'all':40} {sum(by_operation.values()):6.2f} (target <= 30)")


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

    def orders(self, submitted: list[tuple[dict[str, str], str]]) -> list[dict[str, Any]]:
        """The orders (customer, order id), read through the API once all have ended."""
        asyncio.run(_await_terminal([order_id for _, order_id in submitted]))
        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(lambda order: self.order(*order), submitted))

    def order(self, me: dict[str, str], order_id: str) -> dict[str, Any]:
        response = self.http.get(f"/orders/{order_id}", headers=me)
        response.raise_for_status()
        order: dict[str, Any] = response.json()
        return order


async def _await_terminal(order_ids: list[str], seconds: float = 600) -> None:
    """Return once every order is CONFIRMED or CANCELLED, asking ordering's table once a poll
    (asking the API for each order would load the path being measured)."""
    connection = await asyncpg.connect(database_url("ordering-api"))
    ended = 0
    try:
        async with asyncio.timeout(seconds):
            while ended < len(order_ids):
                await asyncio.sleep(POLL_SECONDS)
                ended = await connection.fetchval(
                    "SELECT count(*) FROM ordering.orders"
                    " WHERE id = ANY($1::uuid[]) AND status = ANY($2::text[])",
                    order_ids,
                    TERMINAL,
                )
    except TimeoutError:
        raise SystemExit(
            f"{len(order_ids) - ended} of {len(order_ids)} orders did not end"
        ) from None
    finally:
        await connection.close()


def _ended(order: dict[str, Any]) -> datetime:
    # The order's own terminal entry: saga steps' outcomes (a capture) may be recorded after it.
    [end] = [step for step in order["timeline"] if step["step"] in TERMINAL]
    return datetime.fromisoformat(end["at"])


def fixed_rate(
    bench: Bench, rate: float, count: int
) -> tuple[list[float], list[tuple[str, float]]]:
    """Latencies in ms of `count` checkouts sent at `rate` per second, and where their time
    went: the median ms of each hop, from the checkout's sending through each entry of the
    order's timeline (placed, each step's outcome as its service recorded it, terminal)."""
    product_id = bench.product(stock=count * 2)
    with ThreadPoolExecutor(16) as pool:
        customers = list(pool.map(lambda _: bench.customer(product_id), range(count)))
        started = time.monotonic()
        submitted = []
        for i, me in enumerate(customers):
            time.sleep(max(0.0, started + i / rate - time.monotonic()))
            submitted.append((me, *bench.check_out(me)))
    orders = bench.orders([(me, order_id) for me, order_id, _ in submitted])
    latencies = [
        (_ended(order) - sent).total_seconds() * 1000
        for order, (_, _, sent) in zip(orders, submitted, strict=True)
    ]
    hops: dict[str, list[float]] = {}
    for order, (_, _, sent) in zip(orders, submitted, strict=True):
        timeline = sorted(
            ((step["step"], datetime.fromisoformat(step["at"])) for step in order["timeline"]),
            key=lambda point: point[1],
        )
        points = [("checkout sent", sent), *timeline]
        for (before, at_before), (after, at_after) in itertools.pairwise(points):
            ms = (at_after - at_before).total_seconds() * 1000
            hops.setdefault(f"{before} -> {after}", []).append(ms)
    # The hops most orders took, in the order they come.
    common = [(hop, statistics.median(ms)) for hop, ms in hops.items() if len(ms) * 2 >= count]
    return latencies, common


def burst(bench: Bench, count: int) -> tuple[float, Costs]:
    """Orders per second finished when `count` checkouts arrive at once, and what they cost."""
    meter = StackMeter()
    product_id = bench.product(stock=count * 2)
    with ThreadPoolExecutor(32) as pool:
        customers = list(pool.map(lambda _: bench.customer(product_id), range(count)))
        meter.settle(idle_rate := meter.idle_rate())
        sent_before = meter.requests()
        cpu_before, machine_before = meter.cpu(), machine_cpu()
        first = datetime.now(UTC)
        submitted = list(pool.map(bench.check_out, customers))
    asyncio.run(_await_terminal([order_id for order_id, _ in submitted]))
    machine_ended = machine_cpu()
    meter.settle(idle_rate)
    seconds = (datetime.now(UTC) - first).total_seconds()
    cpu_after, machine_after = meter.cpu(), machine_cpu()
    costs = Costs.measured(
        meter,
        count,
        (cpu_before, cpu_after),
        (sent_before, meter.requests()),
        (machine_before, machine_ended, machine_after),
        idle_rate,
        seconds,
    )
    orders = bench.orders(
        [(me, order_id) for me, (order_id, _) in zip(customers, submitted, strict=True)]
    )
    last = max(_ended(order) for order in orders)
    return count / (last - first).total_seconds(), costs


def _percentiles(latencies: list[float]) -> tuple[float, float]:
    quantiles = statistics.quantiles(latencies, n=100)
    return quantiles[49], quantiles[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--gateway", default=os.environ.get("SHOP_BASE_URL", "http://127.0.0.1:8080")
    )
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument(
        "--orders", type=int, default=60, help="orders at --rate (0: only the burst)"
    )
    parser.add_argument("--burst", type=int, default=200)
    args = parser.parse_args()

    bench = Bench(args.gateway)
    print(f"machine: {os.cpu_count()} cores")
    if args.orders:
        fixed_rate_report(bench, args.rate, args.orders)
    noop = NoopSaga()
    try:
        noop_throughput = noop.burst(args.burst)
    finally:
        noop.close()  # its workers poll: stopped before the shop's burst is metered
    throughput, costs = burst(bench, args.burst)
    print(f"{args.burst} orders at once:")
    print(f"  shop  {throughput:6.1f} orders/s")
    print(f"  no-op {noop_throughput:6.1f} executions/s")
    print(f"  ratio {throughput / noop_throughput:6.2f} (target >= 0.7)")
    costs.print()


def fixed_rate_report(bench: Bench, rate: float, count: int) -> None:
    """Print the checkout-to-terminal latencies of `count` orders at `rate`, beside the no-op."""
    noop = NoopSaga()
    try:
        noop_latencies = noop.fixed_rate(rate, count)
    finally:
        noop.close()
    latencies, breakdown = fixed_rate(bench, rate, count)
    (p50, p99), (noop_p50, noop_p99) = _percentiles(latencies), _percentiles(noop_latencies)
    print(f"checkout to terminal state at {rate:g} orders/s ({count} orders):")
    print(f"  shop    p50 {p50:8.0f} ms   p99 {p99:8.0f} ms   (p99/p50 {p99 / p50:.2f})")
    print(f"  no-op   p50 {noop_p50:8.0f} ms   p99 {noop_p99:8.0f} ms")
    print(f"  shop p50 - no-op p50: {p50 - noop_p50:+.0f} ms (target <= +100 ms)")
    print("  where a shop order's time goes (median per hop, from the timeline's own times):")
    for hop, ms in breakdown:
        print(f"    {hop:48} {ms:8.0f} ms")


if __name__ == "__main__":
    main()
