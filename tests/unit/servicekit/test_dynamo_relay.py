"""The kit's DynamoDB outbox relay: leases, batches, and what a failure leaves behind."""

import time
from collections.abc import Sequence
from typing import Any, cast

from botocore.exceptions import ClientError

from servicekit.messaging.dynamo_outbox import DynamoOutboxRelay, outbox_put
from servicekit.messaging.publisher import PublishResult


class FakeTable:
    """The outbox partition of a table, with DynamoDB's conditional lease update."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def put(self, message_id: str) -> None:
        put: dict[str, Any] = dict(outbox_put("t", message_id, "test.Sent", "{}")["Put"])
        item: dict[str, Any] = dict(put["Item"])
        self.items[item["sk"]["S"]] = item

    async def query(self, **kwargs: Any) -> dict[str, Any]:
        keys = sorted(self.items)[: kwargs["Limit"]]
        return {"Items": [dict(self.items[k]) for k in keys]}

    async def update_item(self, **kwargs: Any) -> None:
        item = self.items.get(kwargs["Key"]["sk"]["S"])
        now = int(kwargs["ExpressionAttributeValues"][":now"]["N"])
        if item is None or int(item.get("lease_until", {"N": "0"})["N"]) >= now:
            raise ClientError(
                {"Error": {"Code": "ConditionalCheckFailedException", "Message": ""}}, "Update"
            )
        item["lease_until"] = kwargs["ExpressionAttributeValues"][":until"]

    async def delete_item(self, **kwargs: Any) -> None:
        self.items.pop(kwargs["Key"]["sk"]["S"], None)


class FakePublisher:
    def __init__(self, refuse: set[str] | None = None, down: bool = False) -> None:
        self.sent: list[str] = []
        self.refuse = refuse or set()
        self.down = down

    async def publish(self, messages: Sequence[tuple[str, str, str]]) -> PublishResult:
        if self.down:
            raise ConnectionError("broker down")
        ids = [message_id for message_id, _, _ in messages if message_id not in self.refuse]
        self.sent += ids
        return PublishResult(published=ids, failed=[m for m, _, _ in messages if m in self.refuse])


def _relay(table: FakeTable, publisher: FakePublisher, batch_size: int = 25) -> DynamoOutboxRelay:
    return DynamoOutboxRelay(cast(Any, table), "t", publisher, batch_size=batch_size)


async def test_items_are_sent_in_batches_and_deleted_once_sent() -> None:
    table, publisher = FakeTable(), FakePublisher()
    for i in range(5):
        table.put(f"m-{i}")
    relay = _relay(table, publisher, batch_size=2)
    assert [await relay.relay_once() for _ in range(4)] == [2, 2, 1, 0]
    assert sorted(publisher.sent) == [f"m-{i}" for i in range(5)]
    assert table.items == {}


async def test_an_item_leased_by_another_relay_is_left_to_it_until_the_lease_expires() -> None:
    table, publisher = FakeTable(), FakePublisher()
    table.put("m-1")
    [item] = table.items.values()
    item["lease_until"] = {"N": str(int(time.time()) + 30)}
    assert await _relay(table, publisher).relay_once() == 0
    item["lease_until"] = {"N": str(int(time.time()) - 1)}
    assert await _relay(table, publisher).relay_once() == 1
    assert publisher.sent == ["m-1"]


async def test_a_broker_outage_keeps_every_item_for_a_later_try() -> None:
    table = FakeTable()
    table.put("m-1")
    assert await _relay(table, FakePublisher(down=True)).relay_once() == 0
    assert len(table.items) == 1


async def test_an_item_the_broker_refused_stays_and_the_rest_go() -> None:
    table, publisher = FakeTable(), FakePublisher(refuse={"m-2"})
    for i in range(1, 4):
        table.put(f"m-{i}")
    assert await _relay(table, publisher).relay_once() == 2
    assert [item["message_id"]["S"] for item in table.items.values()] == ["m-2"]
