"""freshness (last confirmed, by whom) and withdrawal (when, why, by whom) of deployments, single
views and offerings; when owners were last reminded to confirm

Revision ID: f3a9c1d7b542
Revises: e7b3d1a9f260
Create Date: 2026-12-05 10:00:00.000000
"""

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa

from catalogue.db import UTCDateTime


# revision identifiers, used by Alembic.
revision: str = "f3a9c1d7b542"
down_revision: str | None = "310bc20dd508"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, the column naming its owning organisation)
KEPT = (("deployment", "organisation_id"), ("single_view", "organisation_id"), ("offering", "supplier_id"))


def upgrade() -> None:
    for table, owner in KEPT:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("last_confirmed_at", UTCDateTime(), nullable=True))
            batch.add_column(sa.Column("last_confirmed_by_id", sa.Integer(), nullable=True))
            batch.add_column(sa.Column("withdrawn_at", UTCDateTime(), nullable=True))
            batch.add_column(sa.Column("withdrawn_reason", sa.Text(), nullable=True))
            batch.add_column(sa.Column("withdrawn_by_id", sa.Integer(), nullable=True))
            batch.create_foreign_key(
                f"fk_{table}_last_confirmed_by_id_organisation", "organisation", ["last_confirmed_by_id"], ["id"]
            )
            batch.create_foreign_key(
                f"fk_{table}_withdrawn_by_id_user_account", "user_account", ["withdrawn_by_id"], ["id"]
            )
            batch.create_index(f"ix_{table}_last_confirmed_at", ["last_confirmed_at"])
            batch.create_index(f"ix_{table}_withdrawn_at", ["withdrawn_at"])
        # What the record said was last true when it was last written, by its owner.
        kept = sa.table(
            table,
            sa.column("last_confirmed_at"),
            sa.column("last_confirmed_by_id"),
            sa.column("updated_at"),
            sa.column("created_at"),
            sa.column(owner),
        )
        op.execute(
            kept.update()
            .where(kept.c.last_confirmed_at.is_(None))
            .values(
                last_confirmed_at=sa.func.coalesce(kept.c.updated_at, kept.c.created_at),
                last_confirmed_by_id=kept.c[owner],
            )
        )
    op.create_table(
        "freshness_reminder",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("reminded_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("kind", "record_id", name="uq_freshness_reminder_record"),
    )


def downgrade() -> None:
    op.drop_table("freshness_reminder")
    for table, _owner in KEPT:
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_withdrawn_at")
            batch.drop_index(f"ix_{table}_last_confirmed_at")
            batch.drop_constraint(f"fk_{table}_withdrawn_by_id_user_account", type_="foreignkey")
            batch.drop_constraint(f"fk_{table}_last_confirmed_by_id_organisation", type_="foreignkey")
            for column in (
                "withdrawn_by_id",
                "withdrawn_reason",
                "withdrawn_at",
                "last_confirmed_by_id",
                "last_confirmed_at",
            ):
                batch.drop_column(column)
