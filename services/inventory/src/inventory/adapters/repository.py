"""Stock and reservations in PostgreSQL, within the caller's transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from inventory.adapters.orm import reservation_lines, reservations, stock
from inventory.domain.model import (
    Line,
    Reservation,
    ReservationStatus,
    StockLevel,
    StockMovement,
)


class StockRepository(Protocol):
    async def get(self, sku: str) -> StockLevel | None: ...

    async def add(self, sku: str, product_id: uuid.UUID) -> bool:
        """Start counting a SKU at zero; False when it is counted already."""
        ...

    async def set_on_hand(self, sku: str, on_hand: int) -> tuple[StockLevel, bool] | None:
        """Set the count, creating the SKU if new (then True); None, changing nothing, when
        more than `on_hand` is reserved."""
        ...

    async def reserve(self, sku: str, quantity: int) -> bool:
        """Reserve `quantity` if that many are available; False, changing nothing, if not."""
        ...

    async def take(self, sku: str, quantity: int) -> int:
        """Take up to `quantity` units off on hand, of those no order holds; how many it
        took (none of a SKU not counted)."""
        ...

    async def move(self, movement: StockMovement) -> None:
        """Apply a movement the domain decided on."""
        ...


class ReservationRepository(Protocol):
    async def add(self, reservation: Reservation) -> bool:
        """Store an order's reservation; False when the order has one already."""
        ...

    async def get(self, order_id: str) -> Reservation | None:
        """An order's reservation, locked until the transaction ends."""
        ...

    async def next_expired(self, held_before: datetime) -> Reservation | None:
        """One reservation still held since before `held_before` that nobody else has locked,
        locked until the transaction ends."""
        ...

    async def save(self, reservation: Reservation) -> None:
        """Store a reservation's new status."""
        ...


# The columns a `StockLevel` is read from, named as its fields.
STOCK_LEVEL = (stock.c.sku, stock.c.on_hand, stock.c.reserved, stock.c.version, stock.c.updated_at)


def stock_level_from_row(row: Any) -> StockLevel:
    """A stock level from a row of the `STOCK_LEVEL` columns."""
    return StockLevel(**row._mapping)


# The statements of the order path, each built once with its values left as parameters:
# SQLAlchemy then neither builds it anew nor works out its cache key on every execution. An
# update's parameters are not named as its table's columns: SQLAlchemy keeps those names for
# its SET clause.

# `quantity` more units of a SKU reserved, if that many are available; the SKU returned if so.
_RESERVE = (
    update(stock)
    .where(
        stock.c.sku == bindparam("of_sku"),
        stock.c.on_hand - stock.c.reserved >= bindparam("quantity"),
    )
    .values(
        reserved=stock.c.reserved + bindparam("quantity"),
        version=stock.c.version + 1,
        updated_at=func.now(),
    )
    .returning(stock.c.sku)
)
# The units of a SKU no order holds, its row locked until the transaction ends.
_FREE = (
    select(stock.c.on_hand - stock.c.reserved)
    .where(stock.c.sku == bindparam("sku"))
    .with_for_update()
)
# A SKU's on hand and reserved counts moved by `on_hand_by` and `reserved_by`.
_MOVE = (
    update(stock)
    .where(stock.c.sku == bindparam("of_sku"))
    .values(
        on_hand=stock.c.on_hand + bindparam("on_hand_by"),
        reserved=stock.c.reserved + bindparam("reserved_by"),
        version=stock.c.version + 1,
        updated_at=func.now(),
    )
)
# A new reservation, given its columns; nothing (no row returned) when the order has one.
_ADD_RESERVATION = (
    pg_insert(reservations)
    .on_conflict_do_nothing(index_elements=[reservations.c.order_id])
    .returning(reservations.c.order_id)
)
# A reservation's lines, one parameter set each.
_ADD_RESERVATION_LINES = reservation_lines.insert()
# An order's reservation, locked until the transaction ends.
_RESERVATION = (
    select(reservations).where(reservations.c.order_id == bindparam("order_id")).with_for_update()
)
# A reservation's lines, by SKU.
_RESERVATION_LINES = (
    select(reservation_lines.c.sku, reservation_lines.c.quantity, reservation_lines.c.shortfall)
    .where(reservation_lines.c.order_id == bindparam("order_id"))
    .order_by(reservation_lines.c.sku)
)
# A reservation's new status.
_SAVE_STATUS = (
    update(reservations)
    .where(reservations.c.order_id == bindparam("of_order"))
    .values(status=bindparam("status"), updated_at=func.now())
)
# The same status on each of its lines.
_SAVE_LINES_STATUS = (
    update(reservation_lines)
    .where(reservation_lines.c.order_id == bindparam("of_order"))
    .values(status=bindparam("status"))
)
# The shortfall of one of its lines.
_SAVE_SHORTFALL = (
    update(reservation_lines)
    .where(
        reservation_lines.c.order_id == bindparam("of_order"),
        reservation_lines.c.sku == bindparam("of_sku"),
    )
    .values(shortfall=bindparam("shortfall"))
)


class SqlStockRepository:
    """Stock in the `inventory.stock` table."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def get(self, sku: str) -> StockLevel | None:
        query = select(*STOCK_LEVEL).where(stock.c.sku == sku)
        row = (await self._connection.execute(query)).first()
        return None if row is None else stock_level_from_row(row)

    async def add(self, sku: str, product_id: uuid.UUID) -> bool:
        now = datetime.now(UTC)
        inserted = await self._connection.execute(
            pg_insert(stock)
            .values(
                sku=sku,
                product_id=product_id,
                on_hand=0,
                reserved=0,
                version=1,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=[stock.c.sku])
            .returning(stock.c.sku)
        )
        if inserted.first() is not None:
            return True
        # Counted before the catalog's event arrived (an administrator set it): link it.
        await self._connection.execute(
            update(stock)
            .where(stock.c.sku == sku, stock.c.product_id.is_(None))
            .values(product_id=product_id)
        )
        return False

    async def set_on_hand(self, sku: str, on_hand: int) -> tuple[StockLevel, bool] | None:
        now = datetime.now(UTC)
        insert = pg_insert(stock).values(
            sku=sku, on_hand=on_hand, reserved=0, version=1, created_at=now, updated_at=now
        )
        # One statement, so that a concurrent reservation cannot slip between a check and the write.
        upsert = insert.on_conflict_do_update(
            index_elements=[stock.c.sku],
            set_={
                "on_hand": insert.excluded.on_hand,
                "version": stock.c.version + 1,
                "updated_at": insert.excluded.updated_at,
            },
            where=stock.c.reserved <= insert.excluded.on_hand,
        ).returning(*STOCK_LEVEL)
        row = (await self._connection.execute(upsert)).first()
        if row is None:
            return None
        # An update always moves the version past 1, so version 1 means the insert happened.
        return stock_level_from_row(row), row.version == 1

    async def reserve(self, sku: str, quantity: int) -> bool:
        result = await self._connection.execute(_RESERVE, {"of_sku": sku, "quantity": quantity})
        return result.first() is not None

    async def take(self, sku: str, quantity: int) -> int:
        # Locked, so that no reservation slips in between reading what is free and taking it.
        free = (await self._connection.execute(_FREE, {"sku": sku})).scalar()
        taken = min(quantity, free or 0)
        if taken > 0:
            await self.move(StockMovement(sku, -taken, 0))
        return taken

    async def move(self, movement: StockMovement) -> None:
        await self._connection.execute(
            _MOVE,
            {
                "of_sku": movement.sku,
                "on_hand_by": movement.on_hand,
                "reserved_by": movement.reserved,
            },
        )


class SqlReservationRepository:
    """Reservations in `inventory.reservations` and `inventory.reservation_lines`."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, reservation: Reservation) -> bool:
        # Take the order id in the insert itself: a redelivered command waits here for the
        # first delivery's transaction, then finds its reservation instead of making another.
        inserted = await self._connection.execute(
            _ADD_RESERVATION,
            {
                "order_id": reservation.order_id,
                "status": reservation.status.value,
                "short_skus": list(reservation.short_skus),
                "created_at": reservation.created_at,
                "updated_at": datetime.now(UTC),
            },
        )
        if inserted.first() is None:
            return False
        if reservation.lines:
            await self._connection.execute(
                _ADD_RESERVATION_LINES,
                [
                    {
                        "order_id": reservation.order_id,
                        "sku": line.sku,
                        "quantity": line.quantity,
                        "status": reservation.status.value,
                    }
                    for line in reservation.lines
                ],
            )
        return True

    async def get(self, order_id: str) -> Reservation | None:
        row = (await self._connection.execute(_RESERVATION, {"order_id": order_id})).first()
        return None if row is None else await self._with_lines(row)

    async def next_expired(self, held_before: datetime) -> Reservation | None:
        row = (
            await self._connection.execute(
                select(reservations)
                .where(
                    reservations.c.status == ReservationStatus.HELD.value,
                    reservations.c.created_at < held_before,
                )
                .order_by(reservations.c.created_at)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
        ).first()
        return None if row is None else await self._with_lines(row)

    async def _with_lines(self, row: Any) -> Reservation:
        lines = (
            await self._connection.execute(_RESERVATION_LINES, {"order_id": row.order_id})
        ).all()
        return Reservation(
            order_id=row.order_id,
            status=ReservationStatus(row.status),
            lines=tuple(Line(line.sku, line.quantity) for line in lines),
            short_skus=tuple(row.short_skus),
            created_at=row.created_at,
            shortfall=tuple(Line(line.sku, line.shortfall) for line in lines if line.shortfall),
        )

    async def save(self, reservation: Reservation) -> None:
        status = {"of_order": reservation.order_id, "status": reservation.status.value}
        await self._connection.execute(_SAVE_STATUS, status)
        await self._connection.execute(_SAVE_LINES_STATUS, status)
        for short in reservation.shortfall:
            await self._connection.execute(
                _SAVE_SHORTFALL,
                {
                    "of_order": reservation.order_id,
                    "of_sku": short.sku,
                    "shortfall": short.quantity,
                },
            )
