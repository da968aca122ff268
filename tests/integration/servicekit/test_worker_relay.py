"""A worker's `relay_outbox` with real parts (PostgreSQL and the emulator): run by `serve`, it
publishes an outbox row to the topic its settings name, where a queue subscribed to it
receives the envelope; given the inbox it also purges the inbox rows past their retention and
keeps the newer ones, and without it leaves the inbox alone."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

import pytest
from sqlalchemy import MetaData, Table, select
from sqlalchemy.ext.asyncio import AsyncEngine

from servicekit.aws import AwsClients
from servicekit.messaging.envelope import Envelope, Event
from servicekit.messaging.inbox import INBOX_RETENTION, inbox_table
from servicekit.messaging.outbox import add_to_outbox, outbox_table
from servicekit.settings import PostgresSettings, PublisherSettings
from servicekit.worker import Worker
from tests.support.postgres import Database, scratch_schema

if TYPE_CHECKING:
    from types_aiobotocore_sqs import SQSClient
    from types_aiobotocore_sqs.type_defs import MessageTypeDef

pytestmark = pytest.mark.integration

REGION = os.environ.get("AWS_REGION", "us-east-1")
WAIT_SECONDS = 10.0


class Relayed(Event):
    TYPE: ClassVar[str] = "test.Relayed"

    n: int


class RelaySettings(PostgresSettings, PublisherSettings):
    """A service that owns a schema and publishes to its own topic."""


@dataclass(frozen=True)
class Topic:
    """A topic of its own, and a queue subscribed to it with raw delivery."""

    name: str
    sqs: SQSClient
    queue_url: str

    async def receive(self) -> list[MessageTypeDef]:
        response = await self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            MessageAttributeNames=["All"],
        )
        return list(response.get("Messages", []))


@pytest.fixture
async def topic(aws_endpoint: str) -> AsyncIterator[Topic]:
    aws = AwsClients(REGION)
    sns, sqs = await aws.sns(), await aws.sqs()
    name = f"relay-test-{uuid.uuid4().hex[:8]}-events"
    topic_arn = (await sns.create_topic(Name=name))["TopicArn"]
    queue_url = (await sqs.create_queue(QueueName=name))["QueueUrl"]
    queue_arn = (await sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"]))[
        "Attributes"
    ]["QueueArn"]
    subscription = (
        await sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=queue_arn,
            Attributes={"RawMessageDelivery": "true"},
            ReturnSubscriptionArn=True,
        )
    )["SubscriptionArn"]
    try:
        yield Topic(name, sqs, queue_url)
    finally:
        await sns.unsubscribe(SubscriptionArn=subscription)
        await sqs.delete_queue(QueueUrl=queue_url)
        await sns.delete_topic(TopicArn=topic_arn)
        await aws.close()


@dataclass(frozen=True)
class Store:
    engine: AsyncEngine
    outbox: Table
    inbox: Table


@pytest.fixture
async def store(database: Database) -> AsyncIterator[Store]:
    """An outbox and an inbox in a schema of their own, and an engine on their database."""
    metadata = MetaData(schema=f"worker_{uuid.uuid4().hex[:8]}")
    outbox, inbox = outbox_table(metadata), inbox_table(metadata)
    async with scratch_schema(database, metadata) as engine:
        yield Store(engine, outbox, inbox)


@asynccontextmanager
async def _relaying(store: Store, topic: Topic, *, inbox: Table | None) -> AsyncIterator[None]:
    """A worker whose only part is `relay_outbox`, serving until the block ends, then stopped
    and closed."""
    settings = RelaySettings(
        service_name="relaytest",
        aws_region=REGION,
        events_topic=topic.name,
        db_schema=str(store.outbox.schema),
    )
    worker, stop = Worker(settings), asyncio.Event()
    try:
        await worker.relay_outbox(store.engine, store.outbox, inbox=inbox)
        serving = asyncio.create_task(worker.serve(stop))
        try:
            yield
        finally:
            stop.set()
            await asyncio.wait_for(serving, 10)
    finally:
        await worker.close()


async def _write_event(store: Store) -> Envelope:
    envelope = Envelope.wrap(Relayed(n=7), "relaytest")
    async with store.engine.begin() as connection:
        await add_to_outbox(connection, store.outbox, [envelope])
    return envelope


async def _handled(store: Store, age: timedelta) -> str:
    message_id = str(uuid.uuid4())
    row = {"message_id": message_id, "handler": "h", "handled_at": datetime.now(UTC) - age}
    async with store.engine.begin() as connection:
        await connection.execute(store.inbox.insert(), [row])
    return message_id


async def _inbox_left(store: Store) -> set[str]:
    async with store.engine.connect() as connection:
        return set((await connection.execute(select(store.inbox.c.message_id))).scalars())


async def _sent(store: Store, envelope: Envelope) -> bool:
    o = store.outbox
    async with store.engine.connect() as connection:
        result = await connection.execute(select(o.c.published_at).where(o.c.id == envelope.id))
        return result.scalar_one() is not None


async def _eventually(probe: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not await probe():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {WAIT_SECONDS:.0f} s for {what}")
        await asyncio.sleep(0.1)


async def _arrival(topic: Topic, envelope: Envelope) -> MessageTypeDef:
    """The queue's message carrying `envelope`, once it has come (and nothing else did)."""
    received: list[MessageTypeDef] = []

    async def arrived() -> bool:
        received.extend(await topic.receive())
        return any(json.loads(m["Body"])["id"] == str(envelope.id) for m in received)

    await _eventually(arrived, f"{envelope.id} on the queue subscribed to {topic.name}")
    [message] = received
    return message


async def test_relay_outbox_publishes_to_the_settings_topic_and_purges_the_inbox(
    store: Store, topic: Topic
) -> None:
    envelope = await _write_event(store)
    expired = await _handled(store, INBOX_RETENTION + timedelta(hours=1))
    fresh = await _handled(store, INBOX_RETENTION - timedelta(hours=1))
    async with _relaying(store, topic, inbox=store.inbox):
        message = await _arrival(topic, envelope)
        body = json.loads(message["Body"])
        assert (body["type"], body["source"], body["data"]) == (
            "test.Relayed",
            "relaytest",
            {"n": 7},
        )
        assert message["MessageAttributes"]["type"]["StringValue"] == "test.Relayed"
        await _eventually(lambda: _sent(store, envelope), "the outbox row marked sent")

        async def purged() -> bool:
            return expired not in await _inbox_left(store)

        await _eventually(purged, f"the expired inbox row {expired} purged")
        assert await _inbox_left(store) == {fresh}


async def test_without_the_inbox_the_event_is_published_and_the_inbox_left_alone(
    store: Store, topic: Topic
) -> None:
    envelope = await _write_event(store)
    expired = await _handled(store, INBOX_RETENTION + timedelta(days=1))
    async with _relaying(store, topic, inbox=None):
        message = await _arrival(topic, envelope)
        assert json.loads(message["Body"])["type"] == "test.Relayed"
        await asyncio.sleep(0.5)  # long enough for a purge started with the relay
        assert await _inbox_left(store) == {expired}
