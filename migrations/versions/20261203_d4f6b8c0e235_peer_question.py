"""peer_question: "Ask about this experience" messages between organisations

Revision ID: d4f6b8c0e235
Revises: c3e5a7b9d124
Create Date: 2026-12-10 11:00:00.000000
"""

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa

from catalogue.db import UTCDateTime


# revision identifiers, used by Alembic.
revision: str = "d4f6b8c0e235"
down_revision: str | None = "c3e5a7b9d124"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "peer_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("sender_organisation_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("replied_by", sa.String(length=320), nullable=True),
        sa.Column("replied_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["deployment_id"], ["deployment.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["sender_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["sender_organisation_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_peer_question_deployment_id", "peer_question", ["deployment_id"])
    op.create_index("ix_peer_question_organisation_id", "peer_question", ["organisation_id"])
    op.create_index("ix_peer_question_sender_id", "peer_question", ["sender_id"])
    op.create_index("ix_peer_question_created_at", "peer_question", ["created_at"])


def downgrade() -> None:
    op.drop_table("peer_question")
