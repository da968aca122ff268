"""The kit's PostgreSQL inbox purge against a real database: rows older than the retention
go in bounded batches, newer ones stay, a row a handler holds is skipped rather than waited
for, and the worker's loop purges and stops when told. The migrated schemas carry the
columns and indexes the kit's outbox and inbox are declared with."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, MetaData, Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from servicekit.messaging.inbox import INBOX_RETENTION, InboxPurge, inbox_table
from tests.support.postgres import Database, fresh_database, scratch_schema
from tests.support.services import migrate


def _engine(database: Database) -> AsyncEngine:
    return create_async_engine(database.dsn().replace("postgresql://", "postgresql+asyncpg://"))


@asynccontextmanager
async def scratch_inbox(database: Database) -> AsyncIterator[tuple[AsyncEngine, Table]]:
    """An inbox table in a schema of its own, and an engine on its database."""
    inbox = inbox_table(MetaData(schema=f"inbox_{uuid.uuid4().hex[:8]}"))
    async with scratch_schema(database, inbox.metadata) as engine:
        yield engine, inbox


async def _handle(engine: AsyncEngine, inbox: Table, count: int, age: timedelta) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(count)]
    at = datetime.now(UTC) - age
    async with engine.begin() as connection:
        await connection.execute(
            inbox.insert(), [{"message_id": i, "handler": "h", "handled_at": at} for i in ids]
        )
    return ids


async def _left(engine: AsyncEngine, inbox: Table) -> set[str]:
    async with engine.connect() as connection:
        return set((await connection.execute(select(inbox.c.message_id))).scalars())


async def test_rows_past_the_retention_go_in_bounded_batches_and_the_rest_stay(
    database: Database,
) -> None:
    async with scratch_inbox(database) as (engine, inbox):
        await _handle(engine, inbox, 25, INBOX_RETENTION + timedelta(hours=1))
        kept = await _handle(engine, inbox, 5, INBOX_RETENTION - timedelta(hours=1))
        purge = InboxPurge(engine, inbox, batch_size=10, pause_seconds=0)
        assert await purge.purge_once() == 10
        assert len(await _left(engine, inbox)) == 20
        assert await purge.purge(asyncio.Event()) == 15
        assert await _left(engine, inbox) == set(kept)


async def test_a_row_a_handler_holds_is_skipped_not_waited_for(database: Database) -> None:
    async with scratch_inbox(database) as (engine, inbox):
        [held, free] = await _handle(engine, inbox, 2, INBOX_RETENTION + timedelta(days=1))
        async with engine.connect() as handler, handler.begin():
            await handler.execute(
                select(inbox.c.message_id).where(inbox.c.message_id == held).with_for_update()
            )
            purged = await asyncio.wait_for(InboxPurge(engine, inbox).purge_once(), 5)
        assert purged == 1
        assert await _left(engine, inbox) == {held}
        assert free not in await _left(engine, inbox)


async def test_the_workers_loop_purges_at_once_and_stops_when_told(database: Database) -> None:
    async with scratch_inbox(database) as (engine, inbox):
        await _handle(engine, inbox, 3, INBOX_RETENTION + timedelta(days=1))
        stop = asyncio.Event()
        task = asyncio.create_task(InboxPurge(engine, inbox, interval_seconds=3600).run(stop))
        for _ in range(50):
            if not await _left(engine, inbox):
                break
            await asyncio.sleep(0.1)
        assert await _left(engine, inbox) == set()
        stop.set()
        await asyncio.wait_for(task, 5)


@pytest.fixture(scope="module")
def migrated() -> Iterator[Database]:
    with fresh_database() as db:
        for schema in ("catalog", "ordering", "inventory"):
            migrate(schema, db.env())
        yield db


def _shape(table: Table) -> tuple[set[str], set[str]]:
    return {c.name for c in table.columns}, {str(i.name) for i in table.indexes}


@pytest.mark.parametrize("service", ["catalog", "ordering", "inventory"])
async def test_the_migrations_make_the_outbox_and_inbox_the_kit_declares(
    migrated: Database, service: str
) -> None:
    orm = __import__(f"{service}.adapters.orm", fromlist=["metadata"])
    engine = _engine(migrated)
    try:
        async with engine.connect() as connection:
            for name in ("outbox", "inbox"):
                declared: Table | None = getattr(orm, name, None)
                if declared is None:
                    continue  # catalog consumes nothing: it has no inbox

                def reflect(sync: Connection, table: str = name) -> Table:
                    return Table(table, MetaData(), schema=service, autoload_with=sync)

                live = await connection.run_sync(reflect)
                assert _shape(live) == _shape(declared), f"{service}.{name}"
                predicate = await connection.execute(
                    select(func.pg_get_expr(text("indpred"), text("indrelid")))
                    .select_from(text("pg_index"))
                    .where(text("indexrelid = CAST(:index AS regclass)"))
                    .params(index=f"{service}.outbox_unsent_idx")
                )
                if name == "outbox":
                    assert "parked_at IS NULL" in predicate.scalar_one()
    finally:
        await engine.dispose()
