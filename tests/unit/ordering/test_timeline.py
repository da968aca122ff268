"""The saga steps' outcomes, as inventory and payment publish them, become the order's timeline:
each step once, at the time its service published it, on the order it names."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import structlog

from ordering.domain.model import TIMELINE_LIMIT, Order, OrderLine
from ordering.entrypoints.worker import step_outcomes
from servicekit.messaging.consumer import PoisonMessageError
from servicekit.testing import envelope, received
from tests.unit.ordering.test_handlers import FakeTimelines, FakeUnitOfWork

AT = datetime(2026, 12, 1, 1, 2, 3, tzinfo=UTC)


def _stored(uow: FakeUnitOfWork) -> uuid.UUID:
    order_id = uuid.uuid4()
    line = OrderLine(uuid.uuid4(), "MUG-001", "Mug", 1, Decimal("5.00"))
    uow.orders.rows[order_id] = Order(id=order_id, user_id="alice", lines=(line,), currency="EUR")
    return order_id


PAYMENT = {"user_id": "alice", "amount": "5.00", "currency": "EUR"}

CASES = [
    (
        "inventory.StockReserved",
        {"lines": [{"sku": "MUG-001", "quantity": 1}]},
        "ReserveStock",
        "succeeded",
    ),
    (
        "inventory.StockReservationRefused",
        {"reason": "OutOfStock", "short_skus": ["MUG-001"]},
        "ReserveStock",
        "failed: OutOfStock",
    ),
    ("inventory.StockReleased", {"lines": []}, "ReleaseStock", "succeeded"),
    ("payment.PaymentAuthorized", PAYMENT, "AuthorizePayment", "succeeded"),
    (
        "payment.PaymentDeclined",
        PAYMENT | {"reason": "CARD_DECLINED"},
        "AuthorizePayment",
        "failed: PaymentDeclined",
    ),
    ("payment.PaymentCaptured", PAYMENT, "CapturePayment", "succeeded"),
    ("payment.PaymentVoided", PAYMENT, "VoidPayment", "succeeded"),
    ("payment.PaymentRefunded", PAYMENT, "RefundPayment", "succeeded"),
]


@pytest.mark.parametrize(("event_type", "data", "step", "detail"), CASES, ids=lambda v: str(v))
async def test_each_step_outcome_is_recorded_at_its_own_time(
    event_type: str, data: dict[str, object], step: str, detail: str
) -> None:
    uow = FakeUnitOfWork()
    order_id = _stored(uow)
    message = envelope(event_type, data | {"order_id": str(order_id)}, occurred_at=AT)
    await step_outcomes(FakeTimelines(uow))(received(message))
    [(recorded_on, entry)] = uow.orders.entries
    assert (recorded_on, entry.step, entry.detail, entry.at) == (order_id, step, detail, AT)


async def test_a_redelivered_outcome_is_recorded_once() -> None:
    uow = FakeUnitOfWork()
    order_id = _stored(uow)
    router = step_outcomes(FakeTimelines(uow))
    message = envelope("payment.PaymentCaptured", PAYMENT | {"order_id": str(order_id)})
    for _ in range(2):
        await router(received(message))
    assert [entry.step for _, entry in uow.orders.entries] == ["CapturePayment"]


async def test_outcomes_arriving_out_of_order_keep_their_own_times() -> None:
    uow = FakeUnitOfWork()
    order_id = _stored(uow)
    router = step_outcomes(FakeTimelines(uow))
    later = envelope(
        "payment.PaymentAuthorized",
        PAYMENT | {"order_id": str(order_id)},
        occurred_at=AT + timedelta(seconds=1),
    )
    earlier = envelope(
        "inventory.StockReserved", {"order_id": str(order_id), "lines": []}, occurred_at=AT
    )
    await router(received(later))
    await router(received(earlier))
    entries = {entry.step: entry.at for _, entry in uow.orders.entries}
    assert entries == {"AuthorizePayment": AT + timedelta(seconds=1), "ReserveStock": AT}


async def test_an_outcome_for_no_order_here_changes_nothing_and_is_acknowledged() -> None:
    uow = FakeUnitOfWork()
    router = step_outcomes(FakeTimelines(uow))
    await router(
        received(envelope("inventory.StockReleased", {"order_id": str(uuid.uuid4()), "lines": []}))
    )
    await router(
        received(envelope("inventory.StockReleased", {"order_id": "not-an-order", "lines": []}))
    )
    assert uow.orders.entries == []


async def test_an_outcome_that_breaks_its_contract_is_poison() -> None:
    with pytest.raises(PoisonMessageError):
        await step_outcomes(FakeTimelines(FakeUnitOfWork()))(
            received(envelope("inventory.StockReservationRefused", {"order_id": "x"}))
        )


@pytest.mark.parametrize(
    "reason",
    [
        "OutOfStock\nReserveStock succeeded",  # a forged second line
        "Out of stock, sorry!",  # free text
        "A" * 65,  # longer than any error name
        "",
    ],
)
async def test_a_refusal_whose_reason_is_not_an_error_name_is_poison(reason: str) -> None:
    uow = FakeUnitOfWork()
    order_id = _stored(uow)
    data = {"order_id": str(order_id), "reason": reason, "short_skus": []}
    with pytest.raises(PoisonMessageError, match="reason"):
        await step_outcomes(FakeTimelines(uow))(
            received(envelope("inventory.StockReservationRefused", data))
        )
    assert uow.orders.entries == []


async def test_an_order_id_longer_than_any_is_poison_rather_than_logged() -> None:
    with pytest.raises(PoisonMessageError, match="order_id"):
        await step_outcomes(FakeTimelines(FakeUnitOfWork()))(
            received(envelope("inventory.StockReleased", {"order_id": "x" * 65, "lines": []}))
        )


async def test_outcomes_beyond_the_timelines_limit_are_dropped_counted_and_acknowledged() -> None:
    uow = FakeUnitOfWork()
    order_id = _stored(uow)
    router = step_outcomes(FakeTimelines(uow))
    refused = {"order_id": str(order_id), "reason": "OutOfStock", "short_skus": []}
    with structlog.testing.capture_logs() as logs:
        for _ in range(TIMELINE_LIMIT + 5):  # each a new message, as a forger would send
            await router(received(envelope("inventory.StockReservationRefused", refused)))
    assert len(uow.orders.entries) == TIMELINE_LIMIT
    dropped = [e for e in logs if e["event"] == "timeline_entry_dropped"]
    assert len(dropped) == 5
    assert dropped[-1]["dropped_total"] - dropped[0]["dropped_total"] == 4
