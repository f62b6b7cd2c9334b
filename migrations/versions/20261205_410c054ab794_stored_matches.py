"""stored match results per challenge, audience and kind, and which offerings fit which challenge

Revision ID: 410c054ab794
Revises: e7b3d1a9f260
Create Date: 2026-12-05 10:00:00.000000
"""

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa

from catalogue.db import UTCDateTime


# revision identifiers, used by Alembic.
revision: str = "410c054ab794"
down_revision: str | None = "f3a9c1d7b542"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stored_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("seen_change", sa.Integer(), nullable=False),
        sa.Column("challenge_updated_at", UTCDateTime(), nullable=False),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenge.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("challenge_id", "audience", "kind", name="uq_stored_matches"),
    )
    op.create_index("ix_stored_matches_challenge_id", "stored_matches", ["challenge_id"])
    op.create_index("ix_stored_matches_computed_at", "stored_matches", ["computed_at"])
    op.create_table(
        "stored_fit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offering_id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["offering_id"], ["offering.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenge.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_stored_fit_offering_id", "stored_fit", ["offering_id"])
    op.create_index("ix_stored_fit_challenge_id", "stored_fit", ["challenge_id"])


def downgrade() -> None:
    op.drop_index("ix_stored_fit_challenge_id", table_name="stored_fit")
    op.drop_index("ix_stored_fit_offering_id", table_name="stored_fit")
    op.drop_table("stored_fit")
    op.drop_index("ix_stored_matches_computed_at", table_name="stored_matches")
    op.drop_index("ix_stored_matches_challenge_id", table_name="stored_matches")
    op.drop_table("stored_matches")
