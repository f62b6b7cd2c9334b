"""call-for-evidence responses: answers to Q11a–c and Q16–18, kept with the response

Revision ID: 2fd70b5c28ca
Revises: 2ea4e51e594e
Create Date: 2026-11-22 18:59:18.253161
"""

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa
import sqlmodel
import catalogue.db


# revision identifiers, used by Alembic.
revision: str = "2fd70b5c28ca"
down_revision: str | None = "2ea4e51e594e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cfe_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("respondent_kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("help_develop", sa.Text(), nullable=True),
        sa.Column("help_scale", sa.Text(), nullable=True),
        sa.Column("help_benefit", sa.Text(), nullable=True),
        sa.Column("what_helped", sa.Text(), nullable=True),
        sa.Column("asks_of_government", sa.Text(), nullable=True),
        sa.Column("anything_else", sa.Text(), nullable=True),
        sa.Column("imported_at", catalogue.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("cfe_response", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cfe_response_key"), ["key"], unique=True)
        batch_op.create_index(batch_op.f("ix_cfe_response_organisation_id"), ["organisation_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cfe_response", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cfe_response_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_cfe_response_key"))

    op.drop_table("cfe_response")
