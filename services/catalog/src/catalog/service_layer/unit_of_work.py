"""One transaction per command; events go to the outbox in the same transaction."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from catalog.adapters.orm import outbox
from catalog.adapters.repository import ProductRepository, SqlProductRepository
from servicekit.messaging.envelope import Event
from servicekit.unit_of_work import SqlUnitOfWork as BaseSqlUnitOfWork


class UnitOfWork(Protocol):
    @property
    def products(self) -> ProductRepository: ...

    def publish(self, event: Event) -> None:
        """Publish `event` if, and only if, this unit of work commits."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


class SqlUnitOfWork(BaseSqlUnitOfWork):
    """The catalog's products in one transaction."""

    products: ProductRepository

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine, source="catalog", outbox=outbox)

    def bind(self, connection: AsyncConnection) -> None:
        self.products = SqlProductRepository(connection)
