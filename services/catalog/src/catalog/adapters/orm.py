"""The catalog's tables. Migrations under `migrations/catalog` create them."""

from __future__ import annotations

import sqlalchemy as sa

from servicekit.messaging.outbox import outbox_table

metadata = sa.MetaData(schema="catalog")

products = sa.Table(
    "products",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("sku", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("category", sa.String(50), nullable=False),
    sa.Column("price", sa.Numeric(12, 2), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("products_category_name_idx", "category", "name", "id"),
    sa.Index("products_name_idx", "name", "id"),
    sa.Index("products_price_idx", "price", "id"),
    sa.Index("products_created_at_idx", "created_at", "id"),
)

outbox = outbox_table(metadata)
