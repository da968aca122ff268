"""Changes to the outbox and inbox tables that every schema with them makes alike, each
schema's revision calling them with its own schema's name.

A revision's effect must never change once released: a change to what one of these does is a
new function (and a new revision), not an edit here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def _unsent_index(schema: str, where: str) -> None:
    op.create_index(
        "outbox_unsent_idx",
        "outbox",
        ["next_attempt_at"],
        schema=schema,
        postgresql_where=sa.text(where),
    )


def add_outbox_parking(schema: str) -> None:
    """The outbox parks a row the broker refused ten times: its last error, and when it was
    parked. The unsent index leaves parked rows out, so the relay's claim never reads them."""
    op.add_column("outbox", sa.Column("last_error", sa.Text()), schema=schema)
    op.add_column("outbox", sa.Column("parked_at", sa.DateTime(timezone=True)), schema=schema)
    op.drop_index("outbox_unsent_idx", "outbox", schema=schema)
    _unsent_index(schema, "published_at IS NULL AND parked_at IS NULL")


def drop_outbox_parking(schema: str) -> None:
    """Undo `add_outbox_parking`. A parked row becomes unsent again: the relay before it
    retries it forever."""
    op.drop_index("outbox_unsent_idx", "outbox", schema=schema)
    op.drop_column("outbox", "parked_at", schema=schema)
    op.drop_column("outbox", "last_error", schema=schema)
    _unsent_index(schema, "published_at IS NULL")


def add_inbox_purge_index(schema: str) -> None:
    """The inbox indexed by when each message was handled, so the worker's purge of old rows
    reads only what it deletes."""
    op.create_index("inbox_handled_at_idx", "inbox", ["handled_at"], schema=schema)


def drop_inbox_purge_index(schema: str) -> None:
    """Undo `add_inbox_purge_index`."""
    op.drop_index("inbox_handled_at_idx", "inbox", schema=schema)
