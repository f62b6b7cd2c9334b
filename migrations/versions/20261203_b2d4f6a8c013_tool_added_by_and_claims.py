"""tool.added_by_id (the organisation that added a tool: it, the builder, the seller and site
admins change it) and tool_claim (a supplier asks a site admin to record it sells a tool)

Revision ID: b2d4f6a8c013
Revises: a1c3e5f7b901
Create Date: 2026-12-03 14:45:00.000000
"""

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa

import catalogue.db


# revision identifiers, used by Alembic.
revision: str = "b2d4f6a8c013"
down_revision: str | None = "a1c3e5f7b901"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tool", schema=None) as batch_op:
        batch_op.add_column(sa.Column("added_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_tool_added_by_id_organisation", "organisation", ["added_by_id"], ["id"])
    # A tool added before this column belongs to the organisation of the user who added it.
    op.execute(
        "UPDATE tool SET added_by_id = (SELECT organisation_id FROM user_account"
        " WHERE user_account.id = tool.created_by_id) WHERE created_by_id IS NOT NULL"
    )
    op.create_table(
        "tool_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tool_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", catalogue.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", catalogue.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["tool_id"], ["tool.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["supplier_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["requested_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tool_claim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tool_claim_tool_id"), ["tool_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tool_claim_supplier_id"), ["supplier_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tool_claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tool_claim_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_tool_claim_tool_id"))
    op.drop_table("tool_claim")
    with op.batch_alter_table("tool", schema=None) as batch_op:
        batch_op.drop_constraint("fk_tool_added_by_id_organisation", type_="foreignkey")
        batch_op.drop_column("added_by_id")
