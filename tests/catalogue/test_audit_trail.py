"""catalogue.audit_trail: the audit page's rows say who by name, what changed from what to what,
and when; secrets (hashes, tokens) never show, whatever an older row stored."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from catalogue.audit_trail import audit_rows, value_text
from catalogue.changes import AuditEvent
from tests.factories import OrganisationFactory, ToolFactory, UserFactory


def test_a_change_reads_as_who_what_from_what_to_what_and_when(db: Session) -> None:
    council = OrganisationFactory(name="Northmoor Council")
    other = OrganisationFactory(name="Eastvale Council")
    actor = UserFactory(display_name="Ann Example", organisation_id=council.id)
    tool = ToolFactory(name="Notewise", supplier_id=None)
    event = AuditEvent(
        at=datetime(2026, 7, 1, 13, 5, tzinfo=UTC),
        actor_id=actor.id,
        record_type="tool",
        record_id=tool.id,
        record_ref=tool.ref,
        action="update",
        changes={
            "developed_by_id": [council.id, other.id],
            "uses_ai": [False, True],
            "summary": [None, "Drafts notes"],
        },
    )
    (row,) = audit_rows(db, [event])
    assert row.who == "Ann Example" and row.record == "Tool: Notewise" and row.action == "Changed"
    assert row.when == "1 July 2026 at 14:05"  # England's summer time
    changes = {c.field: (c.before, c.after) for c in row.changes}
    assert changes == {
        "Developed by": ("Northmoor Council", "Eastvale Council"),
        "Uses AI": ("No", "Yes"),
        "Summary": ("(none)", "Drafts notes"),
    }


def test_secrets_never_show_even_from_older_rows(db: Session) -> None:
    user = UserFactory(display_name="Bo Example")
    event = AuditEvent(
        actor_id=None,
        record_type="user_account",
        record_id=user.id,
        action="update",
        changes={
            "password_hash": [None, "(changed)"],
            "token_hash": ["0f" * 32, "ab" * 32],
            "email_change_token": ["old-secret-token", "new-secret-token"],
            "role": ["member", "admin"],
        },
    )
    (row,) = audit_rows(db, [event])
    text = repr(row)
    assert "0f0f" not in text and "abab" not in text and "secret-token" not in text
    assert row.who == "The system" and row.record == "Account: Bo Example"
    assert {c.field: c.after for c in row.changes}["Token hash"] == "changed (not shown)"
    assert {c.field: (c.before, c.after) for c in row.changes}["Role"] == ("member", "admin")


def test_values_read_as_words() -> None:
    assert value_text(["a", "b"]) == "a, b"
    assert value_text("2027-01-15") == "15 January 2027"
    assert value_text("x" * 300).endswith("…") and len(value_text("x" * 300)) == 120


def test_a_deleted_record_is_named_by_its_ref(db: Session) -> None:
    event = AuditEvent(record_type="deployment", record_id=999999, record_ref="dep-gone", action="delete")
    (row,) = audit_rows(db, [event])
    assert row.record == "Deployment: dep-gone" and row.action == "Deleted" and row.changes == []
