"""Ordering's word on a checked-out basket, as the worker routes it: a confirmed order empties
the basket; a cancelled or rejected one gives it back to the customer; an order that is not
the basket's own changes nothing."""

import uuid

import pytest

from basket.domain import commands
from basket.entrypoints.worker import router
from basket.service_layer import handlers
from servicekit.testing import envelope, received
from tests.unit.basket.test_handlers import FakeBaskets, FakeCatalog, _checkout, _product


async def _checked_out() -> tuple[FakeBaskets, uuid.UUID]:
    mug = _product()
    baskets = FakeBaskets()
    add = commands.SetItemQuantity("alice", mug.id, 1)
    await handlers.set_item_quantity(add, baskets, FakeCatalog(mug))
    return baskets, await handlers.check_out(_checkout(user="alice"), baskets)


async def _tell(baskets: FakeBaskets, message_type: str, order_id: uuid.UUID) -> None:
    data: dict[str, object] = {"order_id": str(order_id), "user_id": "alice"}
    if message_type == "ordering.OrderConfirmed":  # it names the order's lines, as published
        lines = baskets.rows["alice"].lines.values()
        data["lines"] = [
            {"product_id": str(line.product_id), "sku": line.sku, "quantity": line.quantity}
            for line in lines
        ]
    await router(lambda: baskets)(received(envelope(message_type, data)))


async def test_a_confirmed_order_empties_its_basket() -> None:
    baskets, order_id = await _checked_out()
    [product_id] = baskets.rows["alice"].lines
    await _tell(baskets, "ordering.OrderConfirmed", order_id)
    assert "alice" not in baskets.rows
    assert await baskets.baskets.holders(product_id) == []


@pytest.mark.parametrize("message_type", ["ordering.OrderCancelled", "ordering.OrderRejected"])
async def test_a_cancelled_or_rejected_order_reopens_its_basket(message_type: str) -> None:
    baskets, order_id = await _checked_out()
    await _tell(baskets, message_type, order_id)
    basket = baskets.rows["alice"]
    assert basket.order_id is None
    assert len(basket.lines) == 1


@pytest.mark.parametrize(
    "message_type",
    ["ordering.OrderConfirmed", "ordering.OrderCancelled", "ordering.OrderRejected"],
)
async def test_another_orders_end_leaves_the_basket_checked_out(message_type: str) -> None:
    baskets, order_id = await _checked_out()
    await _tell(baskets, message_type, uuid.uuid4())
    assert baskets.rows["alice"].order_id == order_id
