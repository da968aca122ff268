"""The outbox parks a row the broker refused ten times: its last error, and when it was
parked; the unsent index leaves parked rows out, so the relay's claim never reads them. The
inbox is indexed by when each message was handled, so the worker's purge of old rows reads
only what it deletes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from migrations.messaging import (
    add_inbox_purge_index,
    add_outbox_parking,
    drop_inbox_purge_index,
    drop_outbox_parking,
)

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "ordering"


def upgrade() -> None:
    add_outbox_parking(SCHEMA)
    add_inbox_purge_index(SCHEMA)


def downgrade() -> None:
    drop_inbox_purge_index(SCHEMA)
    drop_outbox_parking(SCHEMA)
