"""view submissions: one claim per modal view, so a double submit or a retry changes things once

Revision ID: 0007
Revises: 0006
Create Date: 2026-03-15
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kilo_db.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "view_submissions",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("view_id", sa.String(length=32), nullable=False),
        sa.Column("callback_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("created_at", kilo_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", kilo_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "view_id"),
    )


def downgrade() -> None:
    op.drop_table("view_submissions")
