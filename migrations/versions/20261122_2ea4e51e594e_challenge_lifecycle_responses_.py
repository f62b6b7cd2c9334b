"""Challenge lifecycle: status changes, co-sponsors, clarification Q&A, expressions of interest
and proposals, pre-commercial phases and shortlists, results; partnerships (programmes).

Revision ID: 2ea4e51e594e
Revises: d890e89191c9
Create Date: 2026-11-22 15:53:31.655349
"""

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa
import sqlmodel
import catalogue.db


# revision identifiers, used by Alembic.
revision: str = "2ea4e51e594e"
down_revision: str | None = "d890e89191c9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "programme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("phases", sa.Text(), nullable=True),
        sa.Column("milestones", sa.JSON(), nullable=False),
        sa.Column("evaluation_plan", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", catalogue.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", catalogue.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programme_lead_id"), ["lead_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_programme_ref"), ["ref"], unique=True)

    op.create_table(
        "programme_member",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("invited_at", catalogue.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("responded_at", catalogue.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("programme_id", "member_id"),
    )
    op.create_table(
        "programme_supplier",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("added_at", catalogue.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("programme_id", "supplier_id"),
    )
    op.create_table(
        "challenge_co_sponsor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", catalogue.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", catalogue.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenge.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("challenge_id", "organisation_id"),
    )
    with op.batch_alter_table("challenge_co_sponsor", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenge_co_sponsor_challenge_id"), ["challenge_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_challenge_co_sponsor_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "challenge_phase",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("budget", sa.Float(), nullable=True),
        sa.Column("starts", sa.Date(), nullable=True),
        sa.Column("ends", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenge.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("challenge_phase", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenge_phase_challenge_id"), ["challenge_id"], unique=False)

    op.create_table(
        "challenge_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("approach", sa.Text(), nullable=False),
        sa.Column("offering_id", sa.Integer(), nullable=True),
        sa.Column("requirements_met", sa.JSON(), nullable=False),
        sa.Column("price", sa.Float(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("score_total", sa.Float(), nullable=True),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", catalogue.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", catalogue.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenge.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["offering_id"],
            ["offering.id"],
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("challenge_id", "supplier_id", "kind"),
    )
    with op.batch_alter_table("challenge_response", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenge_response_challenge_id"), ["challenge_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_challenge_response_supplier_id"), ["supplier_id"], unique=False)

    op.create_table(
        "challenge_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("to_status", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("at", catalogue.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenge.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("challenge_status_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenge_status_change_challenge_id"), ["challenge_id"], unique=False)

    op.create_table(
        "clarification_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("asked_by_id", sa.Integer(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("asked_at", catalogue.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", catalogue.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["asked_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenge.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("clarification_question", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clarification_question_challenge_id"), ["challenge_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_clarification_question_supplier_id"), ["supplier_id"], unique=False)

    op.create_table(
        "phase_shortlist",
        sa.Column("phase_id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("added_at", catalogue.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["phase_id"], ["challenge_phase.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["response_id"], ["challenge_response.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("phase_id", "response_id"),
    )
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.add_column(sa.Column("categories", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column("constraint_details", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(
            sa.Column("tried_deployment_ids", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(sa.Column("questions_close", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("closed_reason", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.add_column(sa.Column("closed_detail", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("programme_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("results", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column("result_deployment_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("awarded_at", catalogue.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_challenge_programme_id"), ["programme_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_challenge_result_deployment_id_deployment", "deployment", ["result_deployment_id"], ["id"]
        )
        batch_op.create_foreign_key("fk_challenge_programme_id_programme", "programme", ["programme_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.drop_constraint("fk_challenge_programme_id_programme", type_="foreignkey")
        batch_op.drop_constraint("fk_challenge_result_deployment_id_deployment", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_challenge_programme_id"))
        batch_op.drop_column("awarded_at")
        batch_op.drop_column("result_deployment_id")
        batch_op.drop_column("results")
        batch_op.drop_column("programme_id")
        batch_op.drop_column("closed_detail")
        batch_op.drop_column("closed_reason")
        batch_op.drop_column("questions_close")
        batch_op.drop_column("tried_deployment_ids")
        batch_op.drop_column("constraint_details")
        batch_op.drop_column("categories")

    op.drop_table("phase_shortlist")
    with op.batch_alter_table("clarification_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clarification_question_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_clarification_question_challenge_id"))

    op.drop_table("clarification_question")
    with op.batch_alter_table("challenge_status_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_status_change_challenge_id"))

    op.drop_table("challenge_status_change")
    with op.batch_alter_table("challenge_response", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_response_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_challenge_response_challenge_id"))

    op.drop_table("challenge_response")
    with op.batch_alter_table("challenge_phase", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_phase_challenge_id"))

    op.drop_table("challenge_phase")
    with op.batch_alter_table("challenge_co_sponsor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_co_sponsor_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_challenge_co_sponsor_challenge_id"))

    op.drop_table("challenge_co_sponsor")
    op.drop_table("programme_supplier")
    op.drop_table("programme_member")
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programme_ref"))
        batch_op.drop_index(batch_op.f("ix_programme_lead_id"))

    op.drop_table("programme")
