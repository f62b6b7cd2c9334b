"""Two people editing one record (issue 17): the tool, offering and challenge-section forms carry
the version they were opened at; a save after someone else's is refused with a message and
overwrites nothing; sending the form again, having been told, saves."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from catalogue.db import utcnow
from catalogue.lost_update import MESSAGE
from catalogue.records import services as records
from tests.factories import ChallengeFactory, OfferingFactory, OrganisationFactory, ToolFactory, UserFactory
from tests.helpers.suppliers import OFFERING_FORM

VERSION = re.compile(r'name="version" value="([^"]+)"')


def _version(page) -> str:
    found = VERSION.search(page.get_data(as_text=True))
    assert found, "the form carries the version it was opened at"
    return found.group(1)


@pytest.fixture
def forms(db):
    council = OrganisationFactory(kind="local-authority")
    supplier = OrganisationFactory(kind="supplier")
    tool = ToolFactory(ref="lost-tool", name="Losttool", summary="As it was")
    offering = OfferingFactory(ref="lost-offer", supplier_id=supplier.id, status="published", summary="As it was")
    challenge = ChallengeFactory(ref="lost-ch", owner_id=council.id, status="draft", problem="As it was")
    people = {
        "tool": UserFactory(is_site_admin=True),
        "offering": UserFactory(organisation_id=supplier.id),
        "challenge": UserFactory(organisation_id=council.id),
    }
    db.commit()
    records_by_kind = {"tool": tool, "offering": offering, "challenge": challenge}
    tool_form = records.tool_to_form(db, tool)
    return {
        "tool": ("/tools/lost-tool/edit", {**tool_form, "summary": "Mine"}, "summary"),
        "offering": ("/offerings/lost-offer/edit", {**OFFERING_FORM, "summary": "Mine"}, "summary"),
        "challenge": (
            "/challenges/lost-ch/edit/problem",
            {"title": challenge.title, "problem": "Mine", "categories": ["other"]},
            "problem",
        ),
        "people": people,
        "records": records_by_kind,
    }


@pytest.mark.parametrize("kind", ["tool", "offering", "challenge"])
def test_a_second_editor_is_told_and_nothing_is_overwritten(forms, db, client_as, kind: str) -> None:
    url, typed, field = forms[kind]
    record = forms["records"][kind]
    editor = client_as(forms["people"][kind])
    opened = _version(editor.get(url))
    # Someone else saves meanwhile.
    setattr(record, field, "Changed meanwhile")
    record.updated_at = utcnow() + timedelta(seconds=5)
    db.add(record)
    db.commit()
    refused = editor.post(url, data={**typed, "version": opened})
    assert refused.status_code == 200
    text = refused.get_data(as_text=True)
    assert MESSAGE.split(",")[0] in text and 'href="#version"' in text
    assert "Mine" in text, "what was typed is shown again"
    db.commit()  # end the test session's read, to see the app's writes
    db.refresh(record)
    assert getattr(record, field) == "Changed meanwhile"
    # Told, the editor sends the form again (now at the current version): it saves.
    current = _version(refused)
    assert current != opened
    saved = editor.post(url, data={**typed, "version": current})
    assert saved.status_code == 303, saved.get_data(as_text=True)[:3000]
    db.commit()  # end the test session's read, to see the app's writes
    db.refresh(record)
    assert getattr(record, field) == "Mine"


DRAFT = re.compile(r'name="draft" value="([^"]+)"')


def test_a_deployment_edit_saved_over_by_someone_else_is_refused(db, client_as) -> None:
    import html
    import json

    from catalogue.records.models import Deployment
    from tests.factories import DeploymentFactory

    council = OrganisationFactory(kind="local-authority")
    tool = ToolFactory(ref="lost-dep-tool")
    deployment = DeploymentFactory(ref="lost-dep", organisation_id=council.id, tool_id=tool.id, impact="As it was")
    editor = client_as(UserFactory(organisation_id=council.id))
    db.commit()
    page = editor.get("/deployments/lost-dep/edit").get_data(as_text=True)
    draft = json.loads(html.unescape(DRAFT.search(page).group(1)))
    draft["impact"] = "Mine"
    deployment.impact = "Changed meanwhile"
    deployment.updated_at = utcnow() + timedelta(seconds=5)
    db.add(deployment)
    db.commit()
    refused = editor.post("/deployments/lost-dep/edit/check", data={"draft": json.dumps(draft)})
    assert refused.status_code == 200 and 'href="#version"' in refused.get_data(as_text=True)
    db.commit()
    assert db.get(Deployment, deployment.id).impact == "Changed meanwhile"
    # Told, the editor saves again from the re-shown page (now at the current version).
    again = json.loads(html.unescape(DRAFT.search(refused.get_data(as_text=True)).group(1)))
    assert again["impact"] == "Mine"
    saved = editor.post("/deployments/lost-dep/edit/check", data={"draft": json.dumps(again)})
    assert saved.status_code == 303, saved.get_data(as_text=True)[:2000]
    db.commit()
    db.expire_all()
    assert db.get(Deployment, deployment.id).impact == "Mine"
