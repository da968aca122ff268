"""Reads that change nothing go straight to the table: no unit of work, no row locks."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine

from inventory.adapters.orm import stock
from inventory.adapters.repository import STOCK_LEVEL, stock_level_from_row
from inventory.domain.model import StockLevel

# Built once: the statement cache then serves every call without compiling.
_BY_SKU = select(*STOCK_LEVEL).where(stock.c.sku == bindparam("sku"))


async def get_stock(engine: AsyncEngine, sku: str) -> StockLevel | None:
    """The stock of one SKU."""
    async with engine.connect() as connection:
        row = (await connection.execute(_BY_SKU, {"sku": sku})).first()
    return None if row is None else stock_level_from_row(row)
