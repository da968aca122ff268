"""One transaction per command; events go to the outbox in the same transaction."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from catalog.adapters.orm import outbox
from catalog.adapters.repository import ProductRepository, SqlProductRepository
from servicekit.unit_of_work import SqlUnitOfWork as BaseSqlUnitOfWork
from servicekit.unit_of_work import UnitOfWork as BaseUnitOfWork


class UnitOfWork(BaseUnitOfWork, Protocol):
    @property
    def products(self) -> ProductRepository: ...


class SqlUnitOfWork(BaseSqlUnitOfWork):
    """The catalog's products in one transaction."""

    products: ProductRepository

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine, source="catalog", outbox=outbox)

    def bind(self, connection: AsyncConnection) -> None:
        self.products = SqlProductRepository(connection)
