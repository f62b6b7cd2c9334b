"""imported contacts wait for confirmation; answers about no one tool kept with the response

Revision ID: a8c2e4f61b37
Revises: e7b3d1a9f260
Create Date: 2026-12-05 17:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "a8c2e4f61b37"
down_revision: str | None = "a83f5c1e9d47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENERAL = (
    "general_impact",
    "general_learnings",
    "general_risk_assessment",
    "general_safeguards",
    "general_barriers",
    "general_evaluation_findings",
)


def upgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(sa.Column("contact_pending", sa.String(length=200), nullable=True))
    with op.batch_alter_table("cfe_response") as batch:
        for name in GENERAL:
            batch.add_column(sa.Column(name, sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cfe_response") as batch:
        for name in reversed(GENERAL):
            batch.drop_column(name)
    with op.batch_alter_table("organisation") as batch:
        batch.drop_column("contact_pending")
