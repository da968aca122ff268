"""Orders in PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from typing import Any, Protocol

from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

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


class SqlOrderRepository:
    """Orders in the `ordering` schema, within the caller's transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def get(self, order_id: uuid.UUID) -> Order | None:
        row = (
            await self._connection.execute(
                select(orders).where(orders.c.id == order_id).with_for_update()
            )
        ).first()
        if row is None:
            return None
        lines = (
            await self._connection.execute(
                select(order_lines)
                .where(order_lines.c.order_id == order_id)
                .order_by(order_lines.c.sku)
            )
        ).all()
        return order_from_rows(row._mapping, [line._mapping for line in lines])

    async def add(self, order: Order) -> bool:
        inserted = await self._connection.execute(
            pg_insert(orders)
            .values(
                id=order.id,
                user_id=order.user_id,
                status=order.status.value,
                reason=order.reason.value if order.reason else None,
                cancel_requested=order.cancel_requested,
                total=order.total,
                currency=order.currency,
                shipping_address=asdict(order.shipping_address) if order.shipping_address else None,
                created_at=order.created_at,
                updated_at=order.updated_at,
            )
            .on_conflict_do_nothing(index_elements=[orders.c.id])
            .returning(orders.c.id)
        )
        if inserted.first() is None:
            return False
        if not order.lines:  # a rejected order keeps none
            return True
        await self._connection.execute(
            insert(order_lines),
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
            update(orders)
            .where(orders.c.id == order.id)
            .values(
                status=order.status.value,
                reason=order.reason.value if order.reason else None,
                cancel_requested=order.cancel_requested,
                updated_at=order.updated_at,
            )
        )

    async def record(
        self, order_id: uuid.UUID, entry: TimelineEntry, *, limit: int | None = None
    ) -> bool:
        # One statement: the entry is written only beside a stored order.
        of_a_stored_order = select(
            orders.c.id,
            literal(entry.step, order_timeline.c.step.type),
            literal(entry.detail, order_timeline.c.detail.type),
            literal(entry.at, order_timeline.c.at.type),
        ).where(orders.c.id == order_id)
        if limit is not None:
            # The order's row, taken first, lines up the entries of one order, so that two
            # written at once cannot both find room for one; the count is then read after it.
            taken = await self._connection.execute(
                select(orders.c.id).where(orders.c.id == order_id).with_for_update(key_share=True)
            )
            if taken.first() is None:
                return False
            held = (
                select(func.count())
                .select_from(order_timeline)
                .where(order_timeline.c.order_id == order_id)
                .scalar_subquery()
            )
            of_a_stored_order = of_a_stored_order.where(held < limit)
        written = await self._connection.execute(
            insert(order_timeline)
            .from_select(["order_id", "step", "detail", "at"], of_a_stored_order)
            .returning(order_timeline.c.id)
        )
        if written.first() is not None:
            return True
        if limit is not None:
            raise TimelineFullError(order_id, limit)
        return False
