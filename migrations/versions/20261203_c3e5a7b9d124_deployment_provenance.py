"""deployment provenance: where an imported record came from and when

Revision ID: c3e5a7b9d124
Revises: c4e8a2d6f135
Create Date: 2026-12-10 10:00:00.000000
"""

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "c3e5a7b9d124"
down_revision: str | None = "c4e8a2d6f135"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Records written through the forms have no source; imported ones name it, link to it and
    # date it. The source address is the importer's key, so re-importing a file changes nothing.
    with op.batch_alter_table("deployment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("source_url", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("source_published", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("source_retrieved", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_deployment_source_url", ["source_url"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("deployment", schema=None) as batch_op:
        batch_op.drop_index("ix_deployment_source_url")
        batch_op.drop_column("source_retrieved")
        batch_op.drop_column("source_published")
        batch_op.drop_column("source_url")
        batch_op.drop_column("source_name")
