"""A checkout and its order's confirmation against the emulator's table, with the requests
each sends counted: a checkout reads its basket and its idempotency key in one `BatchGetItem`,
and a confirmation reads nothing (its delete's condition is the check that the basket is
frozen for the order). Each still answers as it did with a read apiece: one order per key, a
key reused with another body refused, a key stored before requests were hashed honoured, a
redelivered confirmation or another order's changing nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from basket.domain import commands
from basket.domain.errors import IdempotencyKeyReusedError
from basket.domain.model import ProductSnapshot
from basket.service_layer import handlers
from basket.service_layer.unit_of_work import BasketUnitOfWork
from servicekit.messaging.dynamo_outbox import PARTITIONS
from tests.support.requests import counted, scratch_table

pytestmark = pytest.mark.integration


class Table:
    """A throwaway baskets table, and fresh units of work on it."""

    def __init__(self, dynamodb: Any, name: str) -> None:
        self.dynamodb = dynamodb
        self.name = name

    def uow(self) -> BasketUnitOfWork:
        return BasketUnitOfWork(self.dynamodb, self.name, ttl_seconds=3600)

    async def item(self, pk: str, sk: str) -> dict[str, Any] | None:
        response = await self.dynamodb.get_item(
            TableName=self.name, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True
        )
        item: dict[str, Any] | None = response.get("Item")
        return item

    async def outbox(self) -> int:
        total = 0
        for i in range(PARTITIONS):
            response = await self.dynamodb.query(
                TableName=self.name,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": f"OUTBOX#{i}"}},
                Select="COUNT",
                ConsistentRead=True,
            )
            total += int(response["Count"])
        return total


@pytest.fixture
async def table(aws_endpoint: str) -> AsyncIterator[Table]:
    async with scratch_table("baskets-test") as (dynamodb, name):
        yield Table(dynamodb, name)


class Catalog:
    def __init__(self, *products: ProductSnapshot) -> None:
        self._products = {p.id: p for p in products}

    async def get(self, product_id: uuid.UUID) -> ProductSnapshot | None:
        return self._products.get(product_id)


def _product(sku: str) -> ProductSnapshot:
    return ProductSnapshot(uuid.uuid4(), sku, "Test", Decimal("12.50"), "EUR", True, 1)


def _checkout(user: str, key: str, token: str = "tok_visa") -> commands.CheckOut:
    return commands.CheckOut(user, key, token, None)


async def _filled(table: Table, user: str) -> tuple[ProductSnapshot, ProductSnapshot]:
    mug, book = _product("MUG-1"), _product("BOOK-1")
    catalog = Catalog(mug, book)
    for product in (mug, book):
        add = commands.SetItemQuantity(user, product.id, 1)
        await handlers.set_item_quantity(add, table.uow(), catalog)
    return mug, book


async def test_a_checkout_reads_its_basket_and_key_in_one_request(table: Table) -> None:
    user = f"user-{uuid.uuid4().hex[:8]}"
    await _filled(table, user)
    with counted() as sent:
        order_id = await handlers.check_out(_checkout(user, "k1"), table.uow())
    assert sent == {"dynamodb.BatchGetItem": 1, "dynamodb.TransactWriteItems": 1}

    # The same key and body: the same order, from the one read, with nothing written.
    with counted() as sent:
        assert await handlers.check_out(_checkout(user, "k1"), table.uow()) == order_id
    assert sent == {"dynamodb.BatchGetItem": 1}
    # The same key with another body is refused (the API's 422).
    with pytest.raises(IdempotencyKeyReusedError):
        await handlers.check_out(_checkout(user, "k1", "tok_other"), table.uow())
    # Another key on the frozen basket: its order.
    assert await handlers.check_out(_checkout(user, "k2"), table.uow()) == order_id
    assert await table.outbox() == 1  # one PlaceOrder

    # A key a checkout stored before requests were hashed answers with its order.
    earlier = uuid.uuid4()
    await table.dynamodb.put_item(
        TableName=table.name,
        Item={
            "pk": {"S": f"USER#{user}"},
            "sk": {"S": "CHECKOUT#old"},
            "order_id": {"S": str(earlier)},
        },
    )
    assert await handlers.check_out(_checkout(user, "old", "tok_x"), table.uow()) == earlier
    assert await table.outbox() == 1


async def test_a_confirmed_order_empties_its_basket_without_reading_it(table: Table) -> None:
    user = f"user-{uuid.uuid4().hex[:8]}"
    mug, book = await _filled(table, user)
    order_id = await handlers.check_out(_checkout(user, "k1"), table.uow())
    assert await table.uow().baskets.holders(mug.id) == [user]
    confirmed = commands.FinishCheckout(user, order_id, frozenset({mug.id, book.id}))

    with counted() as sent:
        assert await handlers.finish_checkout(confirmed, table.uow()) is True
    assert sent == {"dynamodb.TransactWriteItems": 1}
    assert await table.item(f"USER#{user}", "BASKET") is None
    # Its membership items went with it: a price change no longer finds the basket.
    for product in (mug, book):
        assert await table.item(f"PRODUCT#{product.id}", f"USER#{user}") is None
        assert await table.uow().baskets.holders(product.id) == []

    # A redelivery: nothing is frozen for the order any more, and nothing changes.
    assert await handlers.finish_checkout(confirmed, table.uow()) is False
    # The key still answers with its order, and the emptied basket is not checked out again.
    assert await handlers.check_out(_checkout(user, "k1"), table.uow()) == order_id
    assert await table.item(f"USER#{user}", "BASKET") is None
    assert await table.outbox() == 1


async def test_another_orders_confirmation_leaves_the_basket_and_its_holders(
    table: Table,
) -> None:
    user = f"user-{uuid.uuid4().hex[:8]}"
    mug, book = await _filled(table, user)
    order_id = await handlers.check_out(_checkout(user, "k1"), table.uow())
    other = commands.FinishCheckout(user, uuid.uuid4(), frozenset({mug.id, book.id}))
    assert await handlers.finish_checkout(other, table.uow()) is False
    assert (await table.uow().baskets.get(user)).order_id == order_id
    for product in (mug, book):
        assert await table.uow().baskets.holders(product.id) == [user]
