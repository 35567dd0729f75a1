"""alert rules pause when their channel is archived, gone or closed to the bot

Revision ID: 0008
Revises: 0007
Create Date: 2026-03-16
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kilo_db.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alert_rules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paused_at", kilo_db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("paused_reason", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert_rules", schema=None) as batch_op:
        batch_op.drop_column("paused_reason")
        batch_op.drop_column("paused_at")
