"""organisation.verification: organisations registered at sign-up wait for a site admin

Revision ID: 5b8e2f0c4d71
Revises: 7c1e5a9b3d20
Create Date: 2026-11-22 22:50:00.000000
"""

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "5b8e2f0c4d71"
down_revision: str | None = "7c1e5a9b3d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every organisation that exists already is verified (the server default fills them in).
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verification", sa.String(length=20), server_default="verified", nullable=False))
        batch_op.create_index(batch_op.f("ix_organisation_verification"), ["verification"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_verification"))
        batch_op.drop_column("verification")
