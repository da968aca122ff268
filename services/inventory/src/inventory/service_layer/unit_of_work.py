"""One transaction per command."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from inventory.adapters.orm import inbox
from inventory.adapters.repository import (
    ReservationRepository,
    SqlReservationRepository,
    SqlStockRepository,
    StockRepository,
)
from servicekit.messaging.inbox import claim_message


class UnitOfWork(Protocol):
    @property
    def stock(self) -> StockRepository: ...

    @property
    def reservations(self) -> ReservationRepository: ...

    async def claim_message(self, message_id: str, handler: str) -> bool:
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


class SqlUnitOfWork:
    """A connection and its transaction; rolled back unless committed. Entering it again
    starts a new transaction on a new connection."""

    stock: StockRepository
    reservations: ReservationRepository

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None
        self._transaction: AsyncTransaction | None = None

    async def __aenter__(self) -> Self:
        self._connection = await self._engine.connect()
        self._transaction = await self._connection.begin()
        self.stock = SqlStockRepository(self._connection)
        self.reservations = SqlReservationRepository(self._connection)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._connection is not None
        # Closing a connection rolls back whatever was not committed.
        await self._connection.close()
        self._connection = None

    async def claim_message(self, message_id: str, handler: str) -> bool:
        assert self._connection is not None
        return await claim_message(self._connection, inbox, message_id, handler)

    async def commit(self) -> None:
        assert self._transaction is not None
        await self._transaction.commit()
