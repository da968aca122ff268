"""Reads that change nothing go straight to the table: no unit of work, no row locks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import asyncpg
from sqlalchemy import ColumnElement, select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine

from catalog.adapters.orm import products
from catalog.adapters.repository import product_from_row
from catalog.domain.model import Product
from servicekit import cursors
from servicekit.cursors import InvalidCursorError

SortKey = Literal["name", "-name", "price", "-price", "created_at", "-created_at"]

# The hot path: plain SQL on the read pool (asyncpg prepares and caches it per connection).
PRODUCT_BY_ID = (
    "SELECT id, sku, name, description, category, price, currency, active, version,"
    " created_at, updated_at FROM products WHERE id = $1"
)


@dataclass(frozen=True, slots=True)
class ProductPage:
    items: list[Product]
    next_cursor: str | None


# The widest price a product can have (the column is numeric(12, 2)): a cursor's price
# beyond it was not issued by a listing.
_PRICE_LIMIT = Decimal("1E10")


def _decode(value: str, column: str) -> Any:
    if column == "price":
        price = Decimal(value)
        if not price.is_finite() or abs(price) >= _PRICE_LIMIT:
            raise InvalidCursorError
        return price
    if column == "created_at":
        return datetime.fromisoformat(value)
    return value


def encode_cursor(sort: SortKey, product: Product) -> str:
    """An opaque position after `product` in a listing ordered by `sort`."""
    column = sort.lstrip("-")
    value = getattr(product, column)
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return cursors.encode_cursor({"s": sort, "v": text, "id": str(product.id)})


def decode_cursor(cursor: str, sort: SortKey) -> tuple[Any, uuid.UUID]:
    """The sort value and id a cursor points after; it must come from a listing with `sort`."""
    position = cursors.decode_cursor(cursor)
    if "s" not in position:
        raise InvalidCursorError
    if position["s"] != sort:
        raise InvalidCursorError("The cursor belongs to a listing with another sort order.")
    try:
        return _decode(str(position["v"]), sort.lstrip("-")), uuid.UUID(str(position["id"]))
    except (KeyError, ValueError, InvalidOperation) as exc:
        raise InvalidCursorError from exc


async def get_product(reads: asyncpg.Pool, product_id: uuid.UUID) -> Product | None:
    """One product, active or not."""
    row = await reads.fetchrow(PRODUCT_BY_ID, product_id)
    return None if row is None else Product(**row)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_products(
    engine: AsyncEngine,
    *,
    category: str | None,
    search: str | None,
    sort: SortKey,
    limit: int,
    cursor: str | None,
) -> ProductPage:
    """A page of active products, in a stable order, with the cursor to the next page."""
    column = products.c[sort.lstrip("-")]
    descending = sort.startswith("-")
    conditions: list[ColumnElement[bool]] = [products.c.active.is_(True)]
    if category:
        conditions.append(products.c.category == category)
    if search:
        conditions.append(products.c.name.ilike(f"%{_escape_like(search)}%", escape="\\"))
    if cursor:
        value, last_id = decode_cursor(cursor, sort)
        position = tuple_(column, products.c.id)
        conditions.append(
            position < tuple_(value, last_id) if descending else position > tuple_(value, last_id)
        )
    order = (column.desc(), products.c.id.desc()) if descending else (column, products.c.id)
    statement = select(products).where(*conditions).order_by(*order).limit(limit + 1)
    async with engine.connect() as connection:
        rows = (await connection.execute(statement)).all()
    items = [product_from_row(row) for row in rows[:limit]]
    next_cursor = encode_cursor(sort, items[-1]) if len(rows) > limit else None
    return ProductPage(items, next_cursor)
