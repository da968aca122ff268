"""Stock per SKU, the reservations orders hold on it, and the inbox of handled messages.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "inventory"
STATUSES = "('HELD', 'COMMITTED', 'RELEASED', 'REJECTED')"


def upgrade() -> None:
    op.create_table(
        "stock",
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("product_id", sa.Uuid()),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("reserved >= 0", name="stock_reserved_not_negative"),
        sa.CheckConstraint("reserved <= on_hand", name="stock_available_not_negative"),
        schema=SCHEMA,
    )
    op.create_table(
        "reservations",
        sa.Column("order_id", sa.Text(), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("short_skus", postgresql.ARRAY(sa.Text()), nullable=False, server_default="{}"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"status IN {STATUSES}", name="reservations_status_known"),
        schema=SCHEMA,
    )
    # The sweep looks for holds older than the expiry; only held ones are indexed.
    op.create_index(
        "reservations_held_idx",
        "reservations",
        ["created_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'HELD'"),
    )
    op.create_table(
        "reservation_lines",
        sa.Column(
            "order_id",
            sa.Text(),
            sa.ForeignKey(f"{SCHEMA}.reservations.order_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("sku", sa.Text(), primary_key=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.CheckConstraint("quantity > 0", name="reservation_lines_quantity_positive"),
        sa.CheckConstraint(f"status IN {STATUSES}", name="reservation_lines_status_known"),
        schema=SCHEMA,
    )
    op.create_table(
        "inbox",
        sa.Column("message_id", sa.String(100), primary_key=True),
        sa.Column("handler", sa.String(100), primary_key=True),
        sa.Column(
            "handled_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("inbox", schema=SCHEMA)
    op.drop_table("reservation_lines", schema=SCHEMA)
    op.drop_table("reservations", schema=SCHEMA)
    op.drop_table("stock", schema=SCHEMA)
