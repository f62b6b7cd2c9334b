"""Walking the guided deployment form page by page, with a complete set of answers."""

from __future__ import annotations

import html
import re

from flask.testing import FlaskClient


def draft_of(response) -> str:
    match = re.search(r'name="draft" value="([^"]*)"', response.get_data(as_text=True))
    assert match, "no draft field on the page"
    return html.unescape(match.group(1))


def step(client: FlaskClient, url: str, draft: str, **fields: object):
    return client.post(url, data={"draft": draft, **fields})


def walk_to_check(client: FlaskClient, base: str, answers: dict[str, dict]) -> str:
    """Answer each question page in turn; returns the draft on the check page."""
    draft = draft_of(client.get(base.replace("/new/", "/new")) if False else client.get("/deployments/new"))
    for name, fields in answers.items():
        response = step(client, f"/deployments/new/{name}", draft, **fields)
        assert response.status_code == 200, name
        assert "There is a problem" not in response.get_data(as_text=True), (
            name,
            response.get_data(as_text=True)[:3000],
        )
        draft = draft_of(response)
    assert "Check your answers" in response.get_data(as_text=True)
    return draft


ANSWERS = {
    "tool": {"tool_choice": "existing", "tool": "tool-notes"},
    "stage": {"stage": "dropped", "started": "2024-03", "ended": "2024-09"},
    "about": {"summary": "Tried with two teams", "impact": "Some time saved", "learnings": "", "barriers": ""},
    "dropped": {"dropped_reasons": ["accuracy", "cost"], "dropped_detail": "Errors in **less common** languages."},
    "safeguards": {"risk_assessment": "DPIA done", "ethics_checks": ["staff-consultation"], "safeguards": ""},
    "evaluation": {"evaluation": "internal-completed", "evaluator": "Our performance team", "evaluation_findings": ""},
    "resources": {"resources-implement_fte": "1.5", "resources-implement_gbp": "£25,000"},
    "visibility": {"visibility": "authorities"},
}
