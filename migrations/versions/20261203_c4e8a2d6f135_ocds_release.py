"""ocds_release: every OCDS release as published (release history per challenge)

Revision ID: c4e8a2d6f135
Revises: 6e3b1f4a9c52
Create Date: 2026-12-03 15:05:00.000000
"""

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa

from catalogue.db import UTCDateTime


# revision identifiers, used by Alembic.
revision: str = "c4e8a2d6f135"
down_revision: str | None = "6e3b1f4a9c52"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ocds_release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("ocid", sa.String(length=120), nullable=False),
        sa.Column("release_id", sa.String(length=200), nullable=False),
        sa.Column("notice_type", sa.String(length=10), nullable=True),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenge.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("release_id"),
    )
    with op.batch_alter_table("ocds_release", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ocds_release_challenge_id"), ["challenge_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ocds_release_ocid"), ["ocid"], unique=False)
        batch_op.create_index(batch_op.f("ix_ocds_release_published_at"), ["published_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ocds_release", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ocds_release_published_at"))
        batch_op.drop_index(batch_op.f("ix_ocds_release_ocid"))
        batch_op.drop_index(batch_op.f("ix_ocds_release_challenge_id"))
    op.drop_table("ocds_release")
