"""The kit's PostgreSQL outbox against a real database: writing rows notifies the relay when
(and only when) the transaction commits; a batch's failed rows back off in one statement, each
by its own attempt count, while the rest are marked sent."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import ClassVar

import asyncpg
from sqlalchemy import MetaData, Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from servicekit.messaging.envelope import Envelope, Event
from servicekit.messaging.outbox import OutboxRelay, add_to_outbox, notify_channel, outbox_table
from servicekit.messaging.publisher import PublishResult
from tests.support.postgres import Database


class Written(Event):
    TYPE: ClassVar[str] = "test.Written"

    n: int


@asynccontextmanager
async def scratch_outbox(database: Database) -> AsyncIterator[tuple[AsyncEngine, Table]]:
    """An outbox table in a schema of its own, and an engine on its database."""
    schema = f"relay_{uuid.uuid4().hex[:8]}"
    outbox = outbox_table(MetaData(schema=schema))
    engine = create_async_engine(database.dsn().replace("postgresql://", "postgresql+asyncpg://"))
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f"CREATE SCHEMA {schema}"))
            await connection.run_sync(outbox.metadata.create_all)
        yield engine, outbox
    finally:
        async with engine.begin() as connection:
            await connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        await engine.dispose()


async def test_writing_rows_notifies_the_relay_on_commit_only(database: Database) -> None:
    async with scratch_outbox(database) as (engine, outbox):
        listener = await asyncpg.connect(database.dsn())
        notified = asyncio.Queue[str]()
        await listener.add_listener(
            notify_channel(str(outbox.schema)), lambda *args: notified.put_nowait(args[1])
        )
        try:
            async with engine.connect() as connection:
                async with connection.begin() as transaction:
                    await add_to_outbox(connection, outbox, [Envelope.wrap(Written(n=0), "t")])
                    await transaction.rollback()
                async with connection.begin():
                    await add_to_outbox(
                        connection, outbox, [Envelope.wrap(Written(n=n), "t") for n in (1, 2)]
                    )
            await asyncio.wait_for(notified.get(), 5)  # the committed write's notification
            await asyncio.sleep(0.2)
            assert notified.empty()  # one per transaction, none for the rolled-back one
        finally:
            await listener.close()
        async with engine.connect() as connection:
            written = await connection.execute(select(func.count()).select_from(outbox))
            assert written.scalar_one() == 2


class Refusing:
    def __init__(self, refused: set[str]) -> None:
        self.refused = refused

    async def publish(self, messages: Sequence[tuple[str, str, str]]) -> PublishResult:
        ids = [m[0] for m in messages]
        return PublishResult(
            [i for i in ids if i not in self.refused], [i for i in ids if i in self.refused]
        )


async def test_failed_rows_back_off_by_their_own_attempts_and_the_rest_are_sent(
    database: Database,
) -> None:
    async with scratch_outbox(database) as (engine, outbox):
        rows = [
            {"id": uuid.uuid4(), "type": "test.Sent", "body": "{}", "attempts": attempts}
            for attempts in (0, 3, 0, 0)
        ]
        async with engine.begin() as connection:
            await connection.execute(outbox.insert(), rows)
        refused = {str(rows[0]["id"]), str(rows[1]["id"])}
        relay = OutboxRelay(engine, outbox, Refusing(refused))
        assert await relay.relay_once() == 4
        async with engine.connect() as connection:
            result = await connection.execute(
                select(
                    outbox.c.id,
                    outbox.c.attempts,
                    outbox.c.published_at,
                    outbox.c.next_attempt_at - outbox.c.created_at,
                )
            )
            found = {str(r[0]): (r[1], r[2], r[3].total_seconds()) for r in result}
        first, second = found[str(rows[0]["id"])], found[str(rows[1]["id"])]
        assert (first[0], first[1]) == (1, None)
        assert 0.4 < first[2] < 2  # 0.5 s after a first failure
        assert (second[0], second[1]) == (4, None)
        assert 3.9 < second[2] < 6  # 4 s after a fourth
        assert all(found[str(r["id"])][1] is not None for r in rows[2:])
        assert await relay.relay_once() == 0  # neither is due yet
