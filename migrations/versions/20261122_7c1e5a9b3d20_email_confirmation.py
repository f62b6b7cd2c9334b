"""user_account.email_confirmed_at: sign-up confirms the email address before sign-in

Revision ID: 7c1e5a9b3d20
Revises: 2fd70b5c28ca
Create Date: 2026-11-22 22:30:00.000000
"""

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa
import catalogue.db


# revision identifiers, used by Alembic.
revision: str = "7c1e5a9b3d20"
down_revision: str | None = "2fd70b5c28ca"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_confirmed_at", catalogue.db.UTCDateTime(timezone=True), nullable=True))
    # Accounts made before confirmation existed keep signing in.
    op.execute("UPDATE user_account SET email_confirmed_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("email_confirmed_at")
