"""The kit's DynamoDB outbox: partitions, concurrent claims, leases between relays, the
publish-at-once path, backoff and parking."""

import asyncio
import time
from collections.abc import Sequence
from typing import Any, ClassVar, cast

from botocore.exceptions import ClientError

from servicekit.dynamo import DynamoUnitOfWork
from servicekit.messaging.dynamo_outbox import (
    LEASES_PK,
    PARKED_PK,
    PARTITIONS,
    DirectPublisher,
    DynamoOutboxRelay,
    outbox_partition,
    outbox_put,
)
from servicekit.messaging.envelope import Event
from servicekit.messaging.publisher import PublishResult
from servicekit.messaging.relay import RetryPolicy, parked_total


class Sent(Event):
    TYPE: ClassVar[str] = "test.Sent"


def _message() -> Sent:
    return Sent()


def _failed(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": ""}}, "op")


class FakeTable:
    """One table's items, with the conditions the outbox writes rely on, and a count of calls
    by operation. Each call yields to the event loop, as a network call would."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}
        self.calls: dict[str, int] = {}

    def _count(self, operation: str) -> None:
        self.calls[operation] = self.calls.get(operation, 0) + 1

    def put(self, message_id: str, **held: Any) -> None:
        item: dict[str, Any] = dict(outbox_put("t", message_id, "test.Sent", "{}", **held)["Put"])
        self._store(dict(item["Item"]))

    def _store(self, item: dict[str, Any]) -> None:
        self.items[(item["pk"]["S"], item["sk"]["S"])] = item

    def outbox(self) -> list[dict[str, Any]]:
        return [
            i
            for (pk, _), i in sorted(self.items.items())
            if pk.startswith("OUTBOX#") and pk[7:].isdigit()
        ]

    def parked(self) -> list[dict[str, Any]]:
        return [i for (pk, _), i in sorted(self.items.items()) if pk == PARKED_PK]

    async def query(self, **kwargs: Any) -> dict[str, Any]:
        self._count("query")
        await asyncio.sleep(0)
        pk = kwargs["ExpressionAttributeValues"][":pk"]["S"]
        keys = sorted(k for k in self.items if k[0] == pk)[: kwargs["Limit"]]
        return {"Items": [dict(self.items[k]) for k in keys]}

    async def update_item(self, **kwargs: Any) -> None:
        self._count("update_item")
        await asyncio.sleep(0)
        key = (kwargs["Key"]["pk"]["S"], kwargs["Key"]["sk"]["S"])
        values = kwargs["ExpressionAttributeValues"]
        item = self.items.get(key)
        if key[0] == LEASES_PK and ":zero" in values:  # given up by its holder
            if item is None or item["lease_owner"] != values[":owner"]:
                raise _failed("ConditionalCheckFailedException")
            item["lease_until"] = values[":zero"]
        elif key[0] == LEASES_PK:  # a partition's lease: free, expired, or already ours
            now = float(values[":now"]["N"])
            theirs = item is not None and item["lease_owner"] != values[":owner"]
            if theirs and float(item["lease_until"]["N"]) >= now:  # type: ignore[index]
                raise _failed("ConditionalCheckFailedException")
            self._store(
                {
                    **kwargs["Key"],
                    "lease_until": values[":until"],
                    "lease_owner": values[":owner"],
                }
            )
        else:  # a back-off, of an item that is still there
            if item is None:
                raise _failed("ConditionalCheckFailedException")
            item |= {
                "lease_until": values[":until"],
                "attempts": values[":attempts"],
                "last_error": values[":error"],
            }

    async def batch_write_item(self, **kwargs: Any) -> dict[str, Any]:
        self._count("batch_write_item")
        await asyncio.sleep(0)
        [requests] = kwargs["RequestItems"].values()
        assert len(requests) <= 25
        for request in requests:
            key = request["DeleteRequest"]["Key"]
            self.items.pop((key["pk"]["S"], key["sk"]["S"]), None)
        return {"UnprocessedItems": {}}

    async def transact_write_items(self, **kwargs: Any) -> None:
        self._count("transact_write_items")
        await asyncio.sleep(0)
        for write in kwargs["TransactItems"]:
            if "Delete" in write:
                delete = write["Delete"]
                if (delete["Key"]["pk"]["S"], delete["Key"]["sk"]["S"]) not in self.items:
                    raise _failed("TransactionCanceledException")
        for write in kwargs["TransactItems"]:
            if "Delete" in write:
                key = (write["Delete"]["Key"]["pk"]["S"], write["Delete"]["Key"]["sk"]["S"])
                self.items.pop(key)
            elif "Put" in write:
                self._store(dict(write["Put"]["Item"]))


class FakePublisher:
    def __init__(self, refuse: set[str] | None = None, down: bool = False) -> None:
        self.sent: list[str] = []
        self.calls = 0
        self.refuse = refuse or set()
        self.down = down

    async def publish(self, messages: Sequence[tuple[str, str, str]]) -> PublishResult:
        self.calls += 1
        await asyncio.sleep(0)
        if self.down:
            raise ConnectionError("broker down")
        ids = [message_id for message_id, _, _ in messages if message_id not in self.refuse]
        self.sent += ids
        refused = [m for m, _, _ in messages if m in self.refuse]
        return PublishResult(ids, refused, dict.fromkeys(refused, "InvalidParameter: too big"))


def _relay(table: FakeTable, publisher: FakePublisher, **options: Any) -> DynamoOutboxRelay:
    return DynamoOutboxRelay(cast(Any, table), "t", publisher, **options)


def _expire_holds(table: FakeTable) -> None:
    """Let the items' holds and backoffs run out (not the relays' partition leases)."""
    for item in table.outbox():
        if "lease_until" in item:
            item["lease_until"] = {"N": str(time.time() - 1)}


def test_items_spread_over_every_partition_by_message_id() -> None:
    table = FakeTable()
    for i in range(200):
        table.put(f"m-{i}")
    partitions = {pk for pk, _ in table.items}
    assert partitions == {f"OUTBOX#{i}" for i in range(PARTITIONS)}
    assert outbox_partition("m-7") == outbox_partition("m-7")


async def test_one_sweep_reads_every_partition_and_sends_all_in_batched_calls() -> None:
    table, publisher = FakeTable(), FakePublisher()
    for i in range(100):
        table.put(f"m-{i}")
    assert await _relay(table, publisher).relay_once() == 100
    assert sorted(publisher.sent) == sorted(f"m-{i}" for i in range(100))
    assert table.outbox() == []
    # Per partition: one lease, one read, one publish (batched by ten inside); the
    # partitions' deletes, at once, share calls of 25.
    assert table.calls["update_item"] == PARTITIONS
    assert table.calls["query"] == PARTITIONS
    assert publisher.calls == PARTITIONS
    assert table.calls["batch_write_item"] == 100 // 25


async def test_batch_size_bounds_each_partition_read() -> None:
    table, publisher = FakeTable(), FakePublisher()
    for i in range(60):
        table.put(f"m-{i}")
    relay = _relay(table, publisher, batch_size=2)
    assert await relay.relay_once() == 2 * PARTITIONS
    while await relay.relay_once():
        pass
    assert sorted(publisher.sent) == sorted(f"m-{i}" for i in range(60))


async def test_two_relays_racing_never_send_one_item_twice() -> None:
    table, publisher = FakeTable(), FakePublisher()
    for i in range(300):
        table.put(f"m-{i}")
    first, second = _relay(table, publisher), _relay(table, publisher)
    claimed = await asyncio.gather(first.relay_once(), second.relay_once())
    assert sum(claimed) == 300
    assert sorted(publisher.sent) == sorted(f"m-{i}" for i in range(300))
    holders = {item["lease_owner"]["S"] for (pk, _), item in table.items.items() if pk == LEASES_PK}
    assert len([k for k in table.items if k[0] == LEASES_PK]) == PARTITIONS
    assert holders <= {first.owner, second.owner}


async def test_a_partition_passes_to_another_relay_only_when_its_lease_runs_out() -> None:
    table, publisher = FakeTable(), FakePublisher()
    first, second = _relay(table, publisher), _relay(table, publisher)
    assert await first.relay_once() == 0  # takes every partition's lease
    for i in range(20):
        table.put(f"m-{i}")
    assert await second.relay_once() == 0
    for (pk, _), lease in table.items.items():
        if pk == LEASES_PK:
            lease["lease_until"] = {"N": str(time.time() - 1)}
    second._next_try.clear()  # as if it had waited
    assert await second.relay_once() == 20
    assert await first.relay_once() == 0  # it no longer holds anything
    assert sorted(publisher.sent) == sorted(f"m-{i}" for i in range(20))


async def test_an_item_held_by_its_committer_is_left_to_it_until_the_hold_expires() -> None:
    table, publisher = FakeTable(), FakePublisher()
    table.put("m-1", held_by="someone", hold_seconds=30)
    relay = _relay(table, publisher)
    assert await relay.relay_once() == 0
    _expire_holds(table)
    assert await relay.relay_once() == 1
    assert publisher.sent == ["m-1"]


async def test_a_broker_outage_keeps_every_item_backs_off_and_counts_no_attempt() -> None:
    table = FakeTable()
    table.put("m-1")
    relay = _relay(table, FakePublisher(down=True), retry=RetryPolicy(max_attempts=1))
    assert await relay.relay_once() == 1
    [item] = table.outbox()
    assert float(item["lease_until"]["N"]) > time.time()
    assert item["attempts"]["N"] == "0"
    assert table.parked() == []


async def test_a_refused_item_backs_off_while_the_rest_go() -> None:
    table, publisher = FakeTable(), FakePublisher(refuse={"m-2"})
    for i in range(1, 4):
        table.put(f"m-{i}")
    relay = _relay(table, publisher)
    assert await relay.relay_once() == 3
    [item] = table.outbox()
    assert item["message_id"]["S"] == "m-2"
    assert item["attempts"]["N"] == "1"
    assert "too big" in item["last_error"]["S"]
    assert await relay.relay_once() == 0  # not before its backoff
    assert sorted(publisher.sent) == ["m-1", "m-3"]


async def test_an_item_refused_n_times_is_parked_with_its_error_and_count() -> None:
    table, publisher = FakeTable(), FakePublisher(refuse={"m-bad"})
    table.put("m-bad")
    table.put("m-good")
    relay = _relay(table, publisher, retry=RetryPolicy(max_attempts=3))
    before = parked_total()
    for _ in range(3):
        await relay.relay_once()
        _expire_holds(table)
    assert table.outbox() == []
    [parked] = table.parked()
    assert parked["message_id"]["S"] == "m-bad"
    assert parked["attempts"]["N"] == "3"
    assert parked["home_pk"]["S"] == outbox_partition("m-bad")
    assert "too big" in parked["last_error"]["S"]
    assert "lease_until" not in parked
    assert parked_total() == before + 1
    assert publisher.sent == ["m-good"]
    assert await relay.relay_once() == 0  # a parked item is swept no more


class FakeUnitOfWorkTable(FakeTable):
    async def transact_write_items(self, **kwargs: Any) -> None:
        for write in kwargs["TransactItems"]:
            self._store(dict(write["Put"]["Item"]))

    async def put_item(self, **put: Any) -> None:  # a unit of work of one put
        self._store(dict(put["Item"]))


def _committing(table: FakeTable, publisher: FakePublisher | DirectPublisher) -> DynamoUnitOfWork:
    direct = (
        publisher
        if isinstance(publisher, DirectPublisher)
        else DirectPublisher(cast(Any, table), "t", publisher)
    )
    return DynamoUnitOfWork(cast(Any, table), "t", source="test", direct=direct)


async def test_a_commit_publishes_at_once_and_deletes_its_outbox_item_soon() -> None:
    table, publisher = FakeUnitOfWorkTable(), FakePublisher()
    direct = DirectPublisher(cast(Any, table), "t", publisher, delete_linger_seconds=0.05)
    uow = _committing(table, direct)
    uow.publish(_message())
    assert await uow.commit()
    assert len(publisher.sent) == 1
    assert len(table.outbox()) == 1  # the commit did not wait for its delete: still held
    assert await _relay(table, FakePublisher()).relay_once() == 0
    await asyncio.sleep(0.1)
    assert table.outbox() == []


async def test_deletes_a_linger_apart_share_one_call() -> None:
    table, publisher = FakeUnitOfWorkTable(), FakePublisher()
    direct = DirectPublisher(cast(Any, table), "t", publisher, delete_linger_seconds=0.2)
    for _ in range(3):
        uow = _committing(table, direct)
        uow.publish(_message())
        assert await uow.commit()
        await asyncio.sleep(0.02)
    assert len(publisher.sent) == 3
    await direct.flush()
    assert table.outbox() == []
    assert table.calls["batch_write_item"] == 1


async def test_what_the_committer_could_not_send_is_held_then_swept_by_the_relay() -> None:
    table, down = FakeUnitOfWorkTable(), FakePublisher(down=True)
    uow = _committing(table, down)
    uow.publish(_message())
    assert await uow.commit()  # stored, though not sent
    [item] = table.outbox()
    publisher = FakePublisher()
    relay = _relay(table, publisher)
    assert await relay.relay_once() == 0  # held for its committer
    _expire_holds(table)
    assert await relay.relay_once() == 1
    assert publisher.sent == [item["message_id"]["S"]]


async def test_publish_at_once_and_a_relay_racing_send_each_message_once() -> None:
    table, publisher = FakeUnitOfWorkTable(), FakePublisher()
    relay = _relay(table, publisher)
    direct = DirectPublisher(cast(Any, table), "t", publisher)

    async def commit_one() -> None:
        uow = _committing(table, direct)
        uow.publish(_message())
        await uow.commit()

    await asyncio.gather(*(commit_one() for _ in range(50)), relay.relay_once(), relay.relay_once())
    await direct.flush()
    await relay.relay_once()
    assert len(publisher.sent) == len(set(publisher.sent)) == 50
    assert table.outbox() == []


async def test_commits_at_once_share_their_publish_and_delete_calls() -> None:
    table, publisher = FakeUnitOfWorkTable(), FakePublisher()
    direct = DirectPublisher(cast(Any, table), "t", publisher)

    async def commit_one() -> None:
        uow = DynamoUnitOfWork(cast(Any, table), "t", source="test", direct=direct)
        uow.publish(_message())
        assert await uow.commit()

    await asyncio.gather(*(commit_one() for _ in range(50)))
    await direct.flush()
    assert len(publisher.sent) == len(set(publisher.sent)) == 50
    assert table.outbox() == []
    # Fifty commits, one direct publisher: calls of ten and of 25, not fifty of each.
    assert publisher.calls <= 1 + 50 // 10
    assert table.calls["batch_write_item"] <= 1 + 50 // 25


class UnprocessingTable(FakeUnitOfWorkTable):
    """Leaves the last key of a `BatchWriteItem` call unprocessed the first `times` calls."""

    def __init__(self, times: int) -> None:
        super().__init__()
        self.times = times

    async def batch_write_item(self, **kwargs: Any) -> dict[str, Any]:
        if self.times <= 0:
            return await super().batch_write_item(**kwargs)
        self.times -= 1
        [(table, requests)] = kwargs["RequestItems"].items()
        await super().batch_write_item(RequestItems={table: requests[:-1]})
        return {"UnprocessedItems": {table: requests[-1:]}}


async def test_deletes_left_unprocessed_are_tried_again() -> None:
    table = UnprocessingTable(times=2)
    direct = DirectPublisher(cast(Any, table), "t", FakePublisher())

    async def commit_one() -> None:
        uow = DynamoUnitOfWork(cast(Any, table), "t", source="test", direct=direct)
        uow.publish(_message())
        assert await uow.commit()

    await asyncio.gather(*(commit_one() for _ in range(3)))
    await direct.flush()
    assert table.outbox() == []
    assert table.calls["batch_write_item"] == 3  # all three at once, then the last key twice


class BatchRefusingPublisher(FakePublisher):
    """Refuses a whole call that carries a message it can never take, as SNS does with a
    batch over its size limit."""

    async def publish(self, messages: Sequence[tuple[str, str, str]]) -> PublishResult:
        if any(m in self.refuse for m, _, _ in messages):
            response: Any = {
                "Error": {"Code": "BatchRequestTooLong", "Message": "too long"},
                "ResponseMetadata": {"HTTPStatusCode": 400},
            }
            raise ClientError(response, "Publish")
        return await super().publish(messages)


async def test_a_message_that_fails_its_whole_batch_fails_alone() -> None:
    table, publisher = FakeTable(), BatchRefusingPublisher(refuse={"m-bad"})
    for name in ("m-1", "m-bad", "m-2"):
        table.put(name)
    assert await _relay(table, publisher).relay_once() == 3
    assert sorted(publisher.sent) == ["m-1", "m-2"]
    [item] = table.outbox()
    assert item["message_id"]["S"] == "m-bad"
    assert item["attempts"]["N"] == "1"
    assert "BatchRequestTooLong" in item["last_error"]["S"]


async def test_a_stopped_relay_gives_its_partitions_to_the_next_at_once() -> None:
    table, publisher = FakeTable(), FakePublisher()
    first, second = _relay(table, publisher), _relay(table, publisher)
    stop = asyncio.Event()
    stop.set()
    await first.relay_once()
    await first.run(stop)  # stops at once, and releases
    table.put("m-1")
    assert await second.relay_once() == 1


class StalledPublisher(FakePublisher):
    async def publish(self, messages: Sequence[tuple[str, str, str]]) -> PublishResult:
        await asyncio.sleep(60)
        return await super().publish(messages)


async def test_a_stalled_broker_keeps_a_committer_waiting_no_longer_than_it_gives_up() -> None:
    table = FakeUnitOfWorkTable()
    direct = DirectPublisher(cast(Any, table), "t", StalledPublisher(), give_up_seconds=0.05)
    uow = DynamoUnitOfWork(cast(Any, table), "t", source="test", direct=direct)
    uow.publish(_message())
    started = time.monotonic()
    assert await uow.commit()
    assert time.monotonic() - started < 1
    assert len(table.outbox()) == 1  # left, held, for the relay


async def _run_for(relay: DynamoOutboxRelay, seconds: float) -> None:
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    await asyncio.sleep(seconds)
    stop.set()
    await running


async def test_an_idle_relay_sweeps_less_and_less_often() -> None:
    """Pauses of 0.05, 0.1, 0.2, 0.4 and then 0.5 s: seven sweeps in two seconds, not forty."""
    table = FakeTable()
    relay = _relay(table, FakePublisher(), poll_seconds=0.05, idle_seconds=0.5)
    await _run_for(relay, 2.0)
    assert 5 * PARTITIONS <= table.calls["query"] <= 8 * PARTITIONS


async def test_an_idle_relay_sweeps_again_when_an_item_it_saw_waiting_is_due() -> None:
    """An item its committer holds for 0.8 s goes out soon after, though the relay's idle
    pauses alone would have brought it back only at 1.55 s."""
    table, publisher = FakeTable(), FakePublisher()
    table.put("m-1", held_by="someone", hold_seconds=0.8)
    relay = _relay(table, publisher, poll_seconds=0.05, idle_seconds=5)
    await _run_for(relay, 1.3)
    assert publisher.sent == ["m-1"]
