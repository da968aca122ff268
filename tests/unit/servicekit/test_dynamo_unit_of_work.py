"""The kit's DynamoDB unit of work: one transaction of state, outbox and inbox items."""

import json
from typing import Any, ClassVar, cast

import pytest
from botocore.exceptions import ClientError

from servicekit.dynamo import DynamoUnitOfWork
from servicekit.messaging.envelope import Event


class Sent(Event):
    TYPE: ClassVar[str] = "test.Sent"

    n: int


class FakeDynamo:
    def __init__(self, error: str | None = None) -> None:
        self.calls: list[list[dict[str, Any]]] = []
        self.error = error

    async def transact_write_items(self, *, TransactItems: list[dict[str, Any]]) -> None:  # noqa: N803
        self.calls.append(TransactItems)
        if self.error is not None:
            raise ClientError({"Error": {"Code": self.error, "Message": ""}}, "TransactWriteItems")


def _uow(client: FakeDynamo) -> DynamoUnitOfWork:
    return DynamoUnitOfWork(cast(Any, client), "things", source="test")


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
    client = FakeDynamo("TransactionCanceledException")
    uow = _uow(client)
    uow.claim("m-1", "handler")
    assert await uow.commit() is False
    client.error = None
    assert await uow.commit() is True
    assert len(client.calls) == 1


async def test_other_errors_are_raised() -> None:
    uow = _uow(FakeDynamo("ProvisionedThroughputExceededException"))
    uow.publish(Sent(n=1))
    with pytest.raises(ClientError):
        await uow.commit()
