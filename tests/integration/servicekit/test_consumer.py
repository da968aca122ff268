"""The kit's queue consumer against the emulator: every message handled is deleted (in
batches), none comes back, and a failed one is handed back for another try, later each time."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from servicekit.aws import AwsClients
from servicekit.messaging.consumer import ConsumerSettings, QueueConsumer, ReceivedMessage

pytestmark = pytest.mark.integration


@pytest.fixture
async def queue(aws_endpoint: str) -> AsyncIterator[tuple[Any, str]]:
    aws = AwsClients(os.environ.get("AWS_REGION", "us-east-1"))
    sqs = await aws.sqs()
    url = (await sqs.create_queue(QueueName=f"consumer-test-{uuid.uuid4().hex[:8]}"))["QueueUrl"]
    try:
        yield sqs, url
    finally:
        await sqs.delete_queue(QueueUrl=url)
        await aws.close()


async def _left(sqs: Any, url: str) -> tuple[int, int]:
    attributes = (
        await sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )
    )["Attributes"]
    return (
        int(attributes["ApproximateNumberOfMessages"]),
        int(attributes["ApproximateNumberOfMessagesNotVisible"]),
    )


async def test_handled_messages_are_deleted_and_a_failed_one_comes_back(
    queue: tuple[Any, str],
) -> None:
    sqs, url = queue
    for start in range(0, 40, 10):
        await sqs.send_message_batch(
            QueueUrl=url,
            Entries=[{"Id": str(n), "MessageBody": str(n)} for n in range(start, start + 10)],
        )
    handled: list[str] = []
    failed_once: list[str] = []
    all_handled = asyncio.Event()

    async def handler(message: ReceivedMessage) -> None:
        if message.body == "7" and not failed_once:
            failed_once.append(message.body)
            raise RuntimeError("the first try fails")
        handled.append(message.body)
        if len(handled) == 40:
            all_handled.set()

    settings = ConsumerSettings(wait_seconds=1, retry_delays=(1,))
    consumer = QueueConsumer(sqs, url, handler, settings)
    stop = asyncio.Event()
    running = asyncio.create_task(consumer.run(stop))
    await asyncio.wait_for(all_handled.wait(), 30)
    stop.set()
    await running
    assert sorted(handled, key=int) == [str(n) for n in range(40)]  # 7 on its second try
    assert await _left(sqs, url) == (0, 0)  # nothing waits to come back


async def test_a_failing_message_comes_back_later_each_time_and_is_not_dead_lettered(
    queue: tuple[Any, str],
) -> None:
    sqs, url = queue
    dlq_url = (await sqs.create_queue(QueueName=f"consumer-dlq-{uuid.uuid4().hex[:8]}"))["QueueUrl"]
    try:
        dlq_arn = (await sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"]))[
            "Attributes"
        ]["QueueArn"]
        policy = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5}
        await sqs.set_queue_attributes(
            QueueUrl=url, Attributes={"RedrivePolicy": json.dumps(policy)}
        )
        await sqs.send_message(QueueUrl=url, MessageBody="order")
        tries: list[tuple[int, float]] = []
        handled = asyncio.Event()

        async def handler(message: ReceivedMessage) -> None:
            tries.append((message.receive_count, time.monotonic()))
            if len(tries) < 5:  # an outage that lasts through four tries
                raise ConnectionError("the database is down")
            handled.set()

        # The shape of the production schedule, scaled down to seconds.
        delays = (1, 2, 4, 6)
        settings = ConsumerSettings(wait_seconds=1, retry_delays=delays)
        consumer = QueueConsumer(sqs, url, handler, settings)
        stop = asyncio.Event()
        running = asyncio.create_task(consumer.run(stop))
        await asyncio.wait_for(handled.wait(), 40)
        stop.set()
        await running
    finally:
        left_in_dlq = await _left(sqs, dlq_url)
        await sqs.delete_queue(QueueUrl=dlq_url)
    assert [count for count, _ in tries] == [1, 2, 3, 4, 5]
    gaps = [later - earlier for (_, earlier), (_, later) in itertools.pairwise(tries)]
    for gap, delay in zip(gaps, delays, strict=True):
        # Never sooner than its delay; later by no more than a long poll and a round trip.
        assert delay - 0.3 <= gap <= delay + 2.5, (gaps, delays)
    assert await _left(sqs, url) == (0, 0)
    assert left_in_dlq == (0, 0)
