"""The kit's DynamoDB outbox against the emulator: two relays and the publish-at-once path
racing lose nothing and send nothing twice; a refused item is parked, listed and sent again
by `shopctl`. (How fast the relay sends is measured by `bench/events.py --dynamo-relay-only`,
not asserted here: a timed test on a shared machine proves nothing.)"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest

from bench.events import create_scratch_table
from servicekit.aws import AwsClients
from servicekit.dynamo import DynamoUnitOfWork
from servicekit.messaging.dynamo_outbox import PARTITIONS, DirectPublisher, DynamoOutboxRelay
from servicekit.messaging.envelope import Event
from servicekit.messaging.publisher import PublishResult, SqsSender
from servicekit.messaging.relay import RetryPolicy
from shopctl.aws import client
from shopctl.outbox import list_parked, retry_parked

pytestmark = pytest.mark.integration


class Counted(Event):
    TYPE: ClassVar[str] = "test.Counted"

    n: int


@dataclass
class Scratch:
    """A throwaway table with an outbox, and a queue its messages go to."""

    aws: AwsClients
    dynamodb: Any
    sqs: Any
    table: str
    queue_url: str

    def sender(self) -> SqsSender:
        return SqsSender(self.sqs, self.queue_url)

    async def outbox_left(self) -> int:
        counts = await asyncio.gather(
            *(
                self.dynamodb.query(
                    TableName=self.table,
                    KeyConditionExpression="pk = :pk",
                    ExpressionAttributeValues={":pk": {"S": f"OUTBOX#{i}"}},
                    Select="COUNT",
                    ConsistentRead=True,
                )
                for i in range(PARTITIONS)
            )
        )
        return sum(int(c["Count"]) for c in counts)

    async def received(self, expected: int, wait_seconds: float = 60) -> list[str]:
        """The numbers the queue's messages carry, until `expected` arrived and a little
        longer."""
        ids: list[str] = []
        deadline = time.monotonic() + wait_seconds
        quiet_until = 0.0
        while time.monotonic() < deadline:
            response = await self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            )
            messages = response.get("Messages", [])
            for message in messages:
                ids.append(str(json.loads(message["Body"])["data"]["n"]))
                await self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
            if len(ids) >= expected and not quiet_until:
                quiet_until = time.monotonic() + 2  # anything sent twice would show by then
            if quiet_until and time.monotonic() > quiet_until and not messages:
                break
        return ids


@pytest.fixture
async def scratch(aws_endpoint: str) -> AsyncIterator[Scratch]:
    aws = AwsClients(os.environ.get("AWS_REGION", "us-east-1"))
    dynamodb, sqs = await aws.dynamodb(), await aws.sqs()
    name = f"outbox-test-{uuid.uuid4().hex[:8]}"
    await create_scratch_table(dynamodb, name)
    queue_url = (await sqs.create_queue(QueueName=name))["QueueUrl"]
    try:
        yield Scratch(aws, dynamodb, sqs, name, queue_url)
    finally:
        with contextlib.suppress(Exception):
            await dynamodb.delete_table(TableName=name)
        with contextlib.suppress(Exception):
            await sqs.delete_queue(QueueUrl=queue_url)
        await aws.close()


class Flaky:
    """Fails every third publish, as a broker blip would right after a commit."""

    def __init__(self, sender: SqsSender) -> None:
        self.sender = sender
        self.calls = 0

    async def publish(self, messages: Sequence[tuple[str, str, str]]) -> PublishResult:
        self.calls += 1
        if self.calls % 3 == 0:
            raise ConnectionError("broker blip")
        return await self.sender.publish(messages)


async def test_two_relays_and_publish_at_once_racing_send_every_message_once(
    scratch: Scratch,
) -> None:
    direct = DirectPublisher(scratch.dynamodb, scratch.table, Flaky(scratch.sender()))
    direct.hold_seconds = 2
    relays = [
        DynamoOutboxRelay(scratch.dynamodb, scratch.table, scratch.sender(), poll_seconds=0.1)
        for _ in range(2)
    ]
    stop = asyncio.Event()
    running = [asyncio.create_task(relay.run(stop)) for relay in relays]

    async def commit(n: int) -> None:
        uow = DynamoUnitOfWork(scratch.dynamodb, scratch.table, source="test", direct=direct)
        uow.publish(Counted(n=n))
        assert await uow.commit()

    try:
        for start in range(0, 300, 20):
            await asyncio.gather(*(commit(n) for n in range(start, start + 20)))
        ids = await scratch.received(300)
        deadline = time.monotonic() + 10
        while await scratch.outbox_left() and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.2)
        assert await scratch.outbox_left() == 0
    finally:
        stop.set()
        await asyncio.gather(*running)
    counts = collections.Counter(ids)
    assert len(counts) == 300, "lost messages"
    assert max(counts.values()) == 1, "messages sent twice"


class Refusing:
    """Refuses one message for good, as a broker refuses one too large to take."""

    def __init__(self, sender: SqsSender, refused: str) -> None:
        self.sender = sender
        self.refused = refused

    async def publish(self, messages: Sequence[tuple[str, str, str]]) -> PublishResult:
        result = await self.sender.publish([m for m in messages if m[0] != self.refused])
        refused = [m[0] for m in messages if m[0] == self.refused]
        errors = dict.fromkeys(refused, "InvalidParameterValue: too large")
        return PublishResult(result.published, result.failed + refused, errors)


async def test_a_refused_item_is_parked_listed_and_sent_again_after_a_retry(
    scratch: Scratch,
) -> None:
    uow = DynamoUnitOfWork(scratch.dynamodb, scratch.table, source="test")
    for n in range(5):
        uow.publish(Counted(n=n))
    assert await uow.commit()
    items = (await scratch.dynamodb.scan(TableName=scratch.table))["Items"]
    refused = items[0]["message_id"]["S"]
    relay = DynamoOutboxRelay(
        scratch.dynamodb,
        scratch.table,
        Refusing(scratch.sender(), refused),
        retry=RetryPolicy(max_attempts=3, base_backoff_seconds=0.01),
    )
    for _ in range(10):
        await relay.relay_once()
        await asyncio.sleep(0.05)
    assert await scratch.outbox_left() == 0
    [parked] = list_parked(client("dynamodb"), scratch.table)
    assert (parked.message_id, parked.attempts) == (refused, 3)
    assert "too large" in parked.last_error
    assert len(await scratch.received(4, wait_seconds=10)) == 4

    assert retry_parked(client("dynamodb"), scratch.table) == 1
    assert list_parked(client("dynamodb"), scratch.table) == []
    await relay.release()  # as its worker does when it stops
    healed = DynamoOutboxRelay(scratch.dynamodb, scratch.table, scratch.sender())
    assert await healed.relay_once() == 1
    assert len(await scratch.received(1, wait_seconds=10)) == 1
