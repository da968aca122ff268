"""The kit's DynamoDB unit of work: one transaction of state, outbox and inbox items."""

import asyncio
import json
from typing import Any, ClassVar, cast

import pytest
from botocore.exceptions import ClientError

from servicekit.dynamo import DynamoRepository, DynamoUnitOfWork, TransactionFailedError
from servicekit.errors import BusyError
from servicekit.messaging.batching import TableWrites
from servicekit.messaging.envelope import Event


class Sent(Event):
    TYPE: ClassVar[str] = "test.Sent"

    n: int


class FakeDynamo:
    """Answers each call with the next of `errors` (None: stored), then stores."""

    def __init__(self, *errors: str | list[str] | None) -> None:
        self.calls: list[list[dict[str, Any]]] = []
        self.puts: list[dict[str, Any]] = []
        self.errors = list(errors)

    async def put_item(self, **put: Any) -> None:
        self.puts.append(put)
        error = self.errors.pop(0) if self.errors else None
        if isinstance(error, str):
            raise ClientError({"Error": {"Code": error, "Message": ""}}, "PutItem")

    async def transact_write_items(self, *, TransactItems: list[dict[str, Any]]) -> None:  # noqa: N803
        self.calls.append(TransactItems)
        error = self.errors.pop(0) if self.errors else None
        if error is None:
            return
        if isinstance(error, str):
            raise ClientError({"Error": {"Code": error, "Message": ""}}, "TransactWriteItems")
        # A cancelled transaction, with one reason per item as DynamoDB gives them.
        raise ClientError(
            {
                "Error": {"Code": "TransactionCanceledException", "Message": ""},
                "CancellationReasons": [{"Code": code} for code in error],
            },
            "TransactWriteItems",
        )


def _uow(client: FakeDynamo) -> DynamoUnitOfWork:
    uow = DynamoUnitOfWork(cast(Any, client), "things", source="test")
    uow.retry_delays = (0, 0)
    return uow


async def test_state_outbox_and_inbox_items_go_in_one_transaction() -> None:
    client = FakeDynamo()
    uow = _uow(client)
    uow.write({"Put": {"TableName": "things", "Item": {"pk": {"S": "A"}, "sk": {"S": "B"}}}})
    uow.publish(Sent(n=1))
    uow.claim("m-1", "USER#alice")
    assert await uow.commit() is True
    [(state, outbox, inbox)] = client.calls
    assert state["Put"]["Item"]["pk"] == {"S": "A"}
    envelope = json.loads(outbox["Put"]["Item"]["body"]["S"])
    assert (envelope["type"], envelope["source"], envelope["data"]) == (
        "test.Sent",
        "test",
        {"n": 1},
    )
    assert outbox["Put"]["ConditionExpression"] == "attribute_not_exists(pk)"
    assert (inbox["Put"]["Item"]["pk"], inbox["Put"]["Item"]["sk"]) == (
        {"S": "INBOX#m-1"},
        {"S": "USER#alice"},
    )
    assert inbox["Put"]["ConditionExpression"] == "attribute_not_exists(pk)"
    # Committed: the next commit starts empty and writes nothing.
    assert await uow.commit() is True
    assert len(client.calls) == 1


async def test_a_failed_condition_stores_nothing_and_empties_the_unit() -> None:
    client = FakeDynamo(["None", "ConditionalCheckFailed"])
    uow = _uow(client)
    uow.write({"Put": {"TableName": "things", "Item": {"pk": {"S": "A"}, "sk": {"S": "B"}}}})
    uow.claim("m-1", "handler")
    assert await uow.commit() is False
    assert await uow.commit() is True
    assert len(client.calls) == 1


async def test_a_conflict_or_throttling_is_tried_again_and_then_stored() -> None:
    client = FakeDynamo(["TransactionConflict", "None"], ["None", "ThrottlingError"])
    uow = _uow(client)
    uow.write({"Put": {"TableName": "things", "Item": {"pk": {"S": "A"}, "sk": {"S": "B"}}}})
    uow.claim("m-1", "handler")
    assert await uow.commit() is True
    assert len(client.calls) == 3
    assert client.calls[0] == client.calls[2]  # the same writes, conditions and all


@pytest.mark.parametrize(
    "reasons",
    [
        ["TransactionConflict", "None"],
        ["None", "ProvisionedThroughputExceeded"],
        ["ThrottlingError", "ThrottlingError"],
        # A condition failed, but another item's conflict may be why: nothing is decided.
        ["ConditionalCheckFailed", "TransactionConflict"],
    ],
)
async def test_a_cancellation_that_does_not_pass_raises_instead_of_reading_as_done(
    reasons: list[str],
) -> None:
    client = FakeDynamo(reasons, reasons, reasons, reasons)
    uow = _uow(client)
    uow.write({"Put": {"TableName": "things", "Item": {"pk": {"S": "A"}, "sk": {"S": "B"}}}})
    uow.claim("m-1", "handler")
    with pytest.raises(TransactionFailedError) as raised:
        await uow.commit()
    assert raised.value.reasons == tuple(reasons)
    assert len(client.calls) == 1 + len(uow.retry_delays)


@pytest.mark.parametrize("reasons", [["None", "ValidationError"], []])
async def test_a_cancellation_that_cannot_pass_raises_at_once(reasons: list[str]) -> None:
    client = FakeDynamo(reasons)
    uow = _uow(client)
    uow.write({"Put": {"TableName": "things", "Item": {"pk": {"S": "A"}, "sk": {"S": "B"}}}})
    uow.claim("m-1", "handler")
    with pytest.raises(TransactionFailedError):
        await uow.commit()
    assert len(client.calls) == 1


async def test_other_errors_are_raised() -> None:
    uow = _uow(FakeDynamo("ValidationException"))
    uow.write({"Put": {"TableName": "things", "Item": {"pk": {"S": "A"}, "sk": {"S": "B"}}}})
    uow.publish(Sent(n=1))
    with pytest.raises(ClientError):
        await uow.commit()


def _one_put(client: FakeDynamo) -> DynamoUnitOfWork:
    uow = _uow(client)
    uow.write(
        {
            "Put": {
                "TableName": "things",
                "Item": {"pk": {"S": "A"}, "sk": {"S": "B"}},
                "ConditionExpression": "attribute_not_exists(sk)",
            }
        }
    )
    return uow


async def test_a_single_put_is_one_conditional_write_not_a_transaction() -> None:
    client = FakeDynamo()
    assert await _one_put(client).commit() is True
    assert client.calls == []
    assert client.puts == [
        {
            "TableName": "things",
            "Item": {"pk": {"S": "A"}, "sk": {"S": "B"}},
            "ConditionExpression": "attribute_not_exists(sk)",
        }
    ]


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        ("ConditionalCheckFailedException", False),  # decided: stored before
        ("ProvisionedThroughputExceededException", TransactionFailedError),  # decided nothing
        ("TransactionConflictException", TransactionFailedError),
        ("ValidationException", ClientError),
    ],
)
async def test_a_single_put_refused_fails_as_a_transaction_would(
    code: str, outcome: bool | type[Exception]
) -> None:
    uow = _one_put(FakeDynamo(code))
    if isinstance(outcome, bool):
        assert await uow.commit() is outcome
        return
    with pytest.raises(outcome):
        await uow.commit()


class BatchWrites(FakeDynamo):
    """A table whose `BatchWriteItem` leaves the last request unprocessed the first
    `throttled` times, as DynamoDB does when it throttles."""

    def __init__(self, throttled: int = 0) -> None:
        super().__init__()
        self.throttled = throttled
        self.batches: list[list[dict[str, Any]]] = []

    async def batch_write_item(self, *, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803
        [(table, requests)] = RequestItems.items()
        if self.throttled:
            self.throttled -= 1
            self.batches.append(requests[:-1])
            return {"UnprocessedItems": {table: requests[-1:]}}
        self.batches.append(requests)
        return {"UnprocessedItems": {}}


def _shared(client: BatchWrites, table: str = "things") -> TableWrites:
    writes = TableWrites(cast(Any, client), table)
    writes.unprocessed_delays = (0, 0)
    return writes


async def _put(uow: DynamoUnitOfWork, n: int, condition: str | None = None) -> bool:
    put: Any = {"TableName": "things", "Item": {"pk": {"S": f"K{n}"}, "sk": {"S": "S"}}}
    if condition is not None:
        put["ConditionExpression"] = condition
    async with uow:
        uow.write({"Put": put})
        return await uow.commit()


async def test_puts_without_a_condition_committed_together_share_batch_calls() -> None:
    client = BatchWrites()
    shared = _shared(client)

    def uow() -> DynamoUnitOfWork:
        return DynamoUnitOfWork(cast(Any, client), "things", source="test", shared=shared)

    assert all(await asyncio.gather(*(_put(uow(), n) for n in range(30))))
    # Thirty commits at once: two calls, 25 to a call, not thirty.
    assert [len(batch) for batch in client.batches] == [25, 5]
    written = {r["PutRequest"]["Item"]["pk"]["S"] for batch in client.batches for r in batch}
    assert written == {f"K{n}" for n in range(30)}
    assert (client.puts, client.calls) == ([], [])


async def test_the_same_put_committed_twice_at_once_goes_once() -> None:
    client = BatchWrites()
    shared = _shared(client)

    def uow() -> DynamoUnitOfWork:
        return DynamoUnitOfWork(cast(Any, client), "things", source="test", shared=shared)

    # One message delivered twice and handled together: DynamoDB would refuse a call that
    # names one key twice, and with it every other put in the call.
    assert all(await asyncio.gather(_put(uow(), 1), _put(uow(), 1), _put(uow(), 2)))
    [batch] = client.batches
    assert sorted(r["PutRequest"]["Item"]["pk"]["S"] for r in batch) == ["K1", "K2"]


async def test_a_put_that_decides_something_is_not_batched() -> None:
    client = BatchWrites()
    shared = _shared(client, table="things")
    conditional = DynamoUnitOfWork(cast(Any, client), "things", source="test", shared=shared)
    assert await _put(conditional, 1, condition="attribute_not_exists(pk)")
    # Nor does a unit of work whose shared batches write to another table.
    other = DynamoUnitOfWork(
        cast(Any, client), "things", source="test", shared=_shared(client, "others")
    )
    assert await _put(other, 2)
    assert [put["Item"]["pk"]["S"] for put in client.puts] == ["K1", "K2"]
    assert client.batches == []


async def test_shared_puts_left_unprocessed_are_sent_again_and_then_not_taken_as_done() -> None:
    client = BatchWrites(throttled=2)
    uow = DynamoUnitOfWork(cast(Any, client), "things", source="test", shared=_shared(client))
    assert await _put(uow, 1)
    assert [len(batch) for batch in client.batches] == [0, 0, 1]
    client.throttled = 3
    with pytest.raises(BusyError):
        await _put(uow, 2)


class BatchReads:
    """A table of `items` whose `BatchGetItem` leaves every key unprocessed the first
    `throttled` times, as DynamoDB does when it throttles."""

    def __init__(self, items: list[dict[str, Any]], throttled: int) -> None:
        self.items = {(i["pk"]["S"], i["sk"]["S"]): i for i in items}
        self.throttled = throttled
        self.calls = 0

    async def batch_get_item(self, *, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803
        self.calls += 1
        [(table, request)] = RequestItems.items()
        assert request["ConsistentRead"] is True
        if self.throttled:
            self.throttled -= 1
            return {"Responses": {table: []}, "UnprocessedKeys": RequestItems}
        keys = [(k["pk"]["S"], k["sk"]["S"]) for k in request["Keys"]]
        found = [self.items[k] for k in keys if k in self.items]
        return {"Responses": {table: found}, "UnprocessedKeys": {}}


class Reader(DynamoRepository):
    unprocessed_delays = (0, 0)

    async def read(self, *keys: tuple[str, str]) -> list[dict[str, Any]]:
        return await self._get_items([{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in keys])


async def test_items_are_read_together_and_unprocessed_keys_asked_for_again() -> None:
    basket = {"pk": {"S": "USER#a"}, "sk": {"S": "BASKET"}}
    client = BatchReads([basket], throttled=2)
    reader = Reader(DynamoUnitOfWork(cast(Any, client), "things", source="test"))
    assert await reader.read(("USER#a", "BASKET"), ("USER#a", "CHECKOUT#k")) == [basket]
    assert client.calls == 3


async def test_keys_left_unread_are_not_taken_for_absent_items() -> None:
    client = BatchReads([{"pk": {"S": "USER#a"}, "sk": {"S": "BASKET"}}], throttled=3)
    reader = Reader(DynamoUnitOfWork(cast(Any, client), "things", source="test"))
    with pytest.raises(BusyError):
        await reader.read(("USER#a", "BASKET"))
    assert client.calls == 3
