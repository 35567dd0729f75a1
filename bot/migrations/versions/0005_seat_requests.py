"""seat requests, their Slack copies, approval channels and seat-form claims

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kilo_db.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "seat_requests",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("requester_user_id", sa.String(length=32), nullable=False),
        sa.Column("requester_name", sa.String(length=200), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", kilo_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", kilo_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_user_id", sa.String(length=32), nullable=True),
        sa.Column("decided_at", kilo_db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("seats_before", sa.Integer(), nullable=True),
        sa.Column("seats_after", sa.Integer(), nullable=True),
        sa.Column("charged_microdollars", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_seat_requests_team_status", "seat_requests", ["team_id", "status"])
    op.create_index("ix_seat_requests_status_expiry", "seat_requests", ["status", "expires_at"])
    op.create_table(
        "seat_request_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(length=24), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["seat_requests.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel_id", "ts", name="uq_seat_request_messages_channel_ts"),
    )
    op.create_index("ix_seat_request_messages_request_id", "seat_request_messages", ["request_id"])
    op.create_table(
        "approval_channels",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("set_by", sa.String(length=32), nullable=False),
        sa.Column("set_at", kilo_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id"),
    )
    op.create_table(
        "seat_form_submissions",
        sa.Column("view_id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("updated_at", kilo_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("view_id"),
    )


def downgrade() -> None:
    op.drop_table("seat_form_submissions")
    op.drop_table("approval_channels")
    op.drop_index("ix_seat_request_messages_request_id", table_name="seat_request_messages")
    op.drop_table("seat_request_messages")
    op.drop_index("ix_seat_requests_status_expiry", table_name="seat_requests")
    op.drop_index("ix_seat_requests_team_status", table_name="seat_requests")
    op.drop_table("seat_requests")
