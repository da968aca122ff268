"""The unit of work PostgreSQL services share: one connection, one transaction, and the
events the change produces written to the outbox in that same transaction (for a service that
publishes), and the messages it handles recorded in its inbox (for one that consumes)."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from servicekit.messaging.envelope import Envelope, Message
from servicekit.messaging.inbox import claim_message
from servicekit.messaging.outbox import add_to_outbox


class Transaction(Protocol):
    """What a service layer sees of a SQL unit of work; services add their repositories."""

    def publish(self, event: Message) -> None:
        """Publish `event` if, and only if, this unit of work commits."""
        ...

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


class SqlUnitOfWork:
    """Rolled back unless committed. Subclasses attach their repositories in `bind`."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        source: str,
        outbox: Table | None = None,
        inbox: Table | None = None,
    ) -> None:
        self._engine = engine
        self._source = source
        self._outbox = outbox
        self._inbox = inbox
        self._events: list[Message] = []
        self._connection: AsyncConnection | None = None
        self._transaction: AsyncTransaction | None = None

    def bind(self, connection: AsyncConnection) -> None:
        """Create the repositories that work within `connection`'s transaction."""

    async def __aenter__(self) -> Self:
        self._connection = await self._engine.connect()
        self._transaction = await self._connection.begin()
        self._events = []
        self.bind(self._connection)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Closing a connection rolls back whatever was not committed.
        await self._open().close()

    def publish(self, event: Message) -> None:
        """Publish `event` if, and only if, this unit of work commits."""
        if self._outbox is None:
            raise RuntimeError("this unit of work has no outbox: the event would be lost")
        self._events.append(event)

    async def claim(self, message_id: str, handler: str) -> bool:
        """Record a message as handled by `handler`; False if it already was."""
        if self._inbox is None:
            raise RuntimeError("this unit of work has no inbox")
        return await claim_message(self._open(), self._inbox, message_id, handler)

    async def commit(self) -> None:
        """Write the outbox and commit the state change with it."""
        connection = self._open()
        if self._transaction is None:
            raise RuntimeError("the unit of work was not entered")
        if self._outbox is not None:
            envelopes = [Envelope.wrap(event, self._source) for event in self._events]
            await add_to_outbox(connection, self._outbox, envelopes)
        await self._transaction.commit()
        self._events.clear()

    def _open(self) -> AsyncConnection:
        if self._connection is None:
            raise RuntimeError("the unit of work was not entered (`async with uow:`)")
        return self._connection
