"""The catalog's tables. Migrations under `migrations/catalog` create them."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    Uuid,
)

from servicekit.messaging.outbox import outbox_table

metadata = MetaData(schema="catalog")

products = Table(
    "products",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("sku", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("category", String(50), nullable=False),
    Column("price", Numeric(12, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("products_category_name_idx", "category", "name", "id"),
    Index("products_name_idx", "name", "id"),
    Index("products_price_idx", "price", "id"),
    Index("products_created_at_idx", "created_at", "id"),
)

outbox = outbox_table(metadata)
