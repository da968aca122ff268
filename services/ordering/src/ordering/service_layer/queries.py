"""Reads: a customer's orders, newest first, and one order with its timeline."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg
import orjson
from sqlalchemy import Row, select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine

from ordering.adapters.orm import order_lines, orders
from ordering.adapters.repository import order_from_rows
from ordering.domain.model import Order, TimelineEntry
from servicekit import cursors
from servicekit.cursors import InvalidCursorError


@dataclass(frozen=True, slots=True)
class OrderPage:
    items: list[Order]
    next_cursor: str | None


def encode_cursor(order: Order) -> str:
    """An opaque position after `order` in the newest-first listing."""
    return cursors.encode_cursor({"at": order.created_at.isoformat(), "id": str(order.id)})


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The creation time and id a cursor points after."""
    position = cursors.decode_cursor(cursor)
    try:
        return datetime.fromisoformat(position["at"]), uuid.UUID(position["id"])
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise InvalidCursorError from exc


async def _with_lines(engine: AsyncEngine, rows: Sequence[Row[Any]]) -> list[Order]:
    ids = [row.id for row in rows]
    async with engine.connect() as connection:
        lines = (
            await connection.execute(
                select(order_lines)
                .where(order_lines.c.order_id.in_(ids))
                .order_by(order_lines.c.sku)
            )
        ).all()
    by_order: dict[uuid.UUID, list[Row[Any]]] = {order_id: [] for order_id in ids}
    for line in lines:
        by_order[line.order_id].append(line)
    return [
        order_from_rows(row._mapping, [line._mapping for line in by_order[row.id]]) for row in rows
    ]


async def list_orders(
    engine: AsyncEngine, user_id: str, limit: int, cursor: str | None
) -> OrderPage:
    """A page of the user's orders, newest first."""
    statement = select(orders).where(orders.c.user_id == user_id)
    if cursor:
        at, last_id = decode_cursor(cursor)
        statement = statement.where(tuple_(orders.c.created_at, orders.c.id) < tuple_(at, last_id))
    statement = statement.order_by(orders.c.created_at.desc(), orders.c.id.desc()).limit(limit + 1)
    async with engine.connect() as connection:
        rows = list((await connection.execute(statement)).all())
    items = await _with_lines(engine, rows[:limit]) if rows else []
    return OrderPage(items, encode_cursor(items[-1]) if len(rows) > limit else None)


# One round trip for an order, its lines and its timeline, on the plain read pool: the
# hottest read a customer makes. Money and times travel as text inside the JSON, exactly.
ORDER_WITH_TIMELINE = """
SELECT o.*,
  (SELECT coalesce(json_agg(json_build_object(
            'product_id', l.product_id, 'sku', l.sku, 'name', l.name,
            'quantity', l.quantity, 'unit_price', l.unit_price::text) ORDER BY l.sku), '[]')
     FROM ordering.order_lines l WHERE l.order_id = o.id) AS lines,
  (SELECT coalesce(json_agg(json_build_object(
            'step', t.step, 'at', t.at, 'detail', t.detail) ORDER BY t.at, t.id), '[]')
     FROM ordering.order_timeline t WHERE t.order_id = o.id) AS timeline
FROM ordering.orders o
WHERE o.id = $1
"""


async def get_order(
    reads: asyncpg.Pool, order_id: uuid.UUID
) -> tuple[Order, list[TimelineEntry]] | None:
    """One order with its timeline, oldest step first: its own changes and its saga steps'
    outcomes, each at the time it happened (an outcome may be recorded after a later step)."""
    row = await reads.fetchrow(ORDER_WITH_TIMELINE, order_id)
    if row is None:
        return None
    lines = [
        line
        | {"product_id": uuid.UUID(line["product_id"]), "unit_price": Decimal(line["unit_price"])}
        for line in orjson.loads(row["lines"])
    ]
    # A JSON null where an order has no address (the column holds JSON, not SQL NULL).
    address = orjson.loads(row["shipping_address"] or "null")
    order = order_from_rows(dict(row) | {"shipping_address": address}, lines)
    timeline = [
        TimelineEntry(step["step"], datetime.fromisoformat(step["at"]), step["detail"])
        for step in orjson.loads(row["timeline"])
    ]
    return order, timeline
