"""One transaction per command."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from inventory.adapters.orm import inbox
from inventory.adapters.repository import (
    ReservationRepository,
    SqlReservationRepository,
    SqlStockRepository,
    StockRepository,
)
from servicekit.unit_of_work import SqlUnitOfWork as BaseSqlUnitOfWork


class UnitOfWork(Protocol):
    @property
    def stock(self) -> StockRepository: ...

    @property
    def reservations(self) -> ReservationRepository: ...

    async def claim(self, message_id: str, handler: str) -> bool:
        """Record that `handler` handles `message_id` in this transaction; False if it did."""
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
    """Stock and reservations in one transaction, with the inbox."""

    stock: StockRepository
    reservations: ReservationRepository

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine, source="inventory", inbox=inbox)

    def bind(self, connection: AsyncConnection) -> None:
        self.stock = SqlStockRepository(connection)
        self.reservations = SqlReservationRepository(connection)
