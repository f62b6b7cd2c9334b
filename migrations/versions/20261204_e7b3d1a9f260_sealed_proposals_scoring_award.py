"""sealed proposals, answers per criterion, evaluators' scores, moderated score, contract, lots

Revision ID: e7b3d1a9f260
Revises: e5f1a7c3b920
Create Date: 2026-12-04 10:00:00.000000
"""

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa

from catalogue.db import UTCDateTime


# revision identifiers, used by Alembic.
revision: str = "e7b3d1a9f260"
down_revision: str | None = "e5f1a7c3b920"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("challenge") as batch:
        batch.add_column(sa.Column("contract_value", sa.Float(), nullable=True))
        batch.add_column(sa.Column("contract_starts", sa.Date(), nullable=True))
        batch.add_column(sa.Column("contract_ends", sa.Date(), nullable=True))
    with op.batch_alter_table("challenge_response") as batch:
        batch.add_column(sa.Column("nice_to_have_met", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("criteria_answers", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("documents", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("receipt", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("score_reasons", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("moderation_note", sa.Text(), nullable=True))
    with op.batch_alter_table("challenge_phase") as batch:
        batch.add_column(sa.Column("awarded_response_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("contract_value", sa.Float(), nullable=True))
        batch.create_foreign_key(
            "fk_challenge_phase_awarded_response", "challenge_response", ["awarded_response_id"], ["id"]
        )
    op.create_table(
        "response_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("evaluator_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("total", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["response_id"], ["challenge_response.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["evaluator_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("response_id", "evaluator_id"),
    )
    op.create_index(op.f("ix_response_score_response_id"), "response_score", ["response_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_response_score_response_id"), table_name="response_score")
    op.drop_table("response_score")
    with op.batch_alter_table("challenge_phase") as batch:
        batch.drop_constraint("fk_challenge_phase_awarded_response", type_="foreignkey")
        batch.drop_column("contract_value")
        batch.drop_column("awarded_response_id")
    with op.batch_alter_table("challenge_response") as batch:
        for name in (
            "moderation_note",
            "score_reasons",
            "version",
            "receipt",
            "documents",
            "criteria_answers",
            "nice_to_have_met",
        ):
            batch.drop_column(name)
    with op.batch_alter_table("challenge") as batch:
        for name in ("contract_ends", "contract_starts", "contract_value"):
            batch.drop_column(name)
