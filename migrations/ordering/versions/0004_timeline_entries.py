"""Each order counts the entries of its timeline, so that a step outcome is recorded with its
claim and its room checked in one statement.

Code from before this revision writes entries without counting them: on a schema rolled back
to it, the count falls behind, and an order's timeline may take that many more entries than
its limit. Nothing else reads the count.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "ordering"


def upgrade() -> None:
    op.add_column(
        "orders",
        sa.Column("timeline_entries", sa.Integer, nullable=False, server_default="0"),
        schema=SCHEMA,
    )
    op.execute(
        "UPDATE ordering.orders o SET timeline_entries = "
        "(SELECT count(*) FROM ordering.order_timeline t WHERE t.order_id = o.id)"
    )


def downgrade() -> None:
    op.drop_column("orders", "timeline_entries", schema=SCHEMA)
