import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ordering.adapters.repository import Recorded
from ordering.adapters.saga import saga_input
from ordering.contracts.events import OrderCancelled, OrderConfirmed, OrderPlaced
from ordering.domain import commands
from ordering.domain.errors import (
    OrderNotCancellableError,
    OrderNotConfirmableError,
    OrderNotFoundError,
    TimelineFullError,
)
from ordering.domain.model import (
    TIMELINE_LIMIT,
    CancelReason,
    Order,
    OrderLine,
    OrderStatus,
    TimelineEntry,
)
from ordering.service_layer import handlers
from servicekit.testing import SAGA_KEY, InMemoryUnitOfWork


class FakeOrders:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Order] = {}
        self.timeline: list[tuple[uuid.UUID, str]] = []
        self.entries: list[tuple[uuid.UUID, TimelineEntry]] = []

    async def get(self, order_id: uuid.UUID) -> Order | None:
        return self.rows.get(order_id)

    async def add(self, order: Order) -> bool:
        if order.id in self.rows:
            return False
        self.rows[order.id] = order
        return True

    async def save(self, order: Order) -> None:
        self.rows[order.id] = order

    async def record(self, order_id: uuid.UUID, entry: TimelineEntry) -> bool:
        if order_id not in self.rows:
            return False
        self.timeline.append((order_id, entry.step))
        self.entries.append((order_id, entry))
        return True

    def copy(self) -> "FakeOrders":
        copied = FakeOrders()
        copied.rows, copied.timeline = dict(self.rows), list(self.timeline)
        copied.entries = list(self.entries)
        return copied


class FakeUnitOfWork(InMemoryUnitOfWork):
    """Orders changed in place; a transaction rolled back puts back what it began with."""

    def __init__(self) -> None:
        super().__init__()
        self.orders = self._saved = FakeOrders()

    def begin(self) -> None:
        self._saved = self.orders.copy()

    def roll_back(self) -> None:
        self.orders = self._saved.copy()


class FakeSaga:
    def __init__(self) -> None:
        self.started: list[tuple[uuid.UUID, str]] = []

    async def start(self, order: Order, payment_token: str) -> None:
        self.started.append((order.id, payment_token))


def _place(order_id: uuid.UUID | None = None, message_id: str = "m1") -> commands.PlaceOrder:
    line = OrderLine(uuid.uuid4(), "MUG-001", "Mug", 2, Decimal("12.50"))
    return commands.PlaceOrder(
        message_id=message_id,
        order_id=order_id or uuid.uuid4(),
        user_id="alice",
        lines=(line,),
        currency="EUR",
        payment_token="tok_visa",
        shipping_address=None,
    )


async def test_placing_stores_the_order_publishes_and_starts_the_saga() -> None:
    uow, saga = FakeUnitOfWork(), FakeSaga()
    order = await handlers.place_order(_place(), uow, saga)
    assert uow.orders.rows[order.id].total == Decimal("25.00")
    assert uow.published == [OrderPlaced.of(order)]
    assert saga.started == [(order.id, "tok_visa")]
    assert uow.orders.timeline == [(order.id, "PLACED")]


async def test_a_redelivered_place_order_stores_nothing_new_but_makes_sure_the_saga_runs() -> None:
    uow, saga = FakeUnitOfWork(), FakeSaga()
    cmd = _place()
    await handlers.place_order(cmd, uow, saga)
    await handlers.place_order(cmd, uow, saga)
    await handlers.place_order(replace(cmd, message_id="m2"), uow, saga)
    assert len(uow.orders.rows) == 1
    assert len(uow.published) == 1
    assert len(saga.started) == 3  # starting is idempotent by execution name


async def test_confirmation_publishes_once() -> None:
    uow, saga = FakeUnitOfWork(), FakeSaga()
    order = await handlers.place_order(_place(), uow, saga)
    confirmed = await handlers.confirm_order(commands.ConfirmOrder(order.id), uow)
    again = await handlers.confirm_order(commands.ConfirmOrder(order.id), uow)
    assert confirmed.status is again.status is OrderStatus.CONFIRMED
    assert [e.TYPE for e in uow.published] == [OrderPlaced.TYPE, OrderConfirmed.TYPE]


async def test_a_customers_cancellation_is_honoured_at_confirmation() -> None:
    uow, saga = FakeUnitOfWork(), FakeSaga()
    order = await handlers.place_order(_place(), uow, saga)
    requested = await handlers.request_cancellation(
        commands.RequestCancellation(order.id, "alice"), uow
    )
    assert (requested.status, requested.cancel_requested) == (OrderStatus.PENDING, True)
    with pytest.raises(OrderNotConfirmableError):
        await handlers.confirm_order(commands.ConfirmOrder(order.id), uow)
    cancelled = await handlers.cancel_order(
        commands.CancelOrder(order.id, CancelReason.CANCELLED_BY_CUSTOMER), uow
    )
    assert (cancelled.status, cancelled.reason) == (
        OrderStatus.CANCELLED,
        CancelReason.CANCELLED_BY_CUSTOMER,
    )
    assert isinstance(uow.published[-1], OrderCancelled)
    assert uow.published[-1].reason == "CANCELLED_BY_CUSTOMER"


async def test_only_the_owner_may_cancel_and_not_once_confirmed() -> None:
    uow, saga = FakeUnitOfWork(), FakeSaga()
    order = await handlers.place_order(_place(), uow, saga)
    with pytest.raises(OrderNotFoundError):
        await handlers.request_cancellation(commands.RequestCancellation(order.id, "bob"), uow)
    await handlers.confirm_order(commands.ConfirmOrder(order.id), uow)
    with pytest.raises(OrderNotCancellableError):
        await handlers.request_cancellation(commands.RequestCancellation(order.id, "alice"), uow)


@pytest.mark.parametrize(
    "reason",
    [
        CancelReason.OUT_OF_STOCK,
        CancelReason.PAYMENT_DECLINED,
        CancelReason.CANCELLED_BY_CUSTOMER,
        CancelReason.INVALID_ORDER,
    ],
)
async def test_a_confirmed_order_is_not_cancelled_for_what_came_before_it(
    reason: CancelReason,
) -> None:
    uow, saga = FakeUnitOfWork(), FakeSaga()
    order = await handlers.place_order(_place(), uow, saga)
    confirmed = await handlers.confirm_order(commands.ConfirmOrder(order.id), uow)
    with pytest.raises(OrderNotCancellableError):
        await handlers.cancel_order(commands.CancelOrder(order.id, reason), uow)
    assert await uow.orders.get(order.id) == confirmed
    assert [e.TYPE for e in uow.published] == [OrderPlaced.TYPE, OrderConfirmed.TYPE]


@pytest.mark.parametrize("reason", [CancelReason.TIMEOUT, CancelReason.FAILED])
async def test_a_confirmed_order_is_undone_when_what_came_after_it_failed(
    reason: CancelReason,
) -> None:
    uow, saga = FakeUnitOfWork(), FakeSaga()
    order = await handlers.place_order(_place(), uow, saga)
    await handlers.confirm_order(commands.ConfirmOrder(order.id), uow)
    cancelled = await handlers.cancel_order(commands.CancelOrder(order.id, reason), uow)
    assert (cancelled.status, cancelled.reason) == (OrderStatus.CANCELLED, reason)


async def test_cancelling_twice_publishes_once() -> None:
    uow, saga = FakeUnitOfWork(), FakeSaga()
    order = await handlers.place_order(_place(), uow, saga)
    for _ in range(2):
        await handlers.cancel_order(commands.CancelOrder(order.id, CancelReason.OUT_OF_STOCK), uow)
    assert [e.TYPE for e in uow.published] == [OrderPlaced.TYPE, OrderCancelled.TYPE]


async def test_the_saga_input_carries_the_order_with_money_as_strings() -> None:
    uow = FakeUnitOfWork()
    order = await handlers.place_order(_place(), uow, FakeSaga())
    sent = json.loads(saga_input(order, "tok_visa", SAGA_KEY))
    [line] = order.lines
    assert sent == {
        "order_id": str(order.id),
        "user_id": "alice",
        "lines": [
            {
                "product_id": str(line.product_id),
                "sku": "MUG-001",
                "quantity": 2,
                "unit_price": "12.50",
            }
        ],
        "total": "25.00",
        "currency": "EUR",
        "payment_token": "tok_visa",
        # Always present, as the state machine's paths require; null outside any trace.
        "traceparent": None,
        # The execution's own secret, from which the state machine proves each command.
        "secret": SAGA_KEY.secret(str(order.id)),
    }
    assert SAGA_KEY.secret(str(uuid.uuid4())) != sent["secret"]


class FakeTimelines:
    """Step outcomes recorded on a fake unit of work's orders and inbox, as the one statement
    records them: the message claimed whatever becomes of the entry."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    async def record_once(
        self, message_id: str, order_id: uuid.UUID, entry: TimelineEntry, *, limit: int
    ) -> Recorded:
        claim = (message_id, "record_step")
        if claim in self._uow.handled:
            return Recorded.SEEN
        self._uow.handled.add(claim)
        orders = self._uow.orders
        if order_id not in orders.rows:
            return Recorded.NO_ORDER
        if sum(1 for recorded_on, _ in orders.timeline if recorded_on == order_id) >= limit:
            return Recorded.FULL
        await orders.record(order_id, entry)
        return Recorded.ADDED


def _step(order_id: uuid.UUID, message_id: str = "e1") -> commands.RecordStep:
    at = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    return commands.RecordStep(message_id, order_id, "ReserveStock", "reserved", at)


async def test_a_steps_outcome_is_recorded_once() -> None:
    uow, saga = FakeUnitOfWork(), FakeSaga()
    timelines = FakeTimelines(uow)
    order = await handlers.place_order(_place(), uow, saga)
    assert await handlers.record_step(_step(order.id), timelines)
    assert not await handlers.record_step(_step(order.id), timelines)  # the same message again
    assert uow.orders.timeline == [(order.id, "PLACED"), (order.id, "ReserveStock")]


async def test_an_outcome_beyond_the_timelines_limit_is_claimed_and_not_recorded() -> None:
    uow, saga = FakeUnitOfWork(), FakeSaga()
    timelines = FakeTimelines(uow)
    order = await handlers.place_order(_place(), uow, saga)  # PLACED: the first entry
    for n in range(1, TIMELINE_LIMIT):
        assert await handlers.record_step(_step(order.id, f"e{n}"), timelines)
    with pytest.raises(TimelineFullError):
        await handlers.record_step(_step(order.id, "one-too-many"), timelines)
    assert len(uow.orders.timeline) == TIMELINE_LIMIT
    assert ("one-too-many", "record_step") in uow.handled  # a redelivery is dropped at once
    assert not await handlers.record_step(_step(order.id, "one-too-many"), timelines)
    # The order's own entries are not step outcomes: its cancellation is still recorded.
    await handlers.cancel_order(commands.CancelOrder(order.id, CancelReason.TIMEOUT), uow)
    assert uow.orders.timeline[-1] == (order.id, "CANCELLED")


async def test_an_outcome_for_no_stored_order_is_claimed_and_dropped() -> None:
    uow, unknown = FakeUnitOfWork(), uuid.uuid4()
    assert not await handlers.record_step(_step(unknown), FakeTimelines(uow))
    assert uow.orders.timeline == []
    assert ("e1", "record_step") in uow.handled  # a redelivery finds it handled
