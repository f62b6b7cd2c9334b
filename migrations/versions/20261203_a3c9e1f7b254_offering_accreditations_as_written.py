"""offering.accreditations_as_written: the accreditations as the bundle or the form gave them

Revision ID: a3c9e1f7b254
Revises: b2d4f6a8c013
Create Date: 2026-12-03 14:45:00.000000
"""

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "a3c9e1f7b254"
down_revision: str | None = "b2d4f6a8c013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing offerings start empty: their export falls back to the labels of their codes.
    with op.batch_alter_table("offering", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accreditations_as_written", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("offering", schema=None) as batch_op:
        batch_op.drop_column("accreditations_as_written")
