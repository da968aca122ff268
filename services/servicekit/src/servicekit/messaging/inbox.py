"""The inbox for PostgreSQL consumers: a handler records the message id in the same
transaction as its effect, so a redelivered message is recognised and changes nothing."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, MetaData, String, Table, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection


def inbox_table(metadata: MetaData) -> Table:
    """The `inbox` table in the schema of `metadata`."""
    return Table(
        "inbox",
        metadata,
        Column("message_id", String(100), primary_key=True),
        Column("handler", String(100), primary_key=True),
        Column("handled_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


async def claim_message(
    connection: AsyncConnection, inbox: Table, message_id: str, handler: str
) -> bool:
    """Record that `handler` handles `message_id` in the caller's transaction; False if it
    already did (then the caller changes nothing)."""
    result = await connection.execute(
        insert(inbox)
        .values(message_id=message_id, handler=handler)
        .on_conflict_do_nothing()
        .returning(inbox.c.message_id)
    )
    return result.first() is not None
