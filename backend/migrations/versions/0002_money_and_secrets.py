"""money kept and locked, secrets encrypted: account balance ledger, invoice counters, seat changes in
applied order, the instance's signing secret encrypted with KILO_SECRET_KEY

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kilo_db.types
from kilo_db.secrets import load_secret_box

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BALANCE_KINDS = ("carried", "applied", "refunded", "moved_to_credits")


def upgrade() -> None:
    op.create_table(
        "invoice_counters",
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("organization_id"),
    )
    # Numbers so far were count + 1 per organization.
    op.execute(
        "INSERT INTO invoice_counters (organization_id, last_number) "
        "SELECT organization_id, COUNT(*) FROM invoices GROUP BY organization_id"
    )

    op.create_table(
        "account_balance_entries",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column(
            "kind", sa.Enum(*BALANCE_KINDS, name="balance_entry_kind", native_enum=False, length=48), nullable=False
        ),
        sa.Column("amount_microdollars", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("invoice_id", sa.String(length=40), nullable=True),
        sa.Column("payment_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", kilo_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"]),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"]),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("account_balance_entries", schema=None) as batch_op:
        batch_op.create_index("ix_account_balance_org_time", ["organization_id", "created_at"], unique=False)

    with op.batch_alter_table("seat_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("applied_order", sa.Integer(), nullable=True))
    # Existing changes keep the order they were listed in (time received, then id).
    op.execute(
        "UPDATE seat_changes SET applied_order = (SELECT COUNT(*) FROM seat_changes AS earlier "
        "WHERE earlier.organization_id = seat_changes.organization_id AND (earlier.created_at < seat_changes.created_at "
        "OR (earlier.created_at = seat_changes.created_at AND earlier.id <= seat_changes.id)))"
    )
    with op.batch_alter_table("seat_changes", schema=None) as batch_op:
        batch_op.alter_column("applied_order", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint("uq_seat_changes_applied_order", ["organization_id", "applied_order"])

    _rewrite_instance_secrets(encrypt=True)


def downgrade() -> None:
    _rewrite_instance_secrets(encrypt=False)
    with op.batch_alter_table("seat_changes", schema=None) as batch_op:
        batch_op.drop_constraint("uq_seat_changes_applied_order", type_="unique")
        batch_op.drop_column("applied_order")
    with op.batch_alter_table("account_balance_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_account_balance_org_time")
    op.drop_table("account_balance_entries")
    op.drop_table("invoice_counters")


def _rewrite_instance_secrets(*, encrypt: bool) -> None:
    """Encrypt (or, going down, decrypt) the stored instance secrets with KILO_SECRET_KEY's keys."""
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT name, value FROM instance_secrets")).all()
    if not rows:
        return  # a new database: nothing to rewrite, and no key needed
    box = load_secret_box()
    for name, value in rows:
        connection.execute(
            sa.text("UPDATE instance_secrets SET value = :value WHERE name = :name"),
            {"name": name, "value": box.encrypt(value) if encrypt else box.decrypt(value)},
        )
