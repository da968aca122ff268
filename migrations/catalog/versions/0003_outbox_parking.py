"""The outbox parks a row the broker refused ten times: its last error, and when it was
parked. The unsent index leaves parked rows out, so the relay's claim never reads them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from migrations.messaging import add_outbox_parking, drop_outbox_parking

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "catalog"


def upgrade() -> None:
    add_outbox_parking(SCHEMA)


def downgrade() -> None:
    drop_outbox_parking(SCHEMA)
