"""The inventory's tables. Migrations under `migrations/inventory` create them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from servicekit.messaging.inbox import inbox_table
from servicekit.messaging.outbox import outbox_table

metadata = sa.MetaData(schema="inventory")

STATUSES = "('HELD', 'COMMITTED', 'RELEASED', 'REJECTED', 'EXPIRED')"

stock = sa.Table(
    "stock",
    metadata,
    sa.Column("sku", sa.String(64), primary_key=True),
    sa.Column("product_id", sa.Uuid),
    sa.Column("on_hand", sa.Integer, nullable=False),
    sa.Column("reserved", sa.Integer, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # The last line of defence: a bug in a reservation fails loudly instead of overselling.
    sa.CheckConstraint("reserved >= 0", name="stock_reserved_not_negative"),
    sa.CheckConstraint("reserved <= on_hand", name="stock_available_not_negative"),
)

# One row per order the saga asked about: what it holds, or why it holds nothing.
reservations = sa.Table(
    "reservations",
    metadata,
    sa.Column("order_id", sa.Text, primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("short_skus", postgresql.ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(f"status IN {STATUSES}", name="reservations_status_known"),
    sa.Index(
        "reservations_held_idx",
        "created_at",
        postgresql_where=sa.text("status = 'HELD'"),
    ),
)

# The units of one SKU an order holds; its status follows the order's reservation.
reservation_lines = sa.Table(
    "reservation_lines",
    metadata,
    sa.Column(
        "order_id",
        sa.Text,
        sa.ForeignKey("inventory.reservations.order_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    # Not a foreign key to `stock`, nor limited in length: a line is written before its units
    # are reserved, and whatever SKU an order names must fail as out of stock, not as a broken
    # constraint.
    sa.Column("sku", sa.Text, primary_key=True),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    # Units a late confirmation found no longer on hand (see `Reservation.shortfall`).
    sa.Column("shortfall", sa.Integer, nullable=False, server_default="0"),
    sa.CheckConstraint("quantity > 0", name="reservation_lines_quantity_positive"),
    sa.CheckConstraint(
        "shortfall >= 0 AND shortfall <= quantity", name="reservation_lines_shortfall_in_range"
    ),
    sa.CheckConstraint(f"status IN {STATUSES}", name="reservation_lines_status_known"),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
