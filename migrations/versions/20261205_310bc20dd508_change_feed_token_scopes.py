"""change feed: what each change did and who could see the record; API token scope and expiry

Revision ID: 310bc20dd508
Revises: e7b3d1a9f260
Create Date: 2026-12-05 17:30:00.000000
"""

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa

from catalogue.db import UTCDateTime


# revision identifiers, used by Alembic.
revision: str = "310bc20dd508"
down_revision: str | None = "b3c9e1f4a2d7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("change_log") as batch:
        batch.add_column(sa.Column("action", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("ref", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("visibility", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("owner", sa.Text(), nullable=True))
    with op.batch_alter_table("api_token") as batch:
        # Tokens issued before scopes keep what they could do: read and write.
        batch.add_column(sa.Column("scope", sa.String(length=10), nullable=False, server_default="write"))
        batch.add_column(sa.Column("expires_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("scope")
    with op.batch_alter_table("change_log") as batch:
        batch.drop_column("owner")
        batch.drop_column("visibility")
        batch.drop_column("ref")
        batch.drop_column("action")
