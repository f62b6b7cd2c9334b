"""market-engagement events and sign-ups; questions raised at events; cohort invitations

Revision ID: a83f5c1e9d47
Revises: e7b3d1a9f260
Create Date: 2026-12-04 12:00:00.000000
"""

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa

from catalogue.db import UTCDateTime


# revision identifiers, used by Alembic.
revision: str = "a83f5c1e9d47"
down_revision: str | None = "e7b3d1a9f260"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "challenge_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("starts", sa.Time(), nullable=False),
        sa.Column("ends", sa.Time(), nullable=False),
        sa.Column("place", sa.String(length=500), nullable=True),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("slides", sa.JSON(), nullable=False),
        sa.Column("notes_published_at", UTCDateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenge.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_challenge_event_challenge_id"), "challenge_event", ["challenge_id"], unique=False)
    op.create_table(
        "challenge_event_signup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("signed_up_by_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=True),
        sa.Column("signed_up_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["challenge_event.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["supplier_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["signed_up_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "supplier_id"),
    )
    op.create_index(op.f("ix_challenge_event_signup_event_id"), "challenge_event_signup", ["event_id"], unique=False)
    op.create_index(
        op.f("ix_challenge_event_signup_supplier_id"), "challenge_event_signup", ["supplier_id"], unique=False
    )
    with op.batch_alter_table("clarification_question") as batch:
        batch.alter_column("supplier_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("event_id", sa.Integer(), nullable=True))
        batch.create_index(op.f("ix_clarification_question_event_id"), ["event_id"], unique=False)
        batch.create_foreign_key("fk_clarification_question_event", "challenge_event", ["event_id"], ["id"])
    with op.batch_alter_table("programme_supplier") as batch:
        batch.add_column(sa.Column("status", sa.String(length=20), nullable=False, server_default="accepted"))
        batch.add_column(sa.Column("responded_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("programme_supplier") as batch:
        batch.drop_column("responded_at")
        batch.drop_column("status")
    with op.batch_alter_table("clarification_question") as batch:
        batch.drop_constraint("fk_clarification_question_event", type_="foreignkey")
        batch.drop_index(op.f("ix_clarification_question_event_id"))
        batch.drop_column("event_id")
        batch.alter_column("supplier_id", existing_type=sa.Integer(), nullable=False)
    op.drop_index(op.f("ix_challenge_event_signup_supplier_id"), table_name="challenge_event_signup")
    op.drop_index(op.f("ix_challenge_event_signup_event_id"), table_name="challenge_event_signup")
    op.drop_table("challenge_event_signup")
    op.drop_index(op.f("ix_challenge_event_challenge_id"), table_name="challenge_event")
    op.drop_table("challenge_event")
