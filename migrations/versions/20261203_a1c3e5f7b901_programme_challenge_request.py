"""programme_challenge_request: a programme lead asks a member's organisation to run its
published challenge under the programme; the challenge joins only once the owner accepts

Revision ID: a1c3e5f7b901
Revises: 9d4f2b7a1c36
Create Date: 2026-12-03 14:30:00.000000
"""

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa

from catalogue.db import UTCDateTime


# revision identifiers, used by Alembic.
revision: str = "a1c3e5f7b901"
down_revision: str | None = "9d4f2b7a1c36"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "programme_challenge_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenge.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requested_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("programme_challenge_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programme_challenge_request_programme_id"), ["programme_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_programme_challenge_request_challenge_id"), ["challenge_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("programme_challenge_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programme_challenge_request_challenge_id"))
        batch_op.drop_index(batch_op.f("ix_programme_challenge_request_programme_id"))
    op.drop_table("programme_challenge_request")
