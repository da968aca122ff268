"""How fast do events travel? Latency from the producer's commit to the consumer's handled
effect (p50, p99) at a fixed rate, the catalog relay's throughput in events/s, and the
DynamoDB outbox relay's throughput in messages/s.

Needs a running shop (`docker compose up --build`). The latency is read from the basket
worker's `envelope_handled` log lines; the catalog relay's throughput from the catalog's
outbox, filled directly with events no queue subscribes to; the DynamoDB relay's from a
throwaway table and queue on the emulator, emptied by the kit's relay run here.

    uv run python -m bench.events [--events 200] [--rate 20] [--relay-events 5000]

`--dynamo-relay-only` measures the DynamoDB relay alone, against any emulator at
`AWS_ENDPOINT_URL` (a compose stack's, or one started for the purpose:
`BIND_HOST=127.0.0.1 GATEWAY_PORT=4566 ministack` in its own environment):

    uv run python -m bench.events --dynamo-relay-only [--dynamo-messages 5000] [--relays 1]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from servicekit.aws import AwsClients
from servicekit.messaging.dynamo_outbox import PARTITIONS, DynamoOutboxRelay, outbox_put
from servicekit.messaging.publisher import Messages, PublishResult, SqsSender
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


class CountingSender:
    """A queue sender that counts what went out."""

    def __init__(self, sender: SqsSender) -> None:
        self.sender = sender
        self.sent = 0

    async def publish(self, messages: Messages) -> PublishResult:
        result = await self.sender.publish(messages)
        self.sent += len(result.published)
        return result


async def _fill_outbox(aws: AwsClients, table: str, count: int) -> None:
    dynamodb = await aws.dynamodb()
    body = json.dumps({"type": "bench.Ping", "data": {"padding": "x" * 200}})
    items = [
        dict(outbox_put(table, str(uuid.uuid4()), "bench.Ping", body)["Put"]["Item"])
        for _ in range(count)
    ]
    batches = [items[i : i + 25] for i in range(0, len(items), 25)]
    limit = asyncio.Semaphore(16)

    async def write(batch: list[dict[str, Any]]) -> None:
        requests: object = {table: [{"PutRequest": {"Item": item}} for item in batch]}
        async with limit:
            while requests:
                response = await dynamodb.batch_write_item(RequestItems=requests)  # type: ignore[arg-type]
                requests = response.get("UnprocessedItems") or None

    await asyncio.gather(*(write(batch) for batch in batches))


async def create_scratch_table(dynamodb: Any, name: str) -> None:
    """A throwaway table keyed as the services' tables are (`pk`, `sk`)."""
    await dynamodb.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )


async def measure_queue_sends(count: int) -> float:
    """Messages per second sent to a throwaway queue with `SendMessageBatch`, ten batches
    at a time: the emulator's own ceiling for what a relay does besides DynamoDB."""
    aws = AwsClients(os.environ.get("AWS_REGION", "us-east-1"))
    sqs = await aws.sqs()
    name = f"bench-sends-{uuid.uuid4().hex[:8]}"
    try:
        queue_url = (await sqs.create_queue(QueueName=name))["QueueUrl"]
        body = json.dumps({"type": "bench.Ping", "data": {"padding": "x" * 200}})
        messages = [(str(uuid.uuid4()), "bench.Ping", body) for _ in range(count)]
        sender = SqsSender(sqs, queue_url)
        started = time.monotonic()
        for start in range(0, count, 100):
            await sender.publish(messages[start : start + 100])
        return count / (time.monotonic() - started)
    finally:
        with contextlib.suppress(Exception):
            await sqs.delete_queue(QueueUrl=(await sqs.get_queue_url(QueueName=name))["QueueUrl"])
        await aws.close()


async def measure_dynamo_relay(count: int, relays: int = 1) -> float:
    """Messages per second `relays` DynamoDB outbox relays send to a queue and delete, from
    an outbox of `count` items spread over its partitions; on a throwaway table and queue."""
    aws = AwsClients(os.environ.get("AWS_REGION", "us-east-1"))
    name = f"bench-outbox-{uuid.uuid4().hex[:8]}"
    dynamodb, sqs = await aws.dynamodb(), await aws.sqs()
    try:
        await create_scratch_table(dynamodb, name)
        queue_url = (await sqs.create_queue(QueueName=name))["QueueUrl"]
        await _fill_outbox(aws, name, count)
        sender = CountingSender(SqsSender(sqs, queue_url))
        workers = [DynamoOutboxRelay(dynamodb, name, sender) for _ in range(relays)]

        async def sweep(relay: DynamoOutboxRelay) -> None:
            while sender.sent < count:
                await relay.relay_once()

        started = time.monotonic()
        await asyncio.gather(*(sweep(relay) for relay in workers))
        elapsed = time.monotonic() - started
        return count / elapsed
    finally:
        with contextlib.suppress(Exception):
            await dynamodb.delete_table(TableName=name)
        with contextlib.suppress(Exception):
            await sqs.delete_queue(QueueUrl=(await sqs.get_queue_url(QueueName=name))["QueueUrl"])
        await aws.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--gateway", default=os.environ.get("SHOP_BASE_URL", "http://127.0.0.1:8080")
    )
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--relay-events", type=int, default=5000)
    parser.add_argument("--dynamo-messages", type=int, default=5000)
    parser.add_argument("--relays", type=int, default=1, help="DynamoDB relays sweeping at once")
    parser.add_argument(
        "--dynamo-relay-only",
        action="store_true",
        help="measure only the DynamoDB relay, against the emulator at AWS_ENDPOINT_URL",
    )
    parser.add_argument(
        "--dsn",
        default="postgresql://shop:{password}@127.0.0.1:{port}/shop".format(
            password=os.environ.get("POSTGRES_PASSWORD", "shop-local-only"),
            port=os.environ.get("POSTGRES_PORT", "55432"),
        ),
    )
    args = parser.parse_args()
    os.environ.setdefault("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    dynamo = asyncio.run(measure_dynamo_relay(args.dynamo_messages, args.relays))
    sends = asyncio.run(measure_queue_sends(args.dynamo_messages))
    dynamo_line = (
        f"DynamoDB relay throughput ({args.dynamo_messages} messages, {PARTITIONS} partitions, "
        f"{args.relays} relay(s)): {dynamo:8.0f} messages/s\n"
        f"the emulator's SendMessageBatch alone, same messages:  {sends:8.0f} messages/s "
        f"(relay / sends: {dynamo / sends:.2f})"
    )
    if args.dynamo_relay_only:
        print(f"machine: {os.cpu_count()} cores")
        print(dynamo_line)
        return

    latencies = measure_latency(args.gateway, args.events, args.rate)
    throughput = asyncio.run(measure_relay(args.dsn, args.relay_events))
    quantiles = statistics.quantiles(latencies, n=100)
    print(f"machine: {os.cpu_count()} cores")
    print(f"price changes handled:          {len(latencies)} of {args.events}, {args.rate:g}/s")
    print(f"commit to handled effect, p50: {quantiles[49]:8.1f} ms")
    print(f"commit to handled effect, p99: {quantiles[98]:8.1f} ms")
    print(f"relay throughput ({args.relay_events} events): {throughput:8.0f} events/s")
    print(dynamo_line)


if __name__ == "__main__":
    main()
