"""challenge.topics_removed: topics matching read a challenge as being about that its owner removed

Revision ID: 6e3b1f4a9c52
Revises: a3c9e1f7b254
Create Date: 2026-12-03 15:00:00.000000
"""

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "6e3b1f4a9c52"
down_revision: str | None = "a3c9e1f7b254"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing challenges have removed nothing: matching reads them as before.
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.add_column(sa.Column("topics_removed", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.drop_column("topics_removed")
