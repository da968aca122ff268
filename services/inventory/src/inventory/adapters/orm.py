"""The inventory's tables. Migrations under `migrations/inventory` create them."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY

from servicekit.messaging.inbox import inbox_table
from servicekit.messaging.outbox import outbox_table

metadata = MetaData(schema="inventory")

STATUSES = "('HELD', 'COMMITTED', 'RELEASED', 'REJECTED')"

stock = Table(
    "stock",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("product_id", Uuid),
    Column("on_hand", Integer, nullable=False),
    Column("reserved", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # The last line of defence: a bug in a claim fails loudly instead of overselling.
    CheckConstraint("reserved >= 0", name="stock_reserved_not_negative"),
    CheckConstraint("reserved <= on_hand", name="stock_available_not_negative"),
)

# One row per order the saga asked about: what it holds, or why it holds nothing.
reservations = Table(
    "reservations",
    metadata,
    Column("order_id", Text, primary_key=True),
    Column("status", String(16), nullable=False),
    Column("short_skus", ARRAY(Text), nullable=False, server_default="{}"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint(f"status IN {STATUSES}", name="reservations_status_known"),
    Index(
        "reservations_held_idx",
        "created_at",
        postgresql_where=text("status = 'HELD'"),
    ),
)

# The units of one SKU an order holds; its status follows the order's reservation.
reservation_lines = Table(
    "reservation_lines",
    metadata,
    Column(
        "order_id",
        Text,
        ForeignKey("inventory.reservations.order_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    # Not a foreign key to `stock`, nor limited in length: a line is written before its units
    # are claimed, and whatever SKU an order names must fail as out of stock, not as a broken
    # constraint.
    Column("sku", Text, primary_key=True),
    Column("quantity", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    CheckConstraint("quantity > 0", name="reservation_lines_quantity_positive"),
    CheckConstraint(f"status IN {STATUSES}", name="reservation_lines_status_known"),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
