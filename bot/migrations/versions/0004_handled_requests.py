"""handled requests (each Slack request claimed once); room for sealed secrets

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

SEALED_LENGTH = 1000
SEALED_COLUMNS = [
    ("workspace_connections", "api_key", 200),
    ("slack_bots", "bot_token", 200),
    ("slack_bots", "bot_refresh_token", 200),
    ("slack_installations", "bot_token", 200),
    ("slack_installations", "bot_refresh_token", 200),
    ("slack_installations", "user_token", 200),
    ("slack_installations", "user_refresh_token", 200),
]


def upgrade() -> None:
    op.create_table(
        "handled_requests",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("received_at", kilo_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_handled_requests_received_at", "handled_requests", ["received_at"])
    # API keys and Slack tokens are now stored encrypted, which makes them longer. SQLite does not
    # enforce VARCHAR lengths, so only other databases need the columns widened.
    if op.get_bind().dialect.name != "sqlite":
        for table, column, length in SEALED_COLUMNS:
            op.alter_column(table, column, type_=sa.String(length=SEALED_LENGTH), existing_type=sa.String(length))


def downgrade() -> None:
    # Sealed values do not fit the old lengths: the columns stay wide.
    op.drop_index("ix_handled_requests_received_at", table_name="handled_requests")
    op.drop_table("handled_requests")
