"""Products in PostgreSQL."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters.orm import products
from catalog.domain.model import Product


class ProductRepository(Protocol):
    async def get(self, product_id: uuid.UUID) -> Product | None: ...

    async def add(self, product: Product) -> bool:
        """Store a new product; False when its SKU is taken."""
        ...

    async def save(self, product: Product, expected_version: int) -> bool:
        """Store a changed product; False when it has moved past `expected_version`."""
        ...


def product_from_row(row: Any) -> Product:
    """A product from a row of the products table."""
    return Product(**row._mapping)


class SqlProductRepository:
    """Products in the `catalog.products` table, within the caller's transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def get(self, product_id: uuid.UUID) -> Product | None:
        result = await self._connection.execute(
            select(products).where(products.c.id == product_id).with_for_update()
        )
        row = result.first()
        return None if row is None else product_from_row(row)

    async def add(self, product: Product) -> bool:
        # Take the SKU in the insert itself: two concurrent creates cannot both win.
        statement = (
            pg_insert(products)
            .values(**asdict(product))
            .on_conflict_do_nothing(index_elements=[products.c.sku])
            .returning(products.c.id)
        )
        result = await self._connection.execute(statement)
        return result.first() is not None

    async def save(self, product: Product, expected_version: int) -> bool:
        values = asdict(product)
        del values["id"], values["created_at"]
        result = await self._connection.execute(
            update(products)
            .where(products.c.id == product.id, products.c.version == expected_version)
            .values(**values)
            .returning(products.c.id)
        )
        return result.first() is not None
