"""The kit's PostgreSQL outbox against a real database: writing rows notifies the relay when
(and only when) the transaction commits; a batch's failed rows back off in one statement, each
by its own attempt count, while the rest are marked sent; a message that fails its whole batch
fails alone; a row refused `max_attempts` times is parked, listed and sent again by `shopctl`;
a broker outage parks nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, ClassVar

import asyncpg
import pytest
import structlog
from botocore.exceptions import ClientError
from sqlalchemy import MetaData, Row, Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from servicekit.messaging.envelope import Envelope, Event
from servicekit.messaging.outbox import OutboxRelay, add_to_outbox, notify_channel, outbox_table
from servicekit.messaging.publisher import PublishResult
from servicekit.messaging.relay import RetryPolicy
from shopctl.outbox import database_from_environment, list_parked_rows, retry_parked_rows
from tests.support.postgres import Database, fresh_database, scratch_schema
from tests.support.services import migrate


class Written(Event):
    TYPE: ClassVar[str] = "test.Written"

    n: int


@asynccontextmanager
async def scratch_outbox(database: Database) -> AsyncIterator[tuple[AsyncEngine, Table]]:
    """An outbox table in a schema of its own, and an engine on its database."""
    outbox = outbox_table(MetaData(schema=f"relay_{uuid.uuid4().hex[:8]}"))
    async with scratch_schema(database, outbox.metadata) as engine:
        yield engine, outbox


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


def _rows(ids: Sequence[uuid.UUID], **columns: object) -> list[dict[str, object]]:
    return [{"id": i, "type": "test.Sent", "body": "{}"} | columns for i in ids]


async def _state(engine: AsyncEngine, outbox: Table) -> dict[str, Row[Any]]:
    async with engine.connect() as connection:
        result = await connection.execute(
            select(
                outbox.c.id,
                outbox.c.attempts,
                outbox.c.published_at,
                outbox.c.parked_at,
                outbox.c.last_error,
                (outbox.c.next_attempt_at > func.now()).label("waiting"),
            )
        )
        return {str(row[0]): row for row in result}


class BatchRefusing:
    """Refuses a whole call that carries a message it can never take, as SNS does with a
    batch over its size limit."""

    def __init__(self, refused: set[str]) -> None:
        self.refused = refused
        self.sent: list[str] = []

    async def publish(self, messages: Sequence[tuple[str, str, str]]) -> PublishResult:
        if any(m[0] in self.refused for m in messages):
            response: Any = {
                "Error": {"Code": "BatchRequestTooLong", "Message": "too long"},
                "ResponseMetadata": {"HTTPStatusCode": 400},
            }
            raise ClientError(response, "PublishBatch")
        self.sent += [m[0] for m in messages]
        return PublishResult([m[0] for m in messages], [])


async def test_a_message_that_fails_its_whole_batch_fails_alone(database: Database) -> None:
    async with scratch_outbox(database) as (engine, outbox):
        ids = [uuid.uuid4() for _ in range(3)]
        async with engine.begin() as connection:
            await connection.execute(outbox.insert(), _rows(ids))
        publisher = BatchRefusing({str(ids[1])})
        assert await OutboxRelay(engine, outbox, publisher).relay_once() == 3
        assert sorted(publisher.sent) == sorted([str(ids[0]), str(ids[2])])
        state = await _state(engine, outbox)
        bad = state[str(ids[1])]
        assert (bad.attempts, bad.published_at, bad.parked_at) == (1, None, None)
        assert "BatchRequestTooLong" in bad.last_error


class Down:
    async def publish(self, messages: Sequence[tuple[str, str, str]]) -> PublishResult:
        raise ConnectionError("broker down")


async def test_a_broker_outage_backs_off_counts_no_refusal_and_parks_nothing(
    database: Database,
) -> None:
    async with scratch_outbox(database) as (engine, outbox):
        ids = [uuid.uuid4() for _ in range(2)]
        async with engine.begin() as connection:
            await connection.execute(outbox.insert(), _rows(ids))
        relay = OutboxRelay(engine, outbox, Down(), retry=RetryPolicy(max_attempts=1))
        assert await relay.relay_once() == 2
        for row in (await _state(engine, outbox)).values():
            assert (row.attempts, row.published_at, row.parked_at) == (0, None, None)
            assert "broker down" in row.last_error
            assert row.waiting  # before its next try
        assert await relay.relay_once() == 0


@pytest.fixture(scope="module")
def catalog_database() -> Iterator[Database]:
    """A database of its own with the catalog's migrations: the outbox as deployed."""
    with fresh_database() as db:
        migrate("catalog", db.env())
        yield db


async def test_a_row_refused_n_times_is_parked_listed_and_sent_again_after_a_retry(
    catalog_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from catalog.adapters.orm import outbox

    engine = create_async_engine(
        catalog_database.dsn().replace("postgresql://", "postgresql+asyncpg://")
    )
    ids = [uuid.uuid4() for _ in range(3)]
    bad = str(ids[0])
    try:
        async with engine.begin() as connection:
            await connection.execute(outbox.insert(), _rows(ids))
        refusing = Refusing({bad})
        retry = RetryPolicy(max_attempts=3, base_backoff_seconds=0)
        relay = OutboxRelay(engine, outbox, refusing, retry=retry)
        with structlog.testing.capture_logs() as logs:
            for _ in range(3):
                await relay.relay_once()
        state = await _state(engine, outbox)
        assert (state[bad].attempts, state[bad].published_at) == (3, None)
        assert state[bad].parked_at is not None
        assert state[bad].last_error == "refused"
        assert all(state[str(i)].published_at is not None for i in ids[1:])
        assert await relay.relay_once() == 0  # a parked row is claimed no more
        [parked] = [e for e in logs if e["event"] == "outbox_item_parked"]
        assert (parked["store"], parked["message_id"], parked["attempts"]) == ("catalog", bad, 3)
        assert parked["parked_total"] >= 1

        monkeypatch.setenv("DB_HOST", catalog_database.host)
        monkeypatch.setenv("DB_PORT", str(catalog_database.port))
        monkeypatch.setenv("DB_NAME", catalog_database.name)
        monkeypatch.setenv("DB_USER", catalog_database.user)
        monkeypatch.setenv("DB_PASSWORD", catalog_database.password)
        reach = database_from_environment()
        [listed] = await asyncio.to_thread(list_parked_rows, reach, "catalog")
        assert (listed.message_id, listed.message_type, listed.attempts) == (bad, "test.Sent", 3)
        assert listed.last_error == "refused"

        # A running relay that polls rarely sends the retried row at once: it is notified.
        sent = Refusing(set())
        running = OutboxRelay(engine, outbox, sent, poll_seconds=60)
        stop = asyncio.Event()
        task = asyncio.create_task(running.run(stop))
        try:
            await asyncio.sleep(0.5)  # listening
            assert await asyncio.to_thread(retry_parked_rows, reach, "catalog", bad) == 1
            assert await asyncio.to_thread(list_parked_rows, reach, "catalog") == []
            for _ in range(50):
                if (await _state(engine, outbox))[bad].published_at is not None:
                    break
                await asyncio.sleep(0.1)
            row = (await _state(engine, outbox))[bad]
            assert row.published_at is not None
            assert (row.attempts, row.parked_at, row.last_error) == (0, None, None)
        finally:
            stop.set()
            await task
        with pytest.raises(LookupError):
            await asyncio.to_thread(retry_parked_rows, reach, "catalog", bad)
    finally:
        await engine.dispose()
