"""The transactional outbox for PostgreSQL services, and the relay that empties it.

A service writes its state change and its events in one transaction (`add_to_outbox`). The
relay locks unsent rows with `FOR UPDATE SKIP LOCKED` (so several relays share the work
without sending a row twice at once), publishes them, and marks them sent in the same
transaction. A relay killed after publishing and before committing leaves the rows unsent:
they go out again, and consumers' inboxes absorb the duplicate. It wakes on `NOTIFY`, so an
event leaves as soon as its transaction commits, and polls as a fallback.

What becomes of each row is decided by the relay core both outboxes share (`relay.RelayCore`):
a row the broker refuses fails alone, not its batch, and is tried again with exponential
backoff (`next_attempt_at`); after the relay's `retry.max_attempts` refusals it is parked
(`parked_at`, with `attempts` and `last_error`), logged as `outbox_item_parked`, and left for
`shopctl outbox parked|retry`; the rows behind it go on. Each batch's outcome is written in
three statements at most (sent, backed off, parked), in the locking transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from functools import cache

import structlog
from sqlalchemy import (
    Column,
    DateTime,
    Double,
    Index,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    Text,
    Uuid,
    Values,
    bindparam,
    cast,
    column,
    func,
    select,
    text,
    update,
    values,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from servicekit.messaging.envelope import Envelope
from servicekit.messaging.relay import (
    Outgoing,
    Park,
    Publisher,
    RelayCore,
    Retry,
    RetryPolicy,
    Settlement,
)

log = structlog.get_logger(__name__)

# Where a row stands: unsent (and due at `next_attempt_at`), sent, or parked.
UNSENT = "published_at IS NULL AND parked_at IS NULL"


def outbox_table(metadata: MetaData) -> Table:
    """The `outbox` table in the schema of `metadata`."""
    return Table(
        "outbox",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("type", String(200), nullable=False),
        Column("body", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True)),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column(
            "next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()
        ),
        # The broker's last word on a row it refused or could not be reached for.
        Column("last_error", Text),
        # Set when the row was refused `max_attempts` times: no relay sends it until a person
        # retries it (`shopctl outbox retry`).
        Column("parked_at", DateTime(timezone=True)),
        Index("outbox_unsent_idx", "next_attempt_at", postgresql_where=text(UNSENT)),
    )


def notify_channel(schema: str) -> str:
    """The `LISTEN`/`NOTIFY` channel a schema's relay wakes on."""
    return f"{schema}_outbox"


async def add_to_outbox(
    connection: AsyncConnection, outbox: Table, envelopes: Sequence[Envelope]
) -> None:
    """Write envelopes in the caller's transaction; the relay is notified when it commits."""
    if not envelopes:
        return
    await connection.execute(
        _adding(outbox),
        {
            "ids": [e.id for e in envelopes],
            "types": [e.type for e in envelopes],
            "bodies": [e.model_dump_json() for e in envelopes],
        },
    )


@cache
def _adding(outbox: Table) -> Select[tuple[str]]:
    # One round trip: the rows, and the notification. NOTIFY is transactional: it is delivered
    # on commit, and not at all on rollback. The rows come as three arrays, so that one
    # statement serves any number of them and is compiled once per process (SQLAlchemy
    # compiles a multi-row VALUES insert again on every execution).
    rows = (
        func.unnest(
            cast(bindparam("ids"), ARRAY(Uuid)),
            cast(bindparam("types"), ARRAY(Text)),
            cast(bindparam("bodies"), ARRAY(Text)),
        )
        .table_valued("id", "type", "body")
        .render_derived("new_rows")
    )
    written = (
        outbox.insert()
        .from_select(["id", "type", "body"], select(rows.c.id, rows.c.type, rows.c.body))
        .returning(outbox.c.id)
        .cte("written")
    )
    channel = notify_channel(str(outbox.schema))
    return select(func.pg_notify(channel, "")).select_from(written).limit(1)


class OutboxRelay:
    """Publishes a schema's outbox rows until stopped."""

    def __init__(
        self,
        engine: AsyncEngine,
        outbox: Table,
        publisher: Publisher,
        *,
        batch_size: int = 50,
        poll_seconds: float = 5.0,
        retry: RetryPolicy = RetryPolicy(),
        retention: timedelta = timedelta(days=1),
    ) -> None:
        self._engine = engine
        self._outbox = outbox
        self._core = RelayCore(publisher, str(outbox.schema), retry)
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._retention = retention
        self._wake = asyncio.Event()

    async def relay_once(self) -> int:
        """Lock, publish and settle one batch; return how many rows were locked."""
        o = self._outbox
        async with self._engine.begin() as connection:
            rows = (
                await connection.execute(
                    select(o.c.id, o.c.type, o.c.body, o.c.attempts)
                    .where(text(UNSENT), o.c.next_attempt_at <= func.now())
                    .order_by(o.c.created_at)
                    .limit(self._batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                self._core.sweep_done(0)
                return 0
            locked = [Outgoing(str(r.id), r.type, r.body, r.attempts) for r in rows]
            settlement = await self._core.settle(locked)
            await self._write(connection, settlement)
        # Told once the transaction holds: a rolled-back park parked nothing.
        for park in settlement.park:
            self._core.parked(park)
        self._core.sweep_done(len(rows))
        return len(rows)

    async def _write(self, connection: AsyncConnection, settlement: Settlement) -> None:
        """One statement for the sent rows, one for those to try again, one for the parked."""
        o = self._outbox
        if settlement.sent:
            ids = [uuid.UUID(m) for m in settlement.sent]
            await connection.execute(
                update(o).where(o.c.id.in_(ids)).values(published_at=func.now())
            )
        if settlement.retry:
            retry = _rows("retry", settlement.retry)
            await connection.execute(
                update(o)
                .where(o.c.id == retry.c.id)
                .values(
                    attempts=retry.c.attempts,
                    last_error=retry.c.error,
                    next_attempt_at=func.now()
                    + func.make_interval(0, 0, 0, 0, 0, 0, retry.c.delay),
                )
            )
        if settlement.park:
            park = _rows("park", settlement.park)
            await connection.execute(
                update(o)
                .where(o.c.id == park.c.id)
                .values(attempts=park.c.attempts, last_error=park.c.error, parked_at=func.now())
            )

    async def purge(self) -> int:
        """Delete rows sent longer ago than the retention period."""
        o = self._outbox
        async with self._engine.begin() as connection:
            result = await connection.execute(
                o.delete().where(o.c.published_at < func.now() - self._retention)
            )
        return int(result.rowcount or 0)

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop` is set, waking on `NOTIFY` and every `poll_seconds`."""
        async with self._listening():
            purge_due = 0.0
            loop = asyncio.get_running_loop()
            while not stop.is_set():
                self._wake.clear()
                try:
                    locked = await self.relay_once()
                    if loop.time() >= purge_due:
                        await self.purge()
                        purge_due = loop.time() + 3600
                except Exception as exc:  # the database is down: try again later
                    log.warning("outbox_relay_failed", error=repr(exc))
                    locked = 0
                if locked >= self._batch_size:
                    continue  # more may be waiting
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wait(stop), self._poll_seconds)

    async def _wait(self, stop: asyncio.Event) -> None:
        stopped = asyncio.ensure_future(stop.wait())
        woken = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({stopped, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
            woken.cancel()

    @contextlib.asynccontextmanager
    async def _listening(self) -> AsyncIterator[None]:
        channel = notify_channel(str(self._outbox.schema))
        try:
            connection = await self._engine.connect()
        except Exception as exc:  # without LISTEN the relay still polls
            log.warning("outbox_listen_failed", error=repr(exc))
            yield
            return
        try:
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            if driver is None:
                raise RuntimeError("the pool gave a connection without its driver")
            await driver.add_listener(channel, lambda *_: self._wake.set())
            yield
        finally:
            with contextlib.suppress(Exception):
                await connection.invalidate()  # a LISTENing connection goes back to no pool
            await connection.close()


def _rows(name: str, decisions: Sequence[Retry] | Sequence[Park]) -> Values:
    """A batch's decisions as a `VALUES` list to update the outbox from, in one statement."""
    return values(
        column("id", Uuid),
        column("attempts", Integer),
        column("delay", Double),
        column("error", Text),
        name=name,
    ).data(
        [
            (uuid.UUID(d.message_id), d.attempts, d.delay if isinstance(d, Retry) else 0.0, d.error)
            for d in decisions
        ]
    )
