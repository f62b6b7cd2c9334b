"""challenge amendments and documents; notification preferences per kind and the outbox kind

Revision ID: e5f1a7c3b920
Revises: d4f6b8c0e235
Create Date: 2026-12-04 10:00:00.000000
"""

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa

from catalogue.db import UTCDateTime


# revision identifiers, used by Alembic.
revision: str = "e5f1a7c3b920"
down_revision: str | None = "d4f6b8c0e235"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "challenge_amendment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("made_by_id", sa.Integer(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenge.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["made_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_challenge_amendment_challenge_id"), "challenge_amendment", ["challenge_id"], unique=False)
    with op.batch_alter_table("challenge") as batch:
        batch.add_column(sa.Column("documents", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    op.create_table(
        "notification_preference",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("choice", sa.String(length=10), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "kind"),
    )
    with op.batch_alter_table("outbox_email") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_email") as batch:
        batch.drop_column("kind")
    op.drop_table("notification_preference")
    with op.batch_alter_table("challenge") as batch:
        batch.drop_column("documents")
    op.drop_index(op.f("ix_challenge_amendment_challenge_id"), table_name="challenge_amendment")
    op.drop_table("challenge_amendment")
