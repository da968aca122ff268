"""The outbox parks a row the broker refused ten times: its last error, and when it was
parked; the unsent index leaves parked rows out, so the relay's claim never reads them. The
inbox is indexed by when each message was handled, so the worker's purge of old rows reads
only what it deletes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "inventory"


def upgrade() -> None:
    op.add_column("outbox", sa.Column("last_error", sa.Text()), schema=SCHEMA)
    op.add_column("outbox", sa.Column("parked_at", sa.DateTime(timezone=True)), schema=SCHEMA)
    op.drop_index("outbox_unsent_idx", "outbox", schema=SCHEMA)
    op.create_index(
        "outbox_unsent_idx",
        "outbox",
        ["next_attempt_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("published_at IS NULL AND parked_at IS NULL"),
    )
    op.create_index("inbox_handled_at_idx", "inbox", ["handled_at"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("inbox_handled_at_idx", "inbox", schema=SCHEMA)
    # A parked row becomes unsent again: the relay before this revision retries it forever.
    op.drop_index("outbox_unsent_idx", "outbox", schema=SCHEMA)
    op.drop_column("outbox", "parked_at", schema=SCHEMA)
    op.drop_column("outbox", "last_error", schema=SCHEMA)
    op.create_index(
        "outbox_unsent_idx",
        "outbox",
        ["next_attempt_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("published_at IS NULL"),
    )
