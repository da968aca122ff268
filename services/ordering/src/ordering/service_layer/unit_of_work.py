"""One transaction per command: state, timeline, outbox and inbox together."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from ordering.adapters.orm import inbox, outbox
from ordering.adapters.repository import OrderRepository, SqlOrderRepository
from servicekit.messaging.envelope import Envelope, Event
from servicekit.messaging.inbox import claim_message
from servicekit.messaging.outbox import add_to_outbox

SOURCE = "ordering"


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


class SqlUnitOfWork:
    """A connection and its transaction; rolled back unless committed."""

    orders: OrderRepository

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._events: list[Event] = []
        self._connection: AsyncConnection | None = None
        self._transaction: AsyncTransaction | None = None

    async def __aenter__(self) -> Self:
        self._connection = await self._engine.connect()
        self._transaction = await self._connection.begin()
        self.orders = SqlOrderRepository(self._connection)
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

    def publish(self, event: Event) -> None:
        self._events.append(event)

    async def claim(self, message_id: str, handler: str) -> bool:
        assert self._connection is not None
        return await claim_message(self._connection, inbox, message_id, handler)

    async def commit(self) -> None:
        assert self._connection is not None
        assert self._transaction is not None
        envelopes = [Envelope.wrap(event, SOURCE) for event in self._events]
        await add_to_outbox(self._connection, outbox, envelopes)
        await self._transaction.commit()
        self._events.clear()
