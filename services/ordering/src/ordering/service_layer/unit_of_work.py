"""One transaction per command: state, timeline, outbox and inbox together."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ordering.adapters.orm import inbox, outbox
from ordering.adapters.repository import OrderRepository, SqlOrderRepository
from servicekit.unit_of_work import SqlUnitOfWork as BaseSqlUnitOfWork
from servicekit.unit_of_work import UnitOfWork as BaseUnitOfWork


class UnitOfWork(BaseUnitOfWork, Protocol):
    @property
    def orders(self) -> OrderRepository: ...


class SqlUnitOfWork(BaseSqlUnitOfWork):
    """Orders in one transaction."""

    orders: OrderRepository

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine, source="ordering", outbox=outbox, inbox=inbox)

    def bind(self, connection: AsyncConnection) -> None:
        self.orders = SqlOrderRepository(connection)
