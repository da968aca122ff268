"""One contract for a unit of work, whatever the store, and the PostgreSQL implementation of it
(`servicekit.dynamo.DynamoUnitOfWork` is the DynamoDB one).

A unit of work is entered (`async with uow:`), gathers a change (its repositories' writes, the
messages it publishes, the messages it records as handled) and stores all of it in
`commit()`, or nothing. `commit()` says which: False when a condition does not hold (a
claimed message was handled before, a conditional write lost), and then nothing is stored.
Leaving it uncommitted stores nothing either. `retrying` tries a change again while its
commit keeps losing to another writer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, Self, TypeVar

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from servicekit.messaging.envelope import Envelope, Message
from servicekit.messaging.inbox import record_handled
from servicekit.messaging.outbox import add_to_outbox


class UnitOfWork(Protocol):
    """What a service layer sees of a unit of work; services add their repositories."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc_info: object) -> None:
        """Forget whatever was not committed."""
        ...

    def publish(self, message: Message) -> None:
        """Publish `message` if, and only if, this unit of work commits."""
        ...

    def claim(self, message_id: str, scope: str) -> None:
        """Record the message as handled for `scope` (its handler, or the item it changes)
        when this unit of work commits; the commit fails if it was handled before."""
        ...

    async def commit(self) -> bool:
        """Store everything gathered, all or nothing; False, storing nothing, if a claimed
        message was handled before or a write's condition no longer holds."""
        ...


U = TypeVar("U", bound=UnitOfWork)
T = TypeVar("T")


async def retrying(
    uow: U, change: Callable[[U], Awaitable[T]], *, attempts: int, conflict: Exception
) -> T:
    """Make `change` in `uow` and commit it; while the commit loses (another write came
    first), make it again on what is stored then, `attempts` times in all, and then raise
    `conflict`. `change` reads, decides and stages, and returns what the caller gets once its
    commit succeeds; one that stages nothing has nothing to lose. An error it raises is not
    tried again."""
    for _ in range(attempts):
        async with uow:
            result = await change(uow)
            if await uow.commit():
                return result
    raise conflict


class SqlUnitOfWork:
    """One PostgreSQL transaction: state, outbox rows and inbox rows. Subclasses attach their
    repositories in `bind`."""

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
        self._claims: list[tuple[str, str]] = []
        self._connection: AsyncConnection | None = None

    def bind(self, connection: AsyncConnection) -> None:
        """Create the repositories that work within `connection`'s transaction."""

    async def __aenter__(self) -> Self:
        self._connection = await self._engine.connect()
        await self._connection.begin()
        self._events, self._claims = [], []
        self.bind(self._connection)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        # Closing a connection rolls back whatever was not committed.
        connection, self._connection = self._open(), None
        self._events, self._claims = [], []
        await connection.close()

    def publish(self, message: Message) -> None:
        """Publish `message` if, and only if, this unit of work commits."""
        if self._outbox is None:
            raise RuntimeError("this unit of work has no outbox: the message would be lost")
        self._events.append(message)

    def claim(self, message_id: str, scope: str) -> None:
        """Record the message as handled for `scope` when this unit of work commits; the
        commit fails if it was handled before."""
        if self._inbox is None:
            raise RuntimeError("this unit of work has no inbox")
        self._claims.append((message_id, scope))

    async def commit(self) -> bool:
        """Write the inbox rows and the outbox, and commit the state change with them. False,
        rolling everything back, if a claimed message was handled before. The unit of work
        may go on afterwards, in a new transaction (reads see what is stored now)."""
        connection = self._open()
        claims, self._claims = self._claims, []
        events, self._events = self._events, []
        if self._inbox is not None and not await record_handled(connection, self._inbox, claims):
            await connection.rollback()
            return False
        if self._outbox is not None:
            envelopes = [Envelope.wrap(event, self._source) for event in events]
            await add_to_outbox(connection, self._outbox, envelopes)
        await connection.commit()
        return True

    def _open(self) -> AsyncConnection:
        if self._connection is None:
            raise RuntimeError("the unit of work was not entered (`async with uow:`)")
        return self._connection
