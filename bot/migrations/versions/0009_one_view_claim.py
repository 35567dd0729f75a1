"""one claim table for every modal: seat forms claim in view_submissions, which records the work's stage

The add/remove-seats form claimed its views in `seat_form_submissions`; it now claims them in
`view_submissions` like every other modal, so that table goes. Its rows are copied over first (the view id,
the workspace, working/done/failed), so a duplicate of a form finished before the upgrade still finds the
claim. A row still `working` belongs to a submission whose process the upgrade stopped: it is copied as it
is, and the next submission of that view takes it over once STALE_AFTER has passed since it was touched;
that attempt re-reads the price and changes the seats under the form's idempotency key (once). Nothing is
dropped.

`view_submissions.stage` records how far a claim's work got (the seat count a charge aims at), so the
caller that takes over an abandoned claim finishes that job instead of charging again or giving up.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kilo_db.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEATS_CHANGE = "kilo_seats_change"  # ViewId.SEATS_CHANGE when this revision was written


def upgrade() -> None:
    with op.batch_alter_table("view_submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stage", sa.Text(), nullable=True))
    # user_id was not kept by the old table; '' names nobody, and a takeover sets the new submitter's
    op.execute(
        sa.text(
            "INSERT INTO view_submissions (team_id, view_id, callback_id, user_id, status, outcome, stage, "
            "created_at, updated_at) "
            "SELECT old.team_id, old.view_id, :callback_id, '', old.status, NULL, NULL, old.updated_at, "
            "old.updated_at FROM seat_form_submissions old "
            "WHERE NOT EXISTS (SELECT 1 FROM view_submissions v "
            "WHERE v.team_id = old.team_id AND v.view_id = old.view_id)"
        ).bindparams(callback_id=SEATS_CHANGE)
    )
    op.drop_table("seat_form_submissions")


def downgrade() -> None:
    op.create_table(
        "seat_form_submissions",
        sa.Column("view_id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("updated_at", kilo_db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("view_id"),
    )
    op.execute(
        sa.text(
            "INSERT INTO seat_form_submissions (view_id, team_id, status, updated_at) "
            "SELECT view_id, team_id, status, updated_at FROM view_submissions WHERE callback_id = :callback_id"
        ).bindparams(callback_id=SEATS_CHANGE)
    )
    with op.batch_alter_table("view_submissions", schema=None) as batch_op:
        batch_op.drop_column("stage")
