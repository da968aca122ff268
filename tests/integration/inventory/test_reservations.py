"""The service layer against the real database: all or none, never oversold, idempotent."""

import asyncio
import contextlib
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from inventory.adapters.orm import metadata, reservations
from inventory.domain import commands
from inventory.domain.errors import OutOfStockError, ReservationReleasedError
from inventory.domain.model import Line, ReservationStatus
from inventory.service_layer import handlers, queries
from inventory.service_layer.unit_of_work import SqlUnitOfWork
from inventory.settings import InventorySettings
from tests.integration.inventory.support import new_sku, reserve, stocked


async def _level(engine: AsyncEngine, sku: str) -> tuple[int, int]:
    found = await queries.get_stock(engine, sku)
    assert found is not None
    return found.on_hand, found.reserved


async def _statuses(engine: AsyncEngine, order_id: str) -> set[str]:
    """The statuses of an order's reservation and of each of its lines."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT status FROM reservations WHERE order_id = :o "
                "UNION ALL SELECT status FROM reservation_lines WHERE order_id = :o"
            ),
            {"o": order_id},
        )
        return {row.status for row in rows}


def _order() -> str:
    return str(uuid.uuid4())


async def test_the_migrations_create_what_the_code_expects(
    inventory_settings: InventorySettings,
) -> None:
    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_schemas": True,
                "include_name": lambda name, kind, _: kind != "schema" or name == "inventory",
                "version_table_schema": "inventory",
            },
        )
        return list(compare_metadata(context, metadata))

    # As the migrations run: `inventory` is not on the search path, but named.
    engine = create_async_engine(inventory_settings.database_url())
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()


async def test_every_line_is_held_or_none(engine: AsyncEngine) -> None:
    mug, tea, pan = await stocked(engine, 5), await stocked(engine, 1), await stocked(engine, 5)
    held = _order()
    reservation = await handlers.reserve_stock(
        reserve(held, **{mug: 2, tea: 1}), SqlUnitOfWork(engine)
    )
    assert reservation.status is ReservationStatus.HELD
    assert await _statuses(engine, held) == {"HELD"}

    refused, unknown, malformed = _order(), new_sku(), "not a sku " * 10
    with pytest.raises(OutOfStockError) as raised:
        await handlers.reserve_stock(
            reserve(refused, **{mug: 3, tea: 1, pan: 1, unknown: 1, malformed: 1}),
            SqlUnitOfWork(engine),
        )
    assert set(raised.value.skus) == {tea, unknown, malformed}
    assert [await _level(engine, sku) for sku in (mug, tea, pan)] == [(5, 2), (1, 1), (5, 0)]
    assert await _statuses(engine, refused) == {"REJECTED"}


async def test_forty_orders_for_ten_units_reserve_exactly_ten(engine: AsyncEngine) -> None:
    sku = await stocked(engine, 10)

    async def order() -> bool:
        try:
            await handlers.reserve_stock(reserve(_order(), **{sku: 1}), SqlUnitOfWork(engine))
        except OutOfStockError:
            return False
        return True

    outcomes = await asyncio.gather(*(order() for _ in range(40)))
    assert outcomes.count(True) == 10
    assert await _level(engine, sku) == (10, 10)


async def test_orders_sharing_skus_in_any_order_neither_deadlock_nor_oversell(
    engine: AsyncEngine,
) -> None:
    skus = [await stocked(engine, 10) for _ in range(3)]

    async def order() -> bool:
        lines = random.sample(skus, k=3)
        try:
            await handlers.reserve_stock(
                reserve(_order(), **dict.fromkeys(lines, 2)), SqlUnitOfWork(engine)
            )
        except OutOfStockError:
            return False
        return True

    outcomes = await asyncio.gather(*(order() for _ in range(30)))
    assert outcomes.count(True) == 5
    assert [await _level(engine, sku) for sku in skus] == [(10, 10)] * 3


async def test_copies_of_one_reservation_at_once_hold_it_once(engine: AsyncEngine) -> None:
    sku, order_id = await stocked(engine, 10), _order()
    results = await asyncio.gather(
        *(
            handlers.reserve_stock(reserve(order_id, **{sku: 3}), SqlUnitOfWork(engine))
            for _ in range(8)
        )
    )
    assert {r.status for r in results} == {ReservationStatus.HELD}
    assert await _level(engine, sku) == (10, 3)


async def test_a_release_racing_its_reservation_leaves_nothing_held(engine: AsyncEngine) -> None:
    sku = await stocked(engine, 100)
    orders = [_order() for _ in range(20)]

    async def reserve_late(order_id: str) -> None:
        # Whichever comes first, no units may stay held: a release that comes first makes
        # the reservation refuse.
        with contextlib.suppress(ReservationReleasedError):
            await handlers.reserve_stock(reserve(order_id, **{sku: 1}), SqlUnitOfWork(engine))

    await asyncio.gather(
        *(reserve_late(o) for o in orders),
        *(handlers.release_stock(commands.ReleaseStock(o), SqlUnitOfWork(engine)) for o in orders),
    )
    assert await _level(engine, sku) == (100, 0)
    for order_id in orders:
        assert await _statuses(engine, order_id) == {"RELEASED"}


async def test_release_is_idempotent_and_puts_committed_units_back(engine: AsyncEngine) -> None:
    sku, held, committed = await stocked(engine, 10), _order(), _order()
    for order_id in (held, committed):
        await handlers.reserve_stock(reserve(order_id, **{sku: 2}), SqlUnitOfWork(engine))
    confirmed = commands.CommitReservation(uuid.uuid4(), committed)
    await handlers.commit_reservation(confirmed, SqlUnitOfWork(engine))
    assert await _level(engine, sku) == (8, 2)

    for _ in range(2):
        for order_id in (held, committed):
            await handlers.release_stock(commands.ReleaseStock(order_id), SqlUnitOfWork(engine))
        assert await _level(engine, sku) == (10, 0)
    assert await _statuses(engine, committed) == {"RELEASED"}


async def test_a_confirmation_commits_once(engine: AsyncEngine) -> None:
    sku, order_id = await stocked(engine, 10), _order()
    await handlers.reserve_stock(reserve(order_id, **{sku: 4}), SqlUnitOfWork(engine))
    event = commands.CommitReservation(uuid.uuid4(), order_id)
    results = await asyncio.gather(
        *(handlers.commit_reservation(event, SqlUnitOfWork(engine)) for _ in range(3))
    )
    assert sorted(str(r and r.status) for r in results) == ["COMMITTED", "None", "None"]
    assert await _level(engine, sku) == (6, 0)
    assert await _statuses(engine, order_id) == {"COMMITTED"}


async def test_holds_past_the_expiry_are_released(engine: AsyncEngine) -> None:
    sku, stale, fresh = await stocked(engine, 10), _order(), _order()
    for order_id in (stale, fresh):
        await handlers.reserve_stock(reserve(order_id, **{sku: 3}), SqlUnitOfWork(engine))
    async with engine.begin() as connection:
        await connection.execute(
            update(reservations)
            .where(reservations.c.order_id == stale)
            .values(created_at=datetime.now(UTC) - timedelta(hours=1))
        )
    sweep = commands.ReleaseExpiredHolds(datetime.now(UTC) - timedelta(minutes=30))
    released = await handlers.release_expired_holds(sweep, SqlUnitOfWork(engine))
    assert [r.order_id for r in released] == [stale]
    assert await _level(engine, sku) == (10, 3)
    assert await _statuses(engine, stale) == {"EXPIRED"}
    assert await handlers.release_expired_holds(sweep, SqlUnitOfWork(engine)) == []


async def _sweep(engine: AsyncEngine, *orders: str) -> None:
    """Age the orders' holds past the expiry and run the sweep on them."""
    async with engine.begin() as connection:
        await connection.execute(
            update(reservations)
            .where(reservations.c.order_id.in_(orders))
            .values(created_at=datetime.now(UTC) - timedelta(hours=1))
        )
    sweep = commands.ReleaseExpiredHolds(datetime.now(UTC) - timedelta(minutes=30), limit=1000)
    swept = await handlers.release_expired_holds(sweep, SqlUnitOfWork(engine))
    assert set(orders) <= {r.order_id for r in swept}


async def _shortfall(engine: AsyncEngine, order_id: str) -> dict[str, int]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT sku, shortfall FROM reservation_lines WHERE order_id = :o"),
            {"o": order_id},
        )
        return {row.sku: row.shortfall for row in rows}


async def test_a_confirmation_redriven_after_the_expiry_takes_the_units_once(
    engine: AsyncEngine,
) -> None:
    sku, order_id = await stocked(engine, 10), _order()
    await handlers.reserve_stock(reserve(order_id, **{sku: 4}), SqlUnitOfWork(engine))
    await _sweep(engine, order_id)
    assert await _level(engine, sku) == (10, 0)  # the hold is given back, the order may yet come

    confirmed = commands.CommitReservation(uuid.uuid4(), order_id)
    for _ in range(2):  # the redrive, and a redelivery of it
        await handlers.commit_reservation(confirmed, SqlUnitOfWork(engine))
    again = commands.CommitReservation(uuid.uuid4(), order_id)  # another copy of the event
    await handlers.commit_reservation(again, SqlUnitOfWork(engine))
    assert await _level(engine, sku) == (6, 0)
    assert await _statuses(engine, order_id) == {"COMMITTED"}
    assert await _shortfall(engine, order_id) == {sku: 0}


async def test_a_late_confirmation_of_units_sold_again_takes_what_is_left_and_records_the_rest(
    engine: AsyncEngine,
) -> None:
    mug, tea = await stocked(engine, 5), await stocked(engine, 5)
    late, other = _order(), _order()
    await handlers.reserve_stock(reserve(late, **{mug: 4, tea: 1}), SqlUnitOfWork(engine))
    await _sweep(engine, late)
    await handlers.reserve_stock(reserve(other, **{mug: 3}), SqlUnitOfWork(engine))

    confirmed = commands.CommitReservation(uuid.uuid4(), late)
    committed = await handlers.commit_reservation(confirmed, SqlUnitOfWork(engine))
    assert committed is not None
    assert committed.shortfall == (Line(mug, 2),)
    # Two mugs were left beside the three another order holds: taken; that order's hold is
    # untouched, and nothing is counted that is not there.
    assert [await _level(engine, sku) for sku in (mug, tea)] == [(3, 3), (4, 0)]
    assert await _shortfall(engine, late) == {mug: 2, tea: 0}
    # The saga compensating the order later puts back what it took, not what it lacked.
    await handlers.release_stock(commands.ReleaseStock(late), SqlUnitOfWork(engine))
    assert [await _level(engine, sku) for sku in (mug, tea)] == [(5, 3), (5, 0)]


async def test_late_confirmations_racing_new_orders_never_oversell(engine: AsyncEngine) -> None:
    sku = await stocked(engine, 10)
    expired = [_order() for _ in range(5)]
    for order_id in expired:
        await handlers.reserve_stock(reserve(order_id, **{sku: 2}), SqlUnitOfWork(engine))
    await _sweep(engine, *expired)

    async def new_order() -> bool:
        try:
            await handlers.reserve_stock(reserve(_order(), **{sku: 1}), SqlUnitOfWork(engine))
        except OutOfStockError:
            return False
        return True

    async def confirm(order_id: str) -> None:
        event = commands.CommitReservation(uuid.uuid4(), order_id)
        await handlers.commit_reservation(event, SqlUnitOfWork(engine))

    outcomes = await asyncio.gather(
        *(new_order() for _ in range(10)), *(confirm(order_id) for order_id in expired)
    )
    held = sum(1 for outcome in outcomes[:10] if outcome)
    on_hand, reserved = await _level(engine, sku)
    taken = 10 - on_hand
    short = sum([sum((await _shortfall(engine, o)).values()) for o in expired])
    assert reserved == held <= on_hand  # every new hold is backed by a unit on hand
    assert taken + short == 10  # each confirmed unit was taken, or is counted short
    assert taken + held <= 10
