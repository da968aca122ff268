"""One transaction per command: state, timeline, outbox and inbox together."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ordering.adapters.orm import inbox, outbox
from ordering.adapters.repository import OrderRepository, SqlOrderRepository
from servicekit.messaging.envelope import Event
from servicekit.unit_of_work import SqlUnitOfWork as BaseSqlUnitOfWork


class UnitOfWork(Protocol):
    @property
    def orders(self) -> OrderRepository: ...

    def publish(self, event: Event) -> None:
        """Publish `event` if, and only if, this unit of work commits."""
        ...

    async def claim(self, message_id: str, handler: str) -> bool:
        """Record a message as handled; False if it was already."""
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
    """Orders in one transaction."""

    orders: OrderRepository

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine, source="ordering", outbox=outbox, inbox=inbox)

    def bind(self, connection: AsyncConnection) -> None:
        self.orders = SqlOrderRepository(connection)
