"""Batch calls that concurrent callers share: a lone caller's entries go out at once, those
that arrive while calls are on their way share the next ones, and each caller gets its own
outcome; and publishing through them, where each caller learns which of its own messages
went out."""

import asyncio
from typing import Any, cast

from servicekit.messaging.batching import SharedBatches
from servicekit.messaging.publisher import PublishResult, SharedPublisher, SnsPublisher


class FakeTopic:
    """An SNS client's `publish_batch`, whose calls wait while `gate` is closed: it refuses an
    entry whose body is "too big", and a call carrying one whose body is "unreachable"
    raises."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []  # the ids each call carried, as it went out
        self.called = asyncio.Event()
        self.gate = asyncio.Event()
        self.gate.set()

    async def publish_batch(self, **kwargs: Any) -> dict[str, Any]:
        entries = kwargs["PublishBatchRequestEntries"]
        self.calls.append([entry["Id"] for entry in entries])
        self.called.set()
        await self.gate.wait()
        await asyncio.sleep(0)
        if any(entry["Message"] == "unreachable" for entry in entries):
            raise ConnectionError("broker unreachable")
        return {
            "Successful": [{"Id": e["Id"]} for e in entries if e["Message"] != "too big"],
            "Failed": [
                {"Id": e["Id"], "Code": "InvalidParameter", "Message": "too big"}
                for e in entries
                if e["Message"] == "too big"
            ],
        }


def _shared(topic: FakeTopic) -> SharedPublisher:
    return SharedPublisher(SnsPublisher(cast(Any, topic), "arn:aws:sns:us-east-1:1:events"))


def _message(message_id: str, body: str = "{}") -> tuple[str, str, str]:
    return message_id, "test.Sent", body


async def test_a_lone_publish_goes_out_at_once_in_one_call() -> None:
    topic = FakeTopic()
    topic.gate.clear()
    publishing = asyncio.create_task(_shared(topic).publish([_message("a"), _message("b")]))
    await asyncio.wait_for(topic.called.wait(), 1)  # no waiting for company
    assert topic.calls == [["a", "b"]]
    topic.gate.set()
    assert await publishing == PublishResult(["a", "b"], [])


async def test_a_lone_publish_of_many_goes_in_calls_of_ten_all_at_once() -> None:
    topic = FakeTopic()
    topic.gate.clear()
    ids = [f"m{i}" for i in range(25)]
    publishing = asyncio.create_task(_shared(topic).publish([_message(i) for i in ids]))
    await asyncio.wait_for(topic.called.wait(), 1)
    await asyncio.sleep(0.01)
    assert [len(call) for call in topic.calls] == [10, 10, 5]  # none waits for another
    topic.gate.set()
    assert await publishing == PublishResult(ids, [])


async def test_publishes_that_arrive_meanwhile_share_calls_and_each_gets_its_own_result() -> None:
    topic = FakeTopic()
    shared = _shared(topic)
    topic.gate.clear()
    first = asyncio.create_task(shared.publish([_message("m0")]))
    await asyncio.wait_for(topic.called.wait(), 1)
    rest = [asyncio.create_task(shared.publish([_message(f"m{i}")])) for i in range(1, 25)]
    await asyncio.sleep(0.01)  # they all wait for the first call
    topic.gate.set()
    results = await asyncio.gather(first, *rest)
    assert topic.calls[0] == ["m0"]
    assert [len(call) for call in topic.calls[1:]] == [10, 10, 4]
    assert sorted(i for call in topic.calls for i in call) == sorted(f"m{i}" for i in range(25))
    assert results == [PublishResult([f"m{i}"], []) for i in range(25)]


async def test_a_refused_message_is_reported_to_its_own_caller_only() -> None:
    topic = FakeTopic()
    shared = _shared(topic)
    good, refused, other = await asyncio.gather(
        shared.publish([_message("a")]),
        shared.publish([_message("b", "too big"), _message("c")]),
        shared.publish([_message("d")]),
    )
    assert topic.calls == [["a", "b", "c", "d"]]
    assert good == PublishResult(["a"], [])
    assert refused == PublishResult(["c"], ["b"], {"b": "InvalidParameter: too big"})
    assert other == PublishResult(["d"], [])


async def test_an_exception_reaches_the_callers_of_its_call_and_no_others() -> None:
    topic = FakeTopic()
    shared = _shared(topic)
    bodies = ["{}"] * 11 + ["unreachable"]
    results = await asyncio.gather(
        *(shared.publish([_message(f"m{i}", body)]) for i, body in enumerate(bodies)),
        return_exceptions=True,
    )
    assert [len(call) for call in topic.calls] == [10, 2]
    assert results[:10] == [PublishResult([f"m{i}"], []) for i in range(10)]
    assert all(isinstance(result, ConnectionError) for result in results[10:])


async def test_a_caller_that_gives_up_leaves_the_others_their_results() -> None:
    topic = FakeTopic()
    shared = _shared(topic)
    topic.gate.clear()
    impatient = asyncio.create_task(shared.publish([_message("a")]))
    patient = asyncio.create_task(shared.publish([_message("b")]))
    await asyncio.wait_for(topic.called.wait(), 1)
    impatient.cancel()
    topic.gate.set()
    assert await asyncio.wait_for(patient, 1) == PublishResult(["b"], [])
    assert impatient.cancelled()
    assert topic.calls == [["a", "b"]]


async def test_a_caller_waits_for_its_own_call_not_for_the_rest_of_the_round() -> None:
    gates = {"slow": asyncio.Event(), "quick": asyncio.Event()}

    async def call(batch: list[str]) -> str:
        await gates[batch[0]].wait()
        return batch[0]

    batches = SharedBatches(call, 1)
    slow = asyncio.create_task(batches.send(["slow"]))
    quick = asyncio.create_task(batches.send(["quick"]))
    await asyncio.sleep(0.01)
    gates["quick"].set()
    assert await asyncio.wait_for(quick, 1) == ["quick"]
    assert not slow.done()
    gates["slow"].set()
    assert await asyncio.wait_for(slow, 1) == ["slow"]


async def test_nothing_runs_while_there_is_nothing_to_send() -> None:
    calls: list[list[int]] = []

    async def call(batch: list[int]) -> None:
        calls.append(batch)
        await asyncio.sleep(0)

    before = asyncio.all_tasks()
    batches = SharedBatches(call, 10)
    assert await batches.send([1, 2, 3]) == [None] * 3
    await batches.flush()
    assert asyncio.all_tasks() <= before
    assert await batches.send([4]) == [None]  # and it starts again when there is
    assert calls == [[1, 2, 3], [4]]
