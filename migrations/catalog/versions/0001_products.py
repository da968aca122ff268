"""Products.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "products",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(50), nullable=False),
        sa.Column("price", sa.Numeric(12, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("sku", name="products_sku_key"),
        sa.CheckConstraint("price > 0", name="products_price_positive"),
        sa.CheckConstraint("version > 0", name="products_version_positive"),
        schema="catalog",
    )
    for name, columns in {
        "products_category_name_idx": ["category", "name", "id"],
        "products_name_idx": ["name", "id"],
        "products_price_idx": ["price", "id"],
        "products_created_at_idx": ["created_at", "id"],
    }.items():
        op.create_index(name, "products", columns, schema="catalog")


def downgrade() -> None:
    op.drop_table("products", schema="catalog")
