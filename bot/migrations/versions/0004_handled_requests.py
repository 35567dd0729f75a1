"""handled requests: each Slack request (event id or signed body digest) claimed once

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kilo_db.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "handled_requests",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("received_at", kilo_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_handled_requests_received_at", "handled_requests", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_handled_requests_received_at", table_name="handled_requests")
    op.drop_table("handled_requests")
