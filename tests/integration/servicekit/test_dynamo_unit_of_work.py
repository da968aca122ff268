"""The kit's DynamoDB unit of work against the emulator's own cancellation reasons: a message
handled before and a state write whose condition fails read as "nothing to do"; a cancellation
for any other reason raises, stores nothing, and the message's next delivery does the work.
(The emulator never throttles nor reports a conflict; those reasons are put in front of it.)
Shared batch writes, against its refusal of a call that names one key twice."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from basket.domain import commands
from basket.domain.model import Basket
from basket.service_layer import handlers
from basket.service_layer.unit_of_work import BasketUnitOfWork
from servicekit.dynamo import DynamoUnitOfWork, TransactionFailedError
from servicekit.messaging.batching import TableWrites
from tests.support.requests import scratch_table

pytestmark = pytest.mark.integration


@pytest.fixture
async def table(aws_endpoint: str) -> AsyncIterator[tuple[Any, str]]:
    async with scratch_table("uow-test") as (dynamodb, name):
        yield dynamodb, name


class Throttled:
    """The emulator behind a DynamoDB that throttles the next `times` transactions, as
    DynamoDB reports it: the transaction cancelled, one reason per item."""

    def __init__(self, dynamodb: Any, times: int) -> None:
        self._dynamodb = dynamodb
        self.times = times
        self.throttled = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._dynamodb, name)

    async def transact_write_items(self, **kwargs: Any) -> Any:
        if self.throttled < self.times:
            self.throttled += 1
            others = len(kwargs["TransactItems"]) - 1
            reasons: list[Any] = [{"Code": "ThrottlingError"}] + [{"Code": "None"}] * others
            raise ClientError(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "throttled"},
                    "CancellationReasons": reasons,
                },
                "TransactWriteItems",
            )
        return await self._dynamodb.transact_write_items(**kwargs)


def _put(table: str, pk: str, **extra: Any) -> Any:
    return {"Put": {"TableName": table, "Item": {"pk": {"S": pk}, "sk": {"S": "ITEM"}}, **extra}}


async def _item(dynamodb: Any, table: str, pk: str, sk: str = "ITEM") -> dict[str, Any] | None:
    response = await dynamodb.get_item(
        TableName=table, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True
    )
    item: dict[str, Any] | None = response.get("Item")
    return item


async def test_a_message_handled_before_and_a_failed_condition_read_as_nothing_to_do(
    table: tuple[Any, str],
) -> None:
    dynamodb, name = table
    uow = DynamoUnitOfWork(dynamodb, name, source="test")
    uow.write(_put(name, "A"))
    uow.claim("m-1", "handler")
    assert await uow.commit() is True

    uow.write(_put(name, "B"))
    uow.claim("m-1", "handler")  # the same message again
    assert await uow.commit() is False
    assert await _item(dynamodb, name, "B") is None

    uow.write(_put(name, "A", ConditionExpression="attribute_not_exists(pk)"))
    uow.claim("m-2", "handler")
    assert await uow.commit() is False  # the state write's condition, as a handler sees it
    assert await _item(dynamodb, name, "INBOX#m-2", "handler") is None


async def test_any_other_cancellation_raises_and_stores_nothing(table: tuple[Any, str]) -> None:
    dynamodb, name = table
    uow = DynamoUnitOfWork(dynamodb, name, source="test")
    # Adding to an attribute the item lacks: the emulator cancels with a ValidationError.
    uow.write(
        {
            "Update": {
                "TableName": name,
                "Key": {"pk": {"S": "A"}, "sk": {"S": "ITEM"}},
                "UpdateExpression": "SET n = n + :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        }
    )
    uow.claim("m-1", "handler")
    with pytest.raises(TransactionFailedError) as raised:
        await uow.commit()
    assert "ValidationError" in raised.value.reasons
    # Not recorded as handled: the message's next delivery still does its work.
    assert await _item(dynamodb, name, "INBOX#m-1", "handler") is None


async def test_a_throttled_transaction_is_tried_again(table: tuple[Any, str]) -> None:
    dynamodb, name = table
    throttled = Throttled(dynamodb, times=1)
    uow = DynamoUnitOfWork(throttled, name, source="test")  # type: ignore[arg-type]
    uow.write(_put(name, "A"))
    uow.claim("m-1", "handler")
    assert await uow.commit() is True
    assert throttled.throttled == 1
    assert await _item(dynamodb, name, "A") is not None


async def test_a_throttled_reopening_leaves_the_basket_to_the_next_delivery(
    table: tuple[Any, str],
) -> None:
    """An order's cancellation reopens its basket. Throttled throughout one delivery, it
    raises (the event is not acknowledged) instead of reading as "not frozen for this order",
    which acknowledged the event and left the basket frozen for good."""
    dynamodb, name = table
    user, order_id = f"user-{uuid.uuid4().hex[:8]}", uuid.uuid4()
    frozen = BasketUnitOfWork(dynamodb, name, ttl_seconds=3600)
    frozen.baskets.check_out(
        Basket(user_id=user, order_id=order_id, updated_at=datetime.now(UTC)),
        Basket(user_id=user),
        "key-1",
        "hash",
    )
    assert await frozen.commit() is True

    reopen = commands.ReopenBasket(user_id=user, order_id=order_id)
    throttled = Throttled(dynamodb, times=10)
    with pytest.raises(TransactionFailedError):
        await handlers.reopen_basket(
            reopen,
            BasketUnitOfWork(throttled, name, ttl_seconds=3600),  # type: ignore[arg-type]
        )
    assert (await BasketUnitOfWork(dynamodb, name, 3600).baskets.get(user)).order_id == order_id

    assert await handlers.reopen_basket(reopen, BasketUnitOfWork(dynamodb, name, 3600)) is True
    assert (await BasketUnitOfWork(dynamodb, name, 3600).baskets.get(user)).order_id is None
    # A redelivery after that: the basket is not frozen for the order, nothing to do.
    assert await handlers.reopen_basket(reopen, BasketUnitOfWork(dynamodb, name, 3600)) is False


async def test_shared_puts_of_one_item_at_once_go_in_one_call_that_dynamodb_takes(
    table: tuple[Any, str],
) -> None:
    dynamodb, name = table
    item = {"pk": {"S": f"N#{uuid.uuid4()}"}, "sk": {"S": "ITEM"}, "body": {"S": "hello"}}
    other = {"pk": {"S": f"N#{uuid.uuid4()}"}, "sk": {"S": "ITEM"}, "body": {"S": "world"}}
    # DynamoDB refuses a whole call that names one key twice.
    with pytest.raises(ClientError) as refused:
        await dynamodb.batch_write_item(
            RequestItems={name: [{"PutRequest": {"Item": item}}, {"PutRequest": {"Item": item}}]}
        )
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    # One message delivered twice and handled together, beside another: one call, all stored.
    writes = TableWrites(dynamodb, name)
    await asyncio.gather(
        *(writes.write([{"PutRequest": {"Item": i}}]) for i in (item, item, other))
    )
    for expected in (item, other):
        key = {"pk": expected["pk"], "sk": expected["sk"]}
        stored = await dynamodb.get_item(TableName=name, Key=key, ConsistentRead=True)
        assert stored["Item"] == expected
