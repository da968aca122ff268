"""Orders in PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from enum import Enum
from typing import Any, Protocol

import asyncpg
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ordering.adapters.orm import order_lines, order_timeline, orders
from ordering.domain.model import (
    CancelReason,
    Order,
    OrderLine,
    OrderStatus,
    ShippingAddress,
    TimelineEntry,
)


class OrderRepository(Protocol):
    async def get(self, order_id: uuid.UUID) -> Order | None:
        """The order, locked until the transaction ends."""
        ...

    async def add(self, order: Order) -> bool:
        """Store a new order; False when one with its id exists."""
        ...

    async def save(self, order: Order) -> None: ...

    async def record(self, order_id: uuid.UUID, entry: TimelineEntry) -> bool:
        """Add a step to the order's timeline; False, adding nothing, when no such order is
        stored."""
        ...


def order_from_rows(row: Mapping[Any, Any], lines: Iterable[Mapping[Any, Any]]) -> Order:
    """An order from its row and its lines' rows, each read by column name."""
    address = row["shipping_address"]
    return Order(
        id=row["id"],
        user_id=row["user_id"],
        lines=tuple(
            OrderLine(
                line["product_id"], line["sku"], line["name"], line["quantity"], line["unit_price"]
            )
            for line in lines
        ),
        currency=row["currency"],
        status=OrderStatus(row["status"]),
        reason=CancelReason(row["reason"]) if row["reason"] else None,
        cancel_requested=row["cancel_requested"],
        shipping_address=ShippingAddress(**address) if address else None,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


# Each statement is built once, its values left as parameters: SQLAlchemy then neither builds
# it anew nor works out its cache key on every execution.

# An order by id, locked until the transaction ends.
_ORDER = select(orders).where(orders.c.id == bindparam("order_id")).with_for_update()
# An order's lines, by SKU.
_LINES = (
    select(order_lines)
    .where(order_lines.c.order_id == bindparam("order_id"))
    .order_by(order_lines.c.sku)
)
# A new order, given all its columns; nothing (no row returned) when its id is taken.
_ADD_ORDER = (
    pg_insert(orders).on_conflict_do_nothing(index_elements=[orders.c.id]).returning(orders.c.id)
)
# An order's lines, one parameter set each.
_ADD_LINES = insert(order_lines)
# An order's changing columns.
_SAVE = (
    update(orders)
    .where(orders.c.id == bindparam("order_id"))
    .values(
        status=bindparam("status"),
        reason=bindparam("reason"),
        cancel_requested=bindparam("cancel_requested"),
        updated_at=bindparam("updated_at"),
    )
)
# The order's count of timeline entries, one more; its id returned, none when no such order is
# stored. The update takes the order's row, so the entries of one order are counted in turn.
_COUNTED = (
    update(orders)
    .where(orders.c.id == bindparam("order_id"))
    .values(timeline_entries=orders.c.timeline_entries + 1)
    .returning(orders.c.id)
    .cte("counted")
)
# One statement: a timeline entry written and counted, only beside a stored order.
_RECORD = (
    insert(order_timeline)
    .from_select(
        ["order_id", "step", "detail", "at"],
        select(
            _COUNTED.c.id,
            bindparam("step", type_=order_timeline.c.step.type),
            bindparam("detail", type_=order_timeline.c.detail.type),
            bindparam("at", type_=order_timeline.c.at.type),
        ),
    )
    .returning(order_timeline.c.id)
)


class SqlOrderRepository:
    """Orders in the `ordering` schema, within the caller's transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def get(self, order_id: uuid.UUID) -> Order | None:
        row = (await self._connection.execute(_ORDER, {"order_id": order_id})).first()
        if row is None:
            return None
        lines = (await self._connection.execute(_LINES, {"order_id": order_id})).all()
        return order_from_rows(row._mapping, [line._mapping for line in lines])

    async def add(self, order: Order) -> bool:
        inserted = await self._connection.execute(
            _ADD_ORDER,
            {
                "id": order.id,
                "user_id": order.user_id,
                "status": order.status.value,
                "reason": order.reason.value if order.reason else None,
                "cancel_requested": order.cancel_requested,
                "total": order.total,
                "currency": order.currency,
                "shipping_address": (
                    asdict(order.shipping_address) if order.shipping_address else None
                ),
                "created_at": order.created_at,
                "updated_at": order.updated_at,
            },
        )
        if inserted.first() is None:
            return False
        if not order.lines:  # a rejected order keeps none
            return True
        await self._connection.execute(
            _ADD_LINES,
            [
                {
                    "order_id": order.id,
                    "product_id": line.product_id,
                    "sku": line.sku,
                    "name": line.name,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                }
                for line in order.lines
            ],
        )
        return True

    async def save(self, order: Order) -> None:
        await self._connection.execute(
            _SAVE,
            {
                "order_id": order.id,
                "status": order.status.value,
                "reason": order.reason.value if order.reason else None,
                "cancel_requested": order.cancel_requested,
                "updated_at": order.updated_at,
            },
        )

    async def record(self, order_id: uuid.UUID, entry: TimelineEntry) -> bool:
        values = {"order_id": order_id, "step": entry.step, "detail": entry.detail, "at": entry.at}
        written = await self._connection.execute(_RECORD, values)
        return written.first() is not None


class Recorded(Enum):
    """What became of a step's outcome given to `Timelines.record_once`."""

    ADDED = "added"
    # Its message was handled before: nothing written.
    SEEN = "seen"
    # Its message is now handled; no such order is stored.
    NO_ORDER = "no_order"
    # Its message is now handled; the order's timeline already holds `limit` entries.
    FULL = "full"


class Timelines(Protocol):
    async def record_once(
        self, message_id: str, order_id: uuid.UUID, entry: TimelineEntry, *, limit: int
    ) -> Recorded:
        """Record the message as handled and add `entry` to the order's timeline if it has
        room, all of it or none, unless the message was handled before."""
        ...


# The message claimed, the order's count of entries taken and raised while under the limit, and
# the entry written beside it: one statement, so one transaction with no BEGIN or COMMIT of its
# own. A concurrent delivery of the same message waits for this one's claim and finds it; a
# concurrent entry for the same order waits for its row, and the limit is checked again on the
# count that entry left.
RECORD_ONCE = """
WITH claimed AS (
    INSERT INTO ordering.inbox (message_id, handler) VALUES ($1, 'record_step')
    ON CONFLICT DO NOTHING
    RETURNING message_id
), counted AS (
    UPDATE ordering.orders SET timeline_entries = timeline_entries + 1
    WHERE id = $2 AND timeline_entries < $6 AND EXISTS (SELECT FROM claimed)
    RETURNING id
), written AS (
    INSERT INTO ordering.order_timeline (order_id, step, detail, at)
    SELECT id, $3::varchar, $4::text, $5::timestamptz FROM counted
    RETURNING order_id
)
SELECT EXISTS (SELECT FROM claimed) AS claimed,
       EXISTS (SELECT FROM written) AS written,
       EXISTS (SELECT FROM ordering.orders WHERE id = $2) AS stored
"""


class PgTimelines:
    """Step outcomes on the `ordering` schema, each in one statement on a plain pool."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def record_once(
        self, message_id: str, order_id: uuid.UUID, entry: TimelineEntry, *, limit: int
    ) -> Recorded:
        row = await self._pool.fetchrow(
            RECORD_ONCE, message_id, order_id, entry.step, entry.detail, entry.at, limit
        )
        if row is None:  # a SELECT with no FROM returns one row
            raise RuntimeError("recording a step outcome returned nothing")
        if not row["claimed"]:
            return Recorded.SEEN
        if row["written"]:
            return Recorded.ADDED
        return Recorded.FULL if row["stored"] else Recorded.NO_ORDER
