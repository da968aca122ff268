"""The ordering service's tables. Migrations under `migrations/ordering` create them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from servicekit.messaging.inbox import inbox_table
from servicekit.messaging.outbox import outbox_table

metadata = sa.MetaData(schema="ordering")

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("user_id", sa.String(128), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("reason", sa.String(40)),
    sa.Column("cancel_requested", sa.Boolean, nullable=False),
    sa.Column("total", sa.Numeric(12, 2), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("shipping_address", postgresql.JSONB),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # How many entries the order's timeline holds, counted as each is written: a write that
    # must find room takes the order's row and reads this, where a count would need the row
    # locked first and the entries counted after, in two statements.
    sa.Column("timeline_entries", sa.Integer, nullable=False, server_default="0"),
    sa.Index("orders_user_created_idx", "user_id", "created_at", "id"),
)

order_lines = sa.Table(
    "order_lines",
    metadata,
    sa.Column(
        "order_id", sa.Uuid, sa.ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("product_id", sa.Uuid, primary_key=True),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("unit_price", sa.Numeric(12, 2), nullable=False),
)

order_timeline = sa.Table(
    "order_timeline",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
    sa.Column("order_id", sa.Uuid, sa.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    sa.Column("step", sa.String(40), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("order_timeline_order_idx", "order_id", "id"),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
