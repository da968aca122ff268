import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from inventory.domain import commands
from inventory.domain.errors import BelowReservedError, OutOfStockError, ReservationReleasedError
from inventory.domain.model import Line, ReservationStatus
from inventory.service_layer import handlers
from tests.unit.inventory.fakes import FakeUnitOfWork


def _reserve(order_id: str, **quantities: int) -> commands.ReserveStock:
    lines = tuple(Line(name.replace("_", "-"), q) for name, q in quantities.items())
    return commands.ReserveStock(order_id, lines)


async def test_a_new_product_is_counted_at_zero_once() -> None:
    uow = FakeUnitOfWork()
    event = commands.RegisterSku(uuid.uuid4(), "MUG-1", uuid.uuid4())
    assert await handlers.register_sku(event, uow) is True
    assert uow.level("MUG-1") == (0, 0)
    await handlers.set_on_hand(commands.SetOnHand("MUG-1", 5), uow)

    assert await handlers.register_sku(event, uow) is False  # redelivered
    again = commands.RegisterSku(uuid.uuid4(), "MUG-1", event.product_id)
    assert await handlers.register_sku(again, uow) is False  # a second event for the SKU
    assert uow.level("MUG-1") == (5, 0)


async def test_setting_on_hand_creates_an_unknown_sku_and_updates_a_known_one() -> None:
    uow = FakeUnitOfWork()
    level, created = await handlers.set_on_hand(commands.SetOnHand("MUG-1", 7), uow)
    assert (level.on_hand, level.available, created) == (7, 7, True)
    level, created = await handlers.set_on_hand(commands.SetOnHand("MUG-1", 3), uow)
    assert (level.on_hand, level.version, created) == (3, 2, False)


async def test_on_hand_cannot_drop_below_what_is_reserved() -> None:
    uow = FakeUnitOfWork().stocked(MUG_1=5)
    await handlers.reserve_stock(_reserve("o-1", MUG_1=4), uow)
    with pytest.raises(BelowReservedError) as raised:
        await handlers.set_on_hand(commands.SetOnHand("MUG-1", 3), uow)
    assert raised.value.reserved == 4
    assert uow.level("MUG-1") == (5, 4)
    level, _ = await handlers.set_on_hand(commands.SetOnHand("MUG-1", 4), uow)
    assert level.available == 0


async def test_every_line_is_reserved() -> None:
    uow = FakeUnitOfWork().stocked(MUG_1=5, TEA_2=5)
    reservation = await handlers.reserve_stock(
        commands.ReserveStock("o-1", (Line("TEA-2", 1), Line("MUG-1", 2), Line("TEA-2", 2))), uow
    )
    assert reservation.status is ReservationStatus.HELD
    assert reservation.lines == (Line("MUG-1", 2), Line("TEA-2", 3))
    assert (uow.level("MUG-1"), uow.level("TEA-2")) == ((5, 2), (5, 3))


async def test_one_short_line_reserves_nothing_and_names_the_short_skus() -> None:
    uow = FakeUnitOfWork().stocked(MUG_1=5, TEA_2=1, PAN_3=5)
    with pytest.raises(OutOfStockError) as raised:
        await handlers.reserve_stock(_reserve("o-1", MUG_1=2, TEA_2=2, NOPE_9=1, PAN_3=1), uow)
    assert raised.value.skus == ("NOPE-9", "TEA-2")
    assert "TEA-2" in str(raised.value)
    assert [uow.level(sku) for sku in ("MUG-1", "TEA-2", "PAN-3")] == [(5, 0), (1, 0), (5, 0)]
    assert uow.reservation_rows["o-1"].status is ReservationStatus.REJECTED


async def test_a_redelivered_reservation_holds_nothing_more() -> None:
    uow = FakeUnitOfWork().stocked(MUG_1=5)
    first = await handlers.reserve_stock(_reserve("o-1", MUG_1=2), uow)
    again = await handlers.reserve_stock(_reserve("o-1", MUG_1=2), uow)
    assert again == first
    assert uow.level("MUG-1") == (5, 2)


async def test_a_refused_order_is_refused_again_even_once_stock_arrives() -> None:
    uow = FakeUnitOfWork().stocked(MUG_1=1)
    with pytest.raises(OutOfStockError):
        await handlers.reserve_stock(_reserve("o-1", MUG_1=2), uow)
    await handlers.set_on_hand(commands.SetOnHand("MUG-1", 10), uow)
    with pytest.raises(OutOfStockError) as raised:
        await handlers.reserve_stock(_reserve("o-1", MUG_1=2), uow)
    assert raised.value.skus == ("MUG-1",)
    assert uow.level("MUG-1") == (10, 0)


async def test_releasing_gives_held_units_back_once() -> None:
    uow = FakeUnitOfWork().stocked(MUG_1=5)
    await handlers.reserve_stock(_reserve("o-1", MUG_1=2), uow)
    released = await handlers.release_stock(commands.ReleaseStock("o-1"), uow)
    assert released.status is ReservationStatus.RELEASED
    assert uow.level("MUG-1") == (5, 0)
    await handlers.release_stock(commands.ReleaseStock("o-1"), uow)
    assert uow.level("MUG-1") == (5, 0)


async def test_releasing_a_committed_order_puts_its_units_back_on_hand() -> None:
    uow = FakeUnitOfWork().stocked(MUG_1=5)
    await handlers.reserve_stock(_reserve("o-1", MUG_1=2), uow)
    await handlers.commit_reservation(commands.CommitReservation(uuid.uuid4(), "o-1"), uow)
    assert uow.level("MUG-1") == (3, 0)
    await handlers.release_stock(commands.ReleaseStock("o-1"), uow)
    assert uow.level("MUG-1") == (5, 0)


async def test_releasing_an_order_never_reserved_succeeds_and_refuses_a_late_reservation() -> None:
    uow = FakeUnitOfWork().stocked(MUG_1=5)
    released = await handlers.release_stock(commands.ReleaseStock("o-1"), uow)
    assert released.status is ReservationStatus.RELEASED
    with pytest.raises(ReservationReleasedError):
        await handlers.reserve_stock(_reserve("o-1", MUG_1=2), uow)
    assert uow.level("MUG-1") == (5, 0)


async def test_a_confirmed_order_takes_its_units_once() -> None:
    uow = FakeUnitOfWork().stocked(MUG_1=5, TEA_2=5)
    await handlers.reserve_stock(_reserve("o-1", MUG_1=2, TEA_2=1), uow)
    event = commands.CommitReservation(uuid.uuid4(), "o-1")
    committed = await handlers.commit_reservation(event, uow)
    assert committed is not None
    assert committed.status is ReservationStatus.COMMITTED
    assert (uow.level("MUG-1"), uow.level("TEA-2")) == ((3, 0), (4, 0))

    assert await handlers.commit_reservation(event, uow) is None  # redelivered
    other = commands.CommitReservation(uuid.uuid4(), "o-1")
    assert await handlers.commit_reservation(other, uow) == committed  # another copy
    assert (uow.level("MUG-1"), uow.level("TEA-2")) == ((3, 0), (4, 0))


async def test_a_confirmation_after_release_takes_nothing() -> None:
    uow = FakeUnitOfWork().stocked(MUG_1=5)
    await handlers.reserve_stock(_reserve("o-1", MUG_1=2), uow)
    await handlers.release_stock(commands.ReleaseStock("o-1"), uow)
    event = commands.CommitReservation(uuid.uuid4(), "o-1")
    after = await handlers.commit_reservation(event, uow)
    assert after is not None
    assert after.status is ReservationStatus.RELEASED
    assert uow.level("MUG-1") == (5, 0)
    unknown = commands.CommitReservation(uuid.uuid4(), "never-seen")
    assert await handlers.commit_reservation(unknown, uow) is None
    assert ("never-seen" in uow.reservation_rows) is False


async def test_holds_older_than_the_expiry_are_released() -> None:
    uow = FakeUnitOfWork().stocked(MUG_1=10)
    for order in ("old-1", "old-2", "old-3", "new", "done"):
        await handlers.reserve_stock(_reserve(order, MUG_1=1), uow)
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    for order in ("old-1", "old-2", "old-3", "done"):
        uow.reservation_rows[order] = replace(uow.reservation_rows[order], created_at=hour_ago)
    await handlers.commit_reservation(commands.CommitReservation(uuid.uuid4(), "done"), uow)
    cutoff = datetime.now(UTC) - timedelta(minutes=30)

    first = await handlers.release_expired_holds(commands.ReleaseExpiredHolds(cutoff, 2), uow)
    rest = await handlers.release_expired_holds(commands.ReleaseExpiredHolds(cutoff, 2), uow)
    assert sorted(r.order_id for r in first + rest) == ["old-1", "old-2", "old-3"]
    assert await handlers.release_expired_holds(commands.ReleaseExpiredHolds(cutoff), uow) == []
    assert uow.level("MUG-1") == (9, 1)  # "done" took one, "new" holds one
    assert uow.reservation_rows["new"].status is ReservationStatus.HELD


async def _expire(uow: FakeUnitOfWork, *orders: str) -> None:
    """Age the orders' holds past the expiry and run the sweep."""
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    for order in orders:
        uow.reservation_rows[order] = replace(uow.reservation_rows[order], created_at=hour_ago)
    cutoff = datetime.now(UTC) - timedelta(minutes=30)
    swept = await handlers.release_expired_holds(commands.ReleaseExpiredHolds(cutoff), uow)
    assert sorted(r.order_id for r in swept) == sorted(orders)


async def test_a_confirmation_after_the_expiry_still_takes_the_units_once() -> None:
    uow = FakeUnitOfWork().stocked(MUG_1=5, TEA_2=5)
    await handlers.reserve_stock(_reserve("o-1", MUG_1=2, TEA_2=1), uow)
    await _expire(uow, "o-1")
    assert uow.reservation_rows["o-1"].status is ReservationStatus.EXPIRED
    assert (uow.level("MUG-1"), uow.level("TEA-2")) == ((5, 0), (5, 0))

    event = commands.CommitReservation(uuid.uuid4(), "o-1")  # redriven from the DLQ
    committed = await handlers.commit_reservation(event, uow)
    assert committed is not None
    assert (committed.status, committed.shortfall) == (ReservationStatus.COMMITTED, ())
    assert (uow.level("MUG-1"), uow.level("TEA-2")) == ((3, 0), (4, 0))
    assert await handlers.commit_reservation(event, uow) is None  # redelivered
    other = commands.CommitReservation(uuid.uuid4(), "o-1")
    assert await handlers.commit_reservation(other, uow) == committed  # another copy
    assert (uow.level("MUG-1"), uow.level("TEA-2")) == ((3, 0), (4, 0))


async def test_a_late_confirmation_takes_only_what_no_order_holds_and_records_the_rest() -> None:
    uow = FakeUnitOfWork().stocked(MUG_1=5)
    await handlers.reserve_stock(_reserve("o-1", MUG_1=4), uow)
    await _expire(uow, "o-1")
    await handlers.reserve_stock(_reserve("o-2", MUG_1=3), uow)  # the units, sold again

    event = commands.CommitReservation(uuid.uuid4(), "o-1")
    committed = await handlers.commit_reservation(event, uow)
    assert committed is not None
    assert committed.status is ReservationStatus.COMMITTED
    assert committed.shortfall == (Line("MUG-1", 2),)
    assert uow.level("MUG-1") == (3, 3)  # two taken; o-2 still holds its three
    assert uow.reservation_rows["o-1"].shortfall == (Line("MUG-1", 2),)
    # Compensated later, it gives back the two it took, no more.
    await handlers.release_stock(commands.ReleaseStock("o-1"), uow)
    assert uow.level("MUG-1") == (5, 3)


async def test_after_the_saga_released_an_expired_hold_a_late_confirmation_takes_nothing() -> None:
    uow = FakeUnitOfWork().stocked(MUG_1=5)
    await handlers.reserve_stock(_reserve("o-1", MUG_1=2), uow)
    await _expire(uow, "o-1")
    released = await handlers.release_stock(commands.ReleaseStock("o-1"), uow)
    assert released.status is ReservationStatus.RELEASED
    after = await handlers.commit_reservation(commands.CommitReservation(uuid.uuid4(), "o-1"), uow)
    assert after is not None
    assert after.status is ReservationStatus.RELEASED
    assert uow.level("MUG-1") == (5, 0)


async def test_a_reservation_asked_again_after_the_expiry_is_refused() -> None:
    uow = FakeUnitOfWork().stocked(MUG_1=5)
    await handlers.reserve_stock(_reserve("o-1", MUG_1=2), uow)
    await _expire(uow, "o-1")
    with pytest.raises(ReservationReleasedError):
        await handlers.reserve_stock(_reserve("o-1", MUG_1=2), uow)
    assert uow.level("MUG-1") == (5, 0)
