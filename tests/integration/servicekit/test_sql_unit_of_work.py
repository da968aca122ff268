"""The kit's PostgreSQL unit of work against a real database: claims are written in the
commit, and a message handled before makes the commit return False with nothing stored, not
its state, not its outbox rows; of concurrent deliveries of one message, one stores; after a
commit, either way, the unit of work reads what is stored."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import ClassVar

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from servicekit.messaging.envelope import Event
from servicekit.messaging.inbox import inbox_table
from servicekit.messaging.outbox import outbox_table
from servicekit.unit_of_work import SqlUnitOfWork
from tests.support.postgres import Database, scratch_schema


class Noted(Event):
    TYPE: ClassVar[str] = "test.Noted"

    note: str


class Notes:
    """A schema of its own: notes, an outbox and an inbox."""

    def __init__(self, schema: str) -> None:
        self.schema = schema
        self.metadata = MetaData(schema=schema)
        self.notes = Table(
            "notes", self.metadata, Column("id", Integer, primary_key=True), Column("note", String)
        )
        self.outbox = outbox_table(self.metadata)
        self.inbox = inbox_table(self.metadata)


class NotesUnitOfWork(SqlUnitOfWork):
    """Notes in one transaction, with the outbox and the inbox."""

    connection: AsyncConnection

    def __init__(self, engine: AsyncEngine, notes: Notes) -> None:
        super().__init__(engine, source="test", outbox=notes.outbox, inbox=notes.inbox)
        self.tables = notes

    def bind(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def add(self, note: str) -> None:
        await self.connection.execute(self.tables.notes.insert().values(note=note))

    async def count(self) -> int:
        query = select(func.count()).select_from(self.tables.notes)
        return int((await self.connection.execute(query)).scalar_one())


@pytest.fixture
async def store(database: Database) -> AsyncIterator[tuple[AsyncEngine, Notes]]:
    notes = Notes(f"uow_{uuid.uuid4().hex[:8]}")
    async with scratch_schema(database, notes.metadata) as engine:
        yield engine, notes


async def _note(engine: AsyncEngine, notes: Notes, message_id: str) -> bool:
    """A handler: write a note and publish it, once per message."""
    async with NotesUnitOfWork(engine, notes) as uow:
        await uow.add(f"from {message_id}")
        uow.publish(Noted(note=message_id))
        uow.claim(message_id, "note")
        return await uow.commit()


async def _rows(engine: AsyncEngine, table: Table) -> int:
    async with engine.connect() as connection:
        query = select(func.count()).select_from(table)
        return int((await connection.execute(query)).scalar_one())


async def test_a_message_handled_before_stores_nothing(store: tuple[AsyncEngine, Notes]) -> None:
    engine, notes = store
    assert await _note(engine, notes, "m-1") is True
    assert await _note(engine, notes, "m-1") is False
    assert await _note(engine, notes, "m-2") is True
    assert [await _rows(engine, t) for t in (notes.notes, notes.outbox, notes.inbox)] == [2, 2, 2]


async def test_of_concurrent_deliveries_of_one_message_one_stores(
    store: tuple[AsyncEngine, Notes],
) -> None:
    engine, notes = store
    stored = await asyncio.gather(*(_note(engine, notes, "m-1") for _ in range(4)))
    assert sorted(stored) == [False, False, False, True]
    assert [await _rows(engine, t) for t in (notes.notes, notes.outbox, notes.inbox)] == [1, 1, 1]


async def test_after_a_commit_either_way_the_unit_of_work_reads_what_is_stored(
    store: tuple[AsyncEngine, Notes],
) -> None:
    engine, notes = store
    assert await _note(engine, notes, "m-1") is True
    async with NotesUnitOfWork(engine, notes) as uow:
        await uow.add("lost")
        uow.claim("m-1", "note")
        assert await uow.commit() is False
        assert await uow.count() == 1  # rolled back
        await uow.add("kept")
        assert await uow.commit() is True
        assert await uow.count() == 2
    assert await _rows(engine, notes.notes) == 2


async def test_two_claims_of_one_message_in_one_unit_of_work_store_nothing(
    store: tuple[AsyncEngine, Notes],
) -> None:
    engine, notes = store
    async with NotesUnitOfWork(engine, notes) as uow:
        await uow.add("twice")
        uow.claim("m-1", "note")
        uow.claim("m-1", "note")
        assert await uow.commit() is False
    assert await _rows(engine, notes.notes) == 0
