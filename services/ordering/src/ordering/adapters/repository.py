"""Orders in PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from typing import Any, Protocol

from sqlalchemy import Select, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import ReturningInsert

from ordering.adapters.orm import order_lines, order_timeline, orders
from ordering.domain.errors import TimelineFullError
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

    async def record(
        self, order_id: uuid.UUID, entry: TimelineEntry, *, limit: int | None = None
    ) -> bool:
        """Add a step to the order's timeline; False, adding nothing, when no such order is
        stored. With `limit`, raise `TimelineFullError`, adding nothing, when the timeline
        already holds that many entries."""
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
# An order's row, locked FOR NO KEY UPDATE: rows that only reference it are written meanwhile.
_TAKE_ORDER = (
    select(orders.c.id).where(orders.c.id == bindparam("order_id")).with_for_update(key_share=True)
)
# A timeline entry beside a stored order: the order's id, and the entry's values.
_ENTRY_OF_A_STORED_ORDER = select(
    orders.c.id,
    bindparam("step", type_=order_timeline.c.step.type),
    bindparam("detail", type_=order_timeline.c.detail.type),
    bindparam("at", type_=order_timeline.c.at.type),
).where(orders.c.id == bindparam("order_id"))


def _recording(entry: Select[Any]) -> ReturningInsert[tuple[int]]:
    """The timeline entry `entry` selects, written; its id returned."""
    return (
        insert(order_timeline)
        .from_select(["order_id", "step", "detail", "at"], entry)
        .returning(order_timeline.c.id)
    )


# One statement: the entry is written only beside a stored order.
_RECORD = _recording(_ENTRY_OF_A_STORED_ORDER)
# The same, and only while the order's timeline holds fewer than `limit` entries.
_RECORD_WITHIN_LIMIT = _recording(
    _ENTRY_OF_A_STORED_ORDER.where(
        select(func.count())
        .select_from(order_timeline)
        .where(order_timeline.c.order_id == bindparam("order_id"))
        .scalar_subquery()
        < bindparam("limit")
    )
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

    async def record(
        self, order_id: uuid.UUID, entry: TimelineEntry, *, limit: int | None = None
    ) -> bool:
        values = {"order_id": order_id, "step": entry.step, "detail": entry.detail, "at": entry.at}
        if limit is None:
            written = await self._connection.execute(_RECORD, values)
            return written.first() is not None
        # The order's row, taken first, lines up the entries of one order, so that two
        # written at once cannot both find room for one; the count is then read after it.
        taken = await self._connection.execute(_TAKE_ORDER, {"order_id": order_id})
        if taken.first() is None:
            return False
        written = await self._connection.execute(_RECORD_WITHIN_LIMIT, values | {"limit": limit})
        if written.first() is not None:
            return True
        raise TimelineFullError(order_id, limit)
