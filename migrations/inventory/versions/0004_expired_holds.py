"""A hold given back by the expiry is EXPIRED, not RELEASED: its order may still be confirmed
late, and then takes its units from what is left on hand. Each line keeps the units such a
late confirmation found no longer there (`shortfall`).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "inventory"
STATUSES = "('HELD', 'COMMITTED', 'RELEASED', 'REJECTED', 'EXPIRED')"
BEFORE = "('HELD', 'COMMITTED', 'RELEASED', 'REJECTED')"


def _statuses(allowed: str) -> None:
    for table, name in (
        ("reservations", "reservations_status_known"),
        ("reservation_lines", "reservation_lines_status_known"),
    ):
        op.drop_constraint(name, table, schema=SCHEMA, type_="check")
        op.create_check_constraint(name, table, f"status IN {allowed}", schema=SCHEMA)


def upgrade() -> None:
    _statuses(STATUSES)
    op.add_column(
        "reservation_lines",
        sa.Column("shortfall", sa.Integer(), nullable=False, server_default="0"),
        schema=SCHEMA,
    )
    op.create_check_constraint(
        "reservation_lines_shortfall_in_range",
        "reservation_lines",
        "shortfall >= 0 AND shortfall <= quantity",
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_constraint(
        "reservation_lines_shortfall_in_range", "reservation_lines", schema=SCHEMA, type_="check"
    )
    op.drop_column("reservation_lines", "shortfall", schema=SCHEMA)
    # An expired hold was a released one before this revision: neither holds units.
    for table in ("reservations", "reservation_lines"):
        rows = sa.table(table, sa.column("status"), schema=SCHEMA)
        op.execute(rows.update().where(rows.c.status == "EXPIRED").values(status="RELEASED"))
    _statuses(BEFORE)
