"""The kit's queue consumer: never holds more than it can handle, deletes what succeeded (in
batches), hands failures back later after each failed try (in batches), and drains what it
holds when stopped."""

import asyncio
import itertools
from collections import Counter
from typing import Any, cast

import pytest

from servicekit.messaging.consumer import (
    ConsumerSettings,
    PoisonMessageError,
    QueueConsumer,
    ReceivedMessage,
)
from shopctl.topology import Queue, load_topology


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

    async def change_message_visibility_batch(self, **kwargs: Any) -> dict[str, Any]:
        self.returned += [(e["ReceiptHandle"], e["VisibilityTimeout"]) for e in kwargs["Entries"]]
        return {"Successful": [{"Id": entry["Id"]} for entry in kwargs["Entries"]]}


def _consumer(queue: Any, handler: Any, concurrency: int = 2, **settings: Any) -> QueueConsumer:
    configured = ConsumerSettings(concurrency=concurrency, batch_size=10, **settings)
    return QueueConsumer(cast(Any, queue), "url", handler, configured)


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


class TricklingQueue(FakeQueue):
    """A queue whose messages arrive `per_receive` at a time, each receive's time noted."""

    def __init__(self, bodies: list[str], per_receive: int) -> None:
        super().__init__(bodies)
        self.per_receive = per_receive
        self.times: list[float] = []

    async def receive_message(self, **kwargs: Any) -> dict[str, Any]:
        self.times.append(asyncio.get_running_loop().time())
        return await super().receive_message(
            **kwargs | {"MaxNumberOfMessages": min(self.per_receive, kwargs["MaxNumberOfMessages"])}
        )


async def _gaps(per_receive: int, count: int) -> list[float]:
    queue = TricklingQueue([f"b{i}" for i in range(count)], per_receive)

    async def handler(message: ReceivedMessage) -> None:
        pass

    consumer = _consumer(queue, handler, concurrency=16, receive_window_seconds=0.05)
    await _run_for(0.3, consumer)
    assert sorted(queue.deleted) == sorted(f"r-{i}" for i in range(count))
    delivering = queue.times[: count // per_receive]
    return [b - a for a, b in itertools.pairwise(delivering)]


async def test_a_busy_queue_is_left_its_window_to_gather_before_it_is_asked_again() -> None:
    gaps = await _gaps(per_receive=3, count=9)
    assert len(gaps) == 2
    assert min(gaps) >= 0.05


async def test_a_queue_giving_one_message_at_a_time_is_asked_again_at_once() -> None:
    gaps = await _gaps(per_receive=1, count=3)
    assert len(gaps) == 2
    assert max(gaps) < 0.02


async def test_a_queue_giving_full_batches_is_asked_again_at_once() -> None:
    gaps = await _gaps(per_receive=10, count=30)
    assert len(gaps) == 2
    assert max(gaps) < 0.02


async def test_a_failed_message_is_handed_back_soon_and_not_deleted() -> None:
    queue = FakeQueue(["ok", "bad"])

    async def handler(message: ReceivedMessage) -> None:
        if message.body == "bad":
            raise RuntimeError("boom")

    await _run_for(0.05, _consumer(queue, handler, retry_delays=(3, 9)))
    assert queue.deleted == ["r-0"]
    assert queue.returned == [("r-1", 3)]  # received once: the first delay


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


async def test_a_deletion_waits_only_its_linger_for_company() -> None:
    queue = FakeQueue(["alone"])

    async def handler(message: ReceivedMessage) -> None:
        pass

    stop = asyncio.Event()
    consumer = _consumer(queue, handler, delete_linger_seconds=0.05)
    running = asyncio.create_task(consumer.run(stop))
    await asyncio.sleep(0.03)  # the handler ran at once; its deletion waits 50 ms for others
    assert queue.deleted == []
    await asyncio.sleep(0.06)  # then goes, in a round trip of 10 ms
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


def test_the_delay_grows_with_the_receive_count_and_then_stays() -> None:
    settings = ConsumerSettings()
    assert [settings.retry_delay(n) for n in range(1, 7)] == [5, 15, 30, 60, 60, 60]
    assert settings.retry_delay(0) == 5  # a count SQS did not give: the first try


@pytest.mark.parametrize("queue", load_topology().queues, ids=lambda queue: queue.name)
def test_every_queues_last_try_comes_after_a_minutes_outage_and_a_stop(queue: Queue) -> None:
    settings = ConsumerSettings()
    # SQS dead-letters a message at the receive after its max_receive_count-th: the last try
    # comes this long after the first, and must outlast 60 s plus a stopping task's 30 s.
    last_try = sum(settings.retry_delay(n) for n in range(1, queue.max_receive_count))
    assert last_try >= 60 + 30


class ClockedQueue:
    """An SQS queue on a fake clock, that dead-letters a message at its receive after
    `max_receives`. A receive with nothing visible moves the clock on to the next message
    that shows again, as a long poll would wait for it."""

    def __init__(self, bodies: list[str], max_receives: int = 5) -> None:
        self.now = 0.0
        self.max_receives = max_receives
        self.bodies = {f"m-{i}": body for i, body in enumerate(bodies)}
        self.visible_at = dict.fromkeys(self.bodies, 0.0)
        self.receives: Counter[str] = Counter()
        self.received_at: list[tuple[str, float]] = []
        self.delays: list[int] = []
        self.visibility_calls = 0
        self.dead: list[str] = []
        self.deleted: list[str] = []

    async def receive_message(self, **kwargs: Any) -> dict[str, Any]:
        await asyncio.sleep(0.005)  # a round trip: what the consumer sent meanwhile lands
        if not self.visible_at:
            return {"Messages": []}
        self.now = max(self.now, min(self.visible_at.values()))
        due = [m for m, at in sorted(self.visible_at.items()) if at <= self.now]
        messages = []
        for message_id in due[: kwargs["MaxNumberOfMessages"]]:
            self.receives[message_id] += 1
            if self.receives[message_id] > self.max_receives:
                self.dead.append(message_id)
                del self.visible_at[message_id]
                continue
            self.visible_at[message_id] = self.now + kwargs["VisibilityTimeout"]
            self.received_at.append((message_id, self.now))
            messages.append(
                {
                    "MessageId": message_id,
                    "ReceiptHandle": message_id,
                    "Body": self.bodies[message_id],
                    "Attributes": {"ApproximateReceiveCount": str(self.receives[message_id])},
                }
            )
        return {"Messages": messages}

    async def change_message_visibility_batch(self, **kwargs: Any) -> dict[str, Any]:
        self.visibility_calls += 1
        for entry in kwargs["Entries"]:
            self.delays.append(entry["VisibilityTimeout"])
            self.visible_at[entry["ReceiptHandle"]] = self.now + entry["VisibilityTimeout"]
        return {"Successful": [{"Id": entry["Id"]} for entry in kwargs["Entries"]]}

    async def delete_message_batch(self, **kwargs: Any) -> dict[str, Any]:
        for entry in kwargs["Entries"]:
            self.deleted.append(entry["ReceiptHandle"])
            self.visible_at.pop(entry["ReceiptHandle"], None)
        return {"Successful": [{"Id": entry["Id"]} for entry in kwargs["Entries"]]}


def _failing_until(queue: ClockedQueue, outage_ends: float) -> Any:
    async def handler(message: ReceivedMessage) -> None:
        if queue.now < outage_ends:
            raise ConnectionError("the database is down")

    return handler


async def test_a_sixty_second_outage_dead_letters_nothing() -> None:
    queue = ClockedQueue(["order"])
    # No linger: the fake clock leaps to the message's next visibility while its deletion
    # would wait, where a real one moves a tenth of a second against its ten.
    handler = _failing_until(queue, outage_ends=60)
    await _run_for(0.2, _consumer(queue, handler, delete_linger_seconds=0))
    assert queue.delays == [5, 15, 30, 60]
    assert queue.received_at == [("m-0", t) for t in (0, 5, 20, 50, 110)]
    assert queue.deleted == ["m-0"]  # handled on its fifth try, after the outage
    assert queue.dead == []


async def test_a_short_fixed_delay_would_have_dead_lettered_it() -> None:
    queue = ClockedQueue(["order"])
    handler = _failing_until(queue, outage_ends=60)
    await _run_for(0.2, _consumer(queue, handler, retry_delays=(2,)))
    assert queue.dead == ["m-0"]
    assert queue.deleted == []


async def test_a_poison_message_is_not_held_back() -> None:
    queue = ClockedQueue(["not a message"])

    async def handler(message: ReceivedMessage) -> None:
        raise PoisonMessageError("never handled")

    await _run_for(0.2, _consumer(queue, handler, poison_delay_seconds=1))
    assert queue.delays == [1] * 5
    assert queue.dead == ["m-0"]


async def test_delays_share_round_trips_under_load() -> None:
    queue = ClockedQueue([f"b{i}" for i in range(25)])
    await _run_for(0.05, _consumer(queue, _failing_until(queue, 1), concurrency=16))
    assert len(queue.delays) >= 25
    assert queue.visibility_calls < len(queue.delays)  # not one round trip per message


@pytest.mark.parametrize("refusal", ["raise", "refuse"])
async def test_a_lost_delay_is_logged_and_not_fatal(refusal: str) -> None:
    queue = FakeQueue(["bad", "good"])

    async def lost(**kwargs: Any) -> dict[str, Any]:
        if refusal == "raise":
            raise ConnectionError("queue unreachable")
        return {
            "Failed": [{"Id": e["Id"], "Code": "ReceiptHandleIsInvalid"} for e in kwargs["Entries"]]
        }

    queue.change_message_visibility_batch = lost  # type: ignore[method-assign]
    handled: list[str] = []

    async def handler(message: ReceivedMessage) -> None:
        if message.body == "bad":
            raise RuntimeError("boom")
        handled.append(message.body)

    await _run_for(0.05, _consumer(queue, handler))
    assert handled == ["good"]  # the message comes back after its receive's visibility
