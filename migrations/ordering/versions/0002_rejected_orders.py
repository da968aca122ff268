"""Orders may be REJECTED: refused before their saga started, because ordering could not store
the command that placed them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "ordering"
CONSTRAINT = "orders_status_known"


def upgrade() -> None:
    op.drop_constraint(CONSTRAINT, "orders", schema=SCHEMA, type_="check")
    op.create_check_constraint(
        CONSTRAINT,
        "orders",
        "status IN ('PENDING', 'CONFIRMED', 'CANCELLED', 'REJECTED')",
        schema=SCHEMA,
    )


def downgrade() -> None:
    # Rejected orders cannot be expressed before this revision: they go with it.
    op.execute("DELETE FROM ordering.orders WHERE status = 'REJECTED'")
    op.drop_constraint(CONSTRAINT, "orders", schema=SCHEMA, type_="check")
    op.create_check_constraint(
        CONSTRAINT, "orders", "status IN ('PENDING', 'CONFIRMED', 'CANCELLED')", schema=SCHEMA
    )
