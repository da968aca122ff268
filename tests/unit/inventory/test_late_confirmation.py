"""The worker's side of a late confirmation: an `OrderConfirmed` that arrives after the expiry
gave the order's hold back still commits it, and what it could not take is logged as an
error, naming the SKUs and units."""

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from structlog.testing import capture_logs

from inventory.domain import commands
from inventory.domain.model import Line, ReservationStatus
from inventory.entrypoints.worker import event_router
from inventory.service_layer import handlers
from servicekit.messaging.consumer import ReceivedMessage
from servicekit.testing import envelope, received
from tests.unit.inventory.fakes import FakeUnitOfWork


async def _expired(uow: FakeUnitOfWork, order_id: str, **quantities: int) -> None:
    lines = tuple(Line(sku, q) for sku, q in quantities.items())
    await handlers.reserve_stock(commands.ReserveStock(order_id, lines), uow)
    aged = datetime.now(UTC) - timedelta(hours=1)
    uow.reservation_rows[order_id] = replace(uow.reservation_rows[order_id], created_at=aged)
    sweep = commands.ReleaseExpiredHolds(datetime.now(UTC) - timedelta(minutes=30))
    await handlers.release_expired_holds(sweep, uow)


def _confirmed(order_id: str) -> ReceivedMessage:
    data = {"order_id": order_id, "lines": []}
    return received(envelope("ordering.OrderConfirmed", data))


async def test_a_late_confirmation_short_of_units_is_logged_as_an_error() -> None:
    uow = FakeUnitOfWork().stocked(MUG=5, TEA=5)
    late = str(uuid.uuid4())
    await _expired(uow, late, MUG=4, TEA=1)
    await handlers.reserve_stock(commands.ReserveStock("other", (Line("MUG", 3),)), uow)

    with capture_logs() as logs:
        await event_router(lambda: uow)(_confirmed(late))
    assert uow.reservation_rows[late].status is ReservationStatus.COMMITTED
    assert (uow.level("MUG"), uow.level("TEA")) == ((3, 3), (4, 0))
    [short] = [entry for entry in logs if entry["event"] == "confirmed_order_short"]
    assert (short["log_level"], short["order_id"], short["short"]) == ("error", late, {"MUG": 2})


async def test_a_late_confirmation_with_the_units_still_there_logs_no_shortfall() -> None:
    uow = FakeUnitOfWork().stocked(MUG=5)
    late = str(uuid.uuid4())
    await _expired(uow, late, MUG=4)

    with capture_logs() as logs:
        await event_router(lambda: uow)(_confirmed(late))
    assert uow.level("MUG") == (1, 0)
    assert not [entry for entry in logs if entry["log_level"] in ("warning", "error")]
