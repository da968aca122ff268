"""One transaction per command: state, outbox and inbox together."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from inventory.adapters.orm import inbox, outbox
from inventory.adapters.repository import (
    ReservationRepository,
    SqlReservationRepository,
    SqlStockRepository,
    StockRepository,
)
from servicekit.unit_of_work import SqlUnitOfWork as BaseSqlUnitOfWork
from servicekit.unit_of_work import UnitOfWork as BaseUnitOfWork


class UnitOfWork(BaseUnitOfWork, Protocol):
    @property
    def stock(self) -> StockRepository: ...

    @property
    def reservations(self) -> ReservationRepository: ...


class SqlUnitOfWork(BaseSqlUnitOfWork):
    """Stock and reservations in one transaction, with the outbox and the inbox."""

    stock: StockRepository
    reservations: ReservationRepository

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine, source="inventory", outbox=outbox, inbox=inbox)

    def bind(self, connection: AsyncConnection) -> None:
        self.stock = SqlStockRepository(connection)
        self.reservations = SqlReservationRepository(connection)
