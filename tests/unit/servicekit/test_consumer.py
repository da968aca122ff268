"""The kit's queue consumer: never holds more than it can handle, deletes what succeeded (in
batches), hands failures back soon, and drains what it holds when stopped."""

import asyncio
from typing import Any, cast

from servicekit.messaging.consumer import ConsumerSettings, QueueConsumer, ReceivedMessage


class FakeQueue:
    def __init__(self, bodies: list[str]) -> None:
        self.waiting = [
            {"MessageId": f"m-{i}", "ReceiptHandle": f"r-{i}", "Body": body}
            for i, body in enumerate(bodies)
        ]
        self.asked: list[int] = []
        self.deleted: list[str] = []
        self.delete_batches: list[int] = []
        self.returned: list[tuple[str, int]] = []

    async def receive_message(self, **kwargs: Any) -> dict[str, Any]:
        count = kwargs["MaxNumberOfMessages"]
        self.asked.append(count)
        batch, self.waiting = self.waiting[:count], self.waiting[count:]
        if not batch:
            await asyncio.sleep(0.01)
        return {"Messages": batch}

    async def delete_message_batch(self, **kwargs: Any) -> dict[str, Any]:
        await asyncio.sleep(0.01)  # a round trip, during which more can be handled
        self.delete_batches.append(len(kwargs["Entries"]))
        self.deleted += [entry["ReceiptHandle"] for entry in kwargs["Entries"]]
        return {"Successful": [{"Id": entry["Id"]} for entry in kwargs["Entries"]]}

    async def change_message_visibility(self, **kwargs: Any) -> None:
        self.returned.append((kwargs["ReceiptHandle"], kwargs["VisibilityTimeout"]))


def _consumer(queue: FakeQueue, handler: Any, concurrency: int = 2) -> QueueConsumer:
    settings = ConsumerSettings(concurrency=concurrency, batch_size=10, retry_delay_seconds=3)
    return QueueConsumer(cast(Any, queue), "url", handler, settings)


async def _run_for(seconds: float, consumer: QueueConsumer) -> None:
    """Run the consumer for `seconds`, then stop it and wait for its drain."""
    stop = asyncio.Event()
    running = asyncio.create_task(consumer.run(stop))
    await asyncio.sleep(seconds)
    stop.set()
    await asyncio.wait_for(running, 3)


async def test_it_never_asks_for_more_messages_than_it_has_free_slots() -> None:
    queue, release, started = FakeQueue([f"b{i}" for i in range(5)]), asyncio.Event(), []

    async def slow(message: ReceivedMessage) -> None:
        started.append(message.body)
        await release.wait()

    stop = asyncio.Event()
    running = asyncio.create_task(_consumer(queue, slow).run(stop))
    await asyncio.sleep(0.05)
    assert started == ["b0", "b1"]  # two slots, both busy: nothing more is received
    assert queue.asked == [2]
    release.set()
    await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(running, 2)
    assert max(queue.asked) <= 2
    assert sorted(queue.deleted) == [f"r-{i}" for i in range(5)]


async def test_a_failed_message_is_handed_back_soon_and_not_deleted() -> None:
    queue = FakeQueue(["ok", "bad"])

    async def handler(message: ReceivedMessage) -> None:
        if message.body == "bad":
            raise RuntimeError("boom")

    await _run_for(0.05, _consumer(queue, handler))
    assert queue.deleted == ["r-0"]
    assert queue.returned == [("r-1", 3)]


async def test_stopping_drains_what_is_being_handled() -> None:
    queue, finished = FakeQueue(["slow"]), []

    async def slow(message: ReceivedMessage) -> None:
        await asyncio.sleep(0.1)
        finished.append(message.body)

    await _run_for(0.02, _consumer(queue, slow))
    assert finished == ["slow"]
    assert queue.deleted == ["r-0"]


async def test_an_unreachable_queue_is_retried_not_fatal() -> None:
    queue = FakeQueue(["late"])
    real_receive, failures = queue.receive_message, [1]

    async def flaky(**kwargs: Any) -> dict[str, Any]:
        if failures:
            failures.pop()
            raise ConnectionError("queue unreachable")
        return await real_receive(**kwargs)

    queue.receive_message = flaky  # type: ignore[method-assign]
    handled: list[str] = []

    async def handler(message: ReceivedMessage) -> None:
        handled.append(message.body)

    await _run_for(2.2, _consumer(queue, handler))  # the consumer backs off for two seconds
    assert handled == ["late"]


async def test_a_deletion_waits_for_nothing() -> None:
    queue = FakeQueue(["alone"])

    async def handler(message: ReceivedMessage) -> None:
        pass

    stop = asyncio.Event()
    running = asyncio.create_task(_consumer(queue, handler).run(stop))
    await asyncio.sleep(0.03)  # the handler runs at once; the fake's round trip takes 10 ms
    assert queue.deleted == ["r-0"]  # deleted while the consumer runs, not at its drain
    stop.set()
    await asyncio.wait_for(running, 2)


async def test_deletions_share_round_trips_under_load() -> None:
    queue = FakeQueue([f"b{i}" for i in range(25)])

    async def handler(message: ReceivedMessage) -> None:
        await asyncio.sleep(0)

    await _run_for(0.2, _consumer(queue, handler, concurrency=16))
    assert sorted(queue.deleted) == sorted(f"r-{i}" for i in range(25))
    assert len(queue.delete_batches) <= 5  # not one round trip per message
    assert max(queue.delete_batches) <= 10  # SQS's limit per batch


async def test_a_failed_deletion_is_logged_and_not_fatal() -> None:
    queue = FakeQueue(["a", "b"])

    async def refuse(**kwargs: Any) -> dict[str, Any]:
        raise ConnectionError("queue unreachable")

    queue.delete_message_batch = refuse  # type: ignore[method-assign]
    handled: list[str] = []

    async def handler(message: ReceivedMessage) -> None:
        handled.append(message.body)

    await _run_for(0.05, _consumer(queue, handler))
    assert handled == ["a", "b"]  # SQS hands them back later; handlers are idempotent
