"""each evaluator's reasons per criterion

Revision ID: b3c9e1f4a2d7
Revises: e7b3d1a9f260
Create Date: 2026-12-04 18:00:00.000000
"""

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "b3c9e1f4a2d7"
down_revision: str | None = "a8c2e4f61b37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("response_score") as batch:
        batch.add_column(sa.Column("reasons", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("response_score") as batch:
        batch.drop_column("reasons")
