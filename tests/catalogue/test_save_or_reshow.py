"""catalogue.errors.save: the one way a page view runs a write. Committed, or rolled back with
every field error for the form; NotFound and NotAllowed are never form errors (404, 403)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from catalogue import errors

ROOT = Path(__file__).resolve().parents[2]


class FakeSession:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def commit(self) -> None:
        self.calls.append("commit")

    def rollback(self) -> None:
        self.calls.append("rollback")


def test_a_write_that_passes_is_committed_and_its_result_returned() -> None:
    session = FakeSession()
    assert errors.save(session, lambda: "CH-1") == ("CH-1", {})
    assert session.calls == ["commit"]


def test_invalid_rolls_back_and_returns_every_field_error() -> None:
    session = FakeSession()

    def write() -> None:
        raise errors.Invalid.of_fields({"title": "Enter a title", "closes": "Enter a date in the future"})

    assert errors.save(session, write) == (None, {"title": "Enter a title", "closes": "Enter a date in the future"})
    assert session.calls == ["rollback"]


def test_an_error_about_the_whole_form_is_shown_at_the_field_the_page_names() -> None:
    session = FakeSession()

    def write() -> None:
        raise errors.Invalid("Your organisation has already asked")

    assert errors.saved(session, write, "note") == {"note": "Your organisation has already asked"}
    assert errors.saved(session, write) == {"_schema": "Your organisation has already asked"}


@pytest.mark.parametrize("refusal", [errors.NotAllowed("Only the owner"), errors.NotFound("CH-9")])
def test_not_allowed_and_not_found_are_never_form_errors(refusal: errors.Refused) -> None:
    session = FakeSession()

    def write() -> None:
        raise refusal

    with pytest.raises(type(refusal)):
        errors.save(session, write, "title")
    assert session.calls == ["rollback"]


def test_a_page_that_saves_answers_403_for_a_refusal_not_a_form(app: Flask) -> None:
    session = FakeSession()

    def write() -> None:
        raise errors.NotAllowed("Only the challenge's owner can do that")

    def page() -> str:
        problems = errors.saved(session, write, "title")
        return f"form with {problems}"

    app.add_url_rule("/save-for-test", "save_for_test", page, methods=["POST"])
    response = app.test_client().post("/save-for-test")
    assert response.status_code == 403
    assert "form with" not in response.get_data(as_text=True)


def test_no_page_view_catches_a_refusal_itself() -> None:
    """The try/commit/except/rollback copy lives once, in catalogue.errors.save."""
    views = [
        *ROOT.glob("outcomes/views/*.py"),
        ROOT / "outcomes/matching/views.py",
        ROOT / "suppliers/views.py",
        *ROOT.glob("catalogue/records/*views.py"),
    ]
    copies = [
        str(p.relative_to(ROOT))
        for p in views
        if "except Refused" in p.read_text() or "except Invalid" in p.read_text()
    ]
    assert copies == []
