"""The inbox for PostgreSQL consumers: a handler records the message id in the same
transaction as its effect, so a redelivered message is recognised and changes nothing.

Rows are kept for `INBOX_RETENTION` and then purged by the worker (`InboxPurge`): a message
id only needs remembering while a copy of the message can still arrive. A copy lives 4 days
in its queue, and in its dead-letter queue up to 14 days from when it was first sent (the
longest SQS keeps anything; moving it there keeps its age); `shopctl dlq redrive` sends it
anew, to wait up to 4 more days in its queue: 18 days at most from first sending to last
delivery. Three weeks is the redrive window plus a week, and covers that with days to
spare. A copy that came later still (dead-lettered and redriven again and again, by hand)
would be handled as new.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass
from datetime import timedelta
from functools import cache

import structlog
from sqlalchemy import Column, DateTime, Index, MetaData, String, Table, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.dml import ReturningInsert

log = structlog.get_logger(__name__)

INBOX_RETENTION = timedelta(days=21)


def inbox_table(metadata: MetaData) -> Table:
    """The `inbox` table in the schema of `metadata`."""
    return Table(
        "inbox",
        metadata,
        Column("message_id", String(100), primary_key=True),
        Column("handler", String(100), primary_key=True),
        Column("handled_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        # The purge reads the oldest rows only, never the whole table.
        Index("inbox_handled_at_idx", "handled_at"),
    )


async def record_handled(
    connection: AsyncConnection, inbox: Table, handled: Sequence[tuple[str, str]]
) -> bool:
    """Record each `(message_id, handler)` in the caller's transaction; False if any was
    recorded before (then the caller rolls back and changes nothing). A concurrent
    transaction recording the same waits for that one to end, and then finds it."""
    if not handled:
        return True
    result = await connection.execute(
        _recording(inbox),
        [{"message_id": message_id, "handler": handler} for message_id, handler in handled],
    )
    return len(result.all()) == len(handled)


@cache
def _recording(inbox: Table) -> ReturningInsert[tuple[str]]:
    # Built once per table, the rows passed as parameters, not in a VALUES list: the statement
    # is then compiled once per process (SQLAlchemy compiles a multi-row VALUES insert again on
    # every execution), and neither built anew nor its cache key worked out on each.
    return insert(inbox).on_conflict_do_nothing().returning(inbox.c.message_id)


@dataclass(frozen=True)
class InboxPurge:
    """Deletes a schema's inbox rows older than the retention, until stopped.

    Each batch is one short transaction of at most `batch_size` rows, skipping any row a
    handler holds, with a pause between batches: handlers never wait on the purge for
    long, and a backlog of old rows is worked through rather than deleted in one go.
    """

    engine: AsyncEngine
    inbox: Table
    _: KW_ONLY
    retention: timedelta = INBOX_RETENTION
    batch_size: int = 1000
    interval_seconds: float = 3600.0
    pause_seconds: float = 0.2

    async def purge_once(self) -> int:
        """Delete one batch of expired rows; return how many went."""
        i = self.inbox
        expired = (
            select(i.c.message_id, i.c.handler)
            .where(i.c.handled_at < func.now() - self.retention)
            .limit(self.batch_size)
            .with_for_update(skip_locked=True)
        )
        async with self.engine.begin() as connection:
            result = await connection.execute(
                i.delete().where(tuple_(i.c.message_id, i.c.handler).in_(expired))
            )
        return int(result.rowcount or 0)

    async def purge(self, stop: asyncio.Event) -> int:
        """Delete expired rows batch by batch until none is left or `stop` is set."""
        purged = 0
        while not stop.is_set():
            deleted = await self.purge_once()
            purged += deleted
            if deleted < self.batch_size:
                break
            await asyncio.sleep(self.pause_seconds)
        return purged

    async def run(self, stop: asyncio.Event) -> None:
        """Purge now and every `interval_seconds` until `stop` is set."""
        while not stop.is_set():
            try:
                purged = await self.purge(stop)
                if purged:
                    log.info("inbox_purged", schema=self.inbox.schema, count=purged)
            except Exception as exc:  # the database is down: try again at the next round
                log.warning("inbox_purge_failed", error=repr(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval_seconds)
