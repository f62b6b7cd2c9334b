"""tool.restricted: a tool first known through a private or authorities-only record

Revision ID: 9d4f2b7a1c36
Revises: 5b8e2f0c4d71
Create Date: 2026-12-03 14:30:00.000000
"""

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "9d4f2b7a1c36"
down_revision: str | None = "5b8e2f0c4d71"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# A tool no supplier sells that only restricted records name was entered inside them: it stays
# with those records (the public ones, if any, keep it public anyway).
MARK_RESTRICTED = (
    "UPDATE tool SET restricted = true WHERE supplier_id IS NULL"
    " AND (EXISTS (SELECT 1 FROM deployment d WHERE d.tool_id = tool.id AND d.visibility != 'public')"
    " OR EXISTS (SELECT 1 FROM single_view s WHERE s.tool_id = tool.id AND s.visibility != 'public'))"
    " AND NOT EXISTS (SELECT 1 FROM deployment d WHERE d.tool_id = tool.id AND d.visibility = 'public')"
    " AND NOT EXISTS (SELECT 1 FROM single_view s WHERE s.tool_id = tool.id AND s.visibility = 'public')"
)


def upgrade() -> None:
    # Tools that exist already keep their public standing (the server default fills them in).
    with op.batch_alter_table("tool", schema=None) as batch_op:
        batch_op.add_column(sa.Column("restricted", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(MARK_RESTRICTED)


def downgrade() -> None:
    with op.batch_alter_table("tool", schema=None) as batch_op:
        batch_op.drop_column("restricted")
