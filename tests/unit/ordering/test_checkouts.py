"""A `PlaceOrder` ordering could never store ends visibly: the order is rejected, with the
fields at fault, and `OrderRejected` tells the basket; nothing is left to fail forever."""

import uuid
from typing import Any

import pytest

from ordering.contracts.events import OrderPlaced, OrderRejected
from ordering.domain.model import CancelReason, OrderStatus
from ordering.entrypoints.worker import checkouts
from servicekit.messaging.consumer import PoisonMessageError
from servicekit.testing import envelope, received
from tests.unit.ordering.test_handlers import FakeSaga, FakeUnitOfWork

ADDRESS = {"name": "A", "line1": "1 Way", "city": "Town", "postal_code": "1000", "country": "NL"}


def _place(order_id: uuid.UUID, **changes: Any) -> dict[str, Any]:
    line = {
        "product_id": str(uuid.uuid4()),
        "sku": "MUG-1",
        "name": "Mug",
        "quantity": 1,
        "unit_price": "4.00",
    }
    return {
        "order_id": str(order_id),
        "user_id": "alice",
        "lines": [line],
        "currency": "EUR",
        "payment_token": "tok_visa",
        "shipping_address": ADDRESS,
    } | changes


async def test_a_storable_order_is_placed_and_its_saga_started() -> None:
    uow, saga, order_id = FakeUnitOfWork(), FakeSaga(), uuid.uuid4()
    await checkouts(lambda: uow, saga)(received(envelope("ordering.PlaceOrder", _place(order_id))))
    assert uow.orders.rows[order_id].status is OrderStatus.PENDING
    assert [type(e) for e in uow.published] == [OrderPlaced]
    assert saga.started == [(order_id, "tok_visa")]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"shipping_address": ADDRESS | {"line1": "1 Way\x00"}}, "shipping_address.line1"),
        ({"payment_token": "tok\x00"}, "payment_token"),
        ({"currency": "eur"}, "currency"),
        ({"lines": []}, "lines"),
    ],
)
async def test_an_order_ordering_cannot_store_is_rejected_once_and_starts_no_saga(
    changes: dict[str, Any], field: str
) -> None:
    uow, saga, order_id = FakeUnitOfWork(), FakeSaga(), uuid.uuid4()
    message = received(envelope("ordering.PlaceOrder", _place(order_id, **changes)))
    router = checkouts(lambda: uow, saga)
    for _ in range(2):  # a redelivery changes nothing more
        await router(message)
    order = uow.orders.rows[order_id]
    assert (order.status, order.reason, order.user_id) == (
        OrderStatus.REJECTED,
        CancelReason.INVALID_ORDER,
        "alice",
    )
    assert order.lines == ()
    assert order.shipping_address is None
    [rejected] = uow.published
    assert isinstance(rejected, OrderRejected)
    assert (rejected.order_id, rejected.user_id, rejected.reason) == (
        order_id,
        "alice",
        "INVALID_ORDER",
    )
    assert field in rejected.refused
    assert uow.orders.timeline == [(order_id, "REJECTED")]
    assert saga.started == []


async def test_a_rejection_never_overwrites_an_order_already_placed() -> None:
    uow, saga, order_id = FakeUnitOfWork(), FakeSaga(), uuid.uuid4()
    router = checkouts(lambda: uow, saga)
    await router(received(envelope("ordering.PlaceOrder", _place(order_id))))
    await router(received(envelope("ordering.PlaceOrder", _place(order_id, currency="eur"))))
    assert uow.orders.rows[order_id].status is OrderStatus.PENDING
    assert [type(e) for e in uow.published] == [OrderPlaced]


@pytest.mark.parametrize(
    "changes", [{"order_id": "not-a-uuid"}, {"user_id": ""}, {"user_id": "al\x00ice"}]
)
async def test_a_place_order_that_names_no_customer_is_poison(changes: dict[str, Any]) -> None:
    data = _place(uuid.uuid4()) | changes
    with pytest.raises(PoisonMessageError):
        await checkouts(FakeUnitOfWork, FakeSaga())(received(envelope("ordering.PlaceOrder", data)))
