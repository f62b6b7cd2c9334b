"""Challenges: authoring through the task list, the statement check, the personal-data block, every
lifecycle transition (valid and refused), and who sees drafts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from catalogue.changes import AuditEvent
from catalogue.errors import Invalid, NotAllowed
from outcomes import services
from outcomes.models import Challenge, ChallengeStatusChange
from outcomes.services import lifecycle
from tests import factories as f
from tests.helpers.challenges import World, fresh, full_challenge, viewer

# --- authoring ----------------------------------------------------------------------------------


def test_only_approved_authority_staff_author(world: World, client_as, client) -> None:
    assert client_as(world.supplier_user).get("/challenges/new").status_code == 403
    assert client_as(world.pending_user).get("/challenges/new").status_code == 403
    anonymous = client.get("/challenges/new")
    assert anonymous.status_code == 303 and "/account/sign-in" in anonymous.headers["Location"]
    assert client_as(world.la_user).get("/challenges/new").status_code == 200


def test_bad_input_is_shown_again_with_an_error_summary(world: World, client_as) -> None:
    c = client_as(world.la_user)
    response = c.post("/challenges/new", data={"title": "", "problem": "Typed problem stays"})
    assert response.status_code == 200
    assert "There is a problem" in response.text and "Enter the title" in response.text
    assert "Typed problem stays" in response.text


def test_guided_authoring_saves_each_page(world: World, client_as, db: Session) -> None:
    c = client_as(world.la_user)
    response = c.post("/challenges/new", data={"title": "Less time writing up", "problem": "Evenings lost to notes"})
    assert response.status_code == 303
    ref = response.headers["Location"].rstrip("/").split("/")[-2]
    challenge = db.exec(select(Challenge).where(Challenge.ref == ref)).one()
    db.commit()  # end the read transaction: an open snapshot can stall SQLite writers
    assert challenge.status == "draft" and challenge.owner_id == world.la.id
    # The audit trail names who wrote it (the per-request actor, as on every other page).
    created = db.exec(
        select(AuditEvent).where(AuditEvent.record_type == "challenge", AuditEvent.record_id == challenge.id)
    ).first()
    assert created is not None and created.actor_id == world.la_user.id
    # The case management system the catalogue knows is filled in for them, but the task list
    # does not call the constraints completed before the author has opened and saved them.
    assert challenge.constraint_details["case_management_system"] == "Mosaic"
    tasks = c.get(f"/challenges/{ref}/edit").text
    constraints = tasks.split('id="constraints-status">', 1)[1].split("</div>", 1)[0]
    assert "Not started" in constraints and "Completed" not in constraints
    assert 'value="Mosaic"' in c.get(f"/challenges/{ref}/edit/constraints").text
    c.post(f"/challenges/{ref}/edit/constraints", data={"constraint_cms": "Mosaic", "action": "save"})
    tasks = c.get(f"/challenges/{ref}/edit").text
    assert "Completed" in tasks.split('id="constraints-status">', 1)[1].split("</div>", 1)[0]

    # Repeatable outcome rows, without JavaScript: "add another" posts back and shows one more.
    added = c.post(f"/challenges/{ref}/edit/outcomes", data={"outcomes-0-outcome": "Less time", "action": "add"})
    assert added.status_code == 200 and "Outcome 2" in added.text and "Less time" in added.text
    removed = c.post(
        f"/challenges/{ref}/edit/outcomes",
        data={"outcomes-0-outcome": "Keep", "outcomes-1-outcome": "Drop me", "action": "remove-1"},
    )
    assert "Drop me" not in removed.text and "Keep" in removed.text
    missing = c.post(f"/challenges/{ref}/edit/outcomes", data={"outcomes-0-measure": "Hours", "action": "save"})
    assert missing.status_code == 200 and "Enter the outcome" in missing.text and "Hours" in missing.text
    saved = c.post(
        f"/challenges/{ref}/edit/outcomes",
        data={
            "outcomes-0-outcome": "Less time recording",
            "outcomes-0-measure": "Hours a week",
            "outcomes-0-baseline": "9",
            "outcomes-0-target": "5",
            "action": "save",
        },
    )
    assert saved.status_code == 303

    assert c.post(f"/challenges/{ref}/edit/users", data={"users": "Social workers"}).status_code == 303
    assert (
        c.post(
            f"/challenges/{ref}/edit/constraints",
            data={"constraint_ig": "DPIA needed", "constraint_cms": "Mosaic"},
        ).status_code
        == 303
    )
    budget = c.post(f"/challenges/{ref}/edit/budget", data={"budget_min": "90000", "budget_max": "10000"})
    assert budget.status_code == 200 and "same as or more than the lowest" in budget.text
    assert (
        c.post(
            f"/challenges/{ref}/edit/budget", data={"budget_min": "£10,000", "budget_max": "90000", "route": "open"}
        ).status_code
        == 303
    )
    bad_route = c.post(f"/challenges/{ref}/edit/budget", data={"route": "made-up"})
    assert bad_route.status_code == 200 and "procurement route" in bad_route.text
    bad_date = c.post(
        f"/challenges/{ref}/edit/timetable", data={"closes-day": "31", "closes-month": "2", "closes-year": "2031"}
    )
    assert bad_date.status_code == 200 and "real date" in bad_date.text and 'value="31"' in bad_date.text
    questions_after = c.post(
        f"/challenges/{ref}/edit/timetable",
        data={
            "closes-day": "1",
            "closes-month": "3",
            "closes-year": "2031",
            "questions_close-day": "2",
            "questions_close-month": "3",
            "questions_close-year": "2031",
        },
    )
    assert questions_after.status_code == 200 and "must close before the closing date" in questions_after.text
    assert (
        c.post(
            f"/challenges/{ref}/edit/timetable",
            data={"timetable": "Supplier day in March", "closes-day": "1", "closes-month": "3", "closes-year": "2031"},
        ).status_code
        == 303
    )
    not_100 = c.post(
        f"/challenges/{ref}/edit/evaluation",
        data={
            "evaluation_criteria-0-criterion": "Fit",
            "evaluation_criteria-0-weight": "50",
            "evaluation_criteria-1-criterion": "Price",
            "evaluation_criteria-1-weight": "30",
            "action": "save",
        },
    )
    assert not_100.status_code == 200 and "must add up to 100. They add up to 80" in not_100.text
    assert (
        c.post(
            f"/challenges/{ref}/edit/evaluation",
            data={
                "evaluation_criteria-0-criterion": "Fit",
                "evaluation_criteria-0-weight": "70",
                "evaluation_criteria-1-criterion": "Price",
                "evaluation_criteria-1-weight": "30",
                "action": "save",
            },
        ).status_code
        == 303
    )
    assert (
        c.post(
            f"/challenges/{ref}/edit/requirements", data={"essential": "UK hosting\nAudit log", "nice_to_have": "Welsh"}
        ).status_code
        == 303
    )

    fresh(db)
    challenge = db.get(Challenge, challenge.id)
    assert challenge.outcomes == [
        {"outcome": "Less time recording", "measure": "Hours a week", "baseline": "9", "target": "5"}
    ]
    assert challenge.constraints == "Information governance: DPIA needed\nCase management system: Mosaic"
    assert (challenge.budget_min, challenge.budget_max, challenge.route) == (10000.0, 90000.0, "open")
    assert challenge.closes.isoformat() == "2031-03-01"
    assert challenge.evaluation_criteria == [{"criterion": "Fit", "weight": 70}, {"criterion": "Price", "weight": 30}]
    assert challenge.essential_requirements == ["UK hosting", "Audit log"]
    assert challenge.nice_to_have_requirements == ["Welsh"]

    task_list = c.get(f"/challenges/{ref}/edit")
    assert task_list.status_code == 200 and task_list.text.count("Completed") >= 7
    check = c.get(f"/challenges/{ref}/check")
    assert check.status_code == 200 and "Check your challenge" in check.text and "Audit log" in check.text


def test_only_the_owner_edits(world: World, client_as) -> None:
    challenge = full_challenge(world.la, status="market-engagement")
    for user in (world.other_user, world.supplier_user):
        c = client_as(user)
        assert c.get(f"/challenges/{challenge.ref}/edit").status_code == 403
        assert c.post(f"/challenges/{challenge.ref}/edit/users", data={"users": "x"}).status_code == 403
        assert c.post(f"/challenges/{challenge.ref}/status", data={"to": "open"}).status_code == 403


def test_tried_before_links_only_deployments_the_author_can_see(world: World, client_as, db: Session) -> None:
    tool = f.ToolFactory()
    own = f.DeploymentFactory(organisation_id=world.la.id, tool_id=tool.id, summary="Own pilot")
    peer_private = f.DeploymentFactory(
        organisation_id=world.other_la.id, tool_id=tool.id, visibility="private", summary="PRIVATEPEERMARKER"
    )
    challenge = full_challenge(world.la)
    c = client_as(world.la_user)
    page = c.get(f"/challenges/{challenge.ref}/edit/tried-before")
    assert "Own pilot" in page.text and "PRIVATEPEERMARKER" not in page.text
    refused = c.post(
        f"/challenges/{challenge.ref}/edit/tried-before", data={"tried_deployments": [str(peer_private.id)]}
    )
    assert refused.status_code == 200 and "Choose deployments from the list" in refused.text
    assert (
        c.post(
            f"/challenges/{challenge.ref}/edit/tried-before",
            data={"tried_before": "We piloted a tool", "tried_deployments": [str(own.id)]},
        ).status_code
        == 303
    )
    fresh(db)
    assert db.get(Challenge, challenge.id).tried_deployment_ids == [own.id]


# --- who sees drafts ------------------------------------------------------------------------------


def test_anonymous_visitors_and_others_see_only_published_challenges(world: World, client, client_as) -> None:
    draft = full_challenge(world.la, title="DRAFTMARKER challenge")
    published = full_challenge(world.la, status="market-engagement", title="PUBLISHEDMARKER challenge")
    for c in (client, client_as(world.supplier_user), client_as(world.other_user), client_as(world.pending_user)):
        listing = c.get("/challenges")
        assert "PUBLISHEDMARKER" in listing.text and "DRAFTMARKER" not in listing.text
        assert c.get(f"/challenges/{draft.ref}").status_code == 404
        assert c.get(f"/challenges/{draft.ref}/ocds.json").status_code == 404
        assert c.get(f"/challenges/{published.ref}").status_code == 200
    own = client_as(world.la_user).get("/challenges")
    assert "DRAFTMARKER" in own.text and "PUBLISHEDMARKER" in own.text


def test_browse_filters(world: World, client) -> None:
    full_challenge(world.la, status="open", route="open", title="ROUTEOPEN", categories=["transcription"])
    full_challenge(
        world.other_la, status="market-engagement", route="grant", title="ROUTEGRANT", categories=["chatbot"]
    )
    assert "ROUTEGRANT" not in client.get("/challenges?route=open").text
    assert "ROUTEOPEN" in client.get("/challenges?route=open").text
    assert "ROUTEOPEN" not in client.get("/challenges?status=market-engagement").text
    assert "ROUTEGRANT" in client.get("/challenges?category=chatbot").text
    assert "ROUTEOPEN" not in client.get("/challenges?category=chatbot").text
    assert "ROUTEOPEN" in client.get("/challenges?region=North+West").text
    assert "ROUTEOPEN" not in client.get("/challenges?region=London").text
    # Unknown filter values are ignored, not an error.
    assert client.get("/challenges?route=nonsense&status=%3Cscript%3E").status_code == 200


# --- the statement check ------------------------------------------------------------------------


def test_statement_check_gives_reasons(world: World) -> None:
    challenge = full_challenge(
        world.la,
        title="Copilot for social workers",
        users=None,
        outcomes=[{"outcome": "Happier staff", "measure": "Survey"}],
        budget_min=None,
        budget_max=None,
    )
    advice = services.statement_advice(challenge)
    messages = " ".join(a.message for a in advice)
    assert "product or technology (‘Copilot’)" in messages
    assert "Say who the users are" in messages
    assert "has no baseline or target" in messages
    assert "Give a budget range" in messages
    assert all(a.reason for a in advice)


@pytest.mark.parametrize(
    "problem",
    ["We want to buy ChatGPT licences", "We need an AI chatbot for families", "Looking for an LLM to summarise"],
)
def test_naming_a_technology_as_the_ask_is_advised_against(world: World, problem: str) -> None:
    challenge = full_challenge(world.la, problem=problem)
    assert any(a.section == "problem" for a in services.statement_advice(challenge))


def test_a_problem_statement_gets_no_technology_advice(world: World) -> None:
    challenge = full_challenge(world.la, problem="Families wait weeks to hear back; staff retype the same details.")
    assert services.statement_advice(challenge) == []


def test_check_page_shows_advice_with_reasons(world: World, client_as) -> None:
    challenge = full_challenge(world.la, problem="We want to implement Magic Notes across the service", users="")
    page = client_as(world.la_user).get(f"/challenges/{challenge.ref}/check")
    assert "‘Magic Notes’" in page.text and "Why:" in page.text and "Say who the users are" in page.text


def test_personal_data_blocks_publishing_until_removed(world: World, client_as, db: Session) -> None:
    challenge = full_challenge(world.la, problem="For example Jayden Smith, DOB 03/04/2015, missed visits.")
    c = client_as(world.la_user)
    check = c.get(f"/challenges/{challenge.ref}/check")
    assert "Remove personal data before publishing" in check.text
    warning = check.text.split('id="personal-data"')[1].split("</ul>")[0]
    assert "J***** S****" in warning and "Jayden" not in warning  # the warning masks what it found
    assert "Publish for market engagement" not in check.text
    for target in ("market-engagement", "open"):
        refused = c.post(f"/challenges/{challenge.ref}/status", data={"to": target, "from_check": "1"})
        assert refused.status_code == 200 and "Remove the personal data" in refused.text
    fresh(db)
    assert db.get(Challenge, challenge.id).status == "draft"
    assert db.exec(select(ChallengeStatusChange)).all() == []
    db.commit()  # end the read transaction before the next requests write

    c.post(
        f"/challenges/{challenge.ref}/edit/problem",
        data={"title": challenge.title, "problem": "A child missed visits."},
    )
    assert c.post(f"/challenges/{challenge.ref}/status", data={"to": "market-engagement"}).status_code == 303
    fresh(db)
    assert db.get(Challenge, challenge.id).status == "market-engagement"


def test_personal_data_anywhere_in_the_statement_blocks(world: World) -> None:
    challenge = full_challenge(world.la, constraints="Call Mrs Jones on 07700 900123")
    problems = services.personal_data_problems(challenge)
    assert set(problems) == {"constraints"}


# --- the lifecycle ------------------------------------------------------------------------------


def move(db: Session, world: World, challenge: Challenge, to: str, **kwargs: Any) -> None:
    if to == "withdrawn":
        kwargs.setdefault("detail", "No longer needed")
    services.change_status(db, viewer(world.la_user, world.la), challenge, to, **kwargs)
    db.commit()


@pytest.mark.parametrize(
    ("path", "kwargs"),
    [
        (["market-engagement", "open", "evaluating"], {}),
        (["open"], {}),
        (["withdrawn"], {}),
        (["market-engagement", "withdrawn"], {}),
        (["market-engagement", "closed"], {"reason": "budget-withdrawn"}),
        (["open", "closed"], {"reason": "cancelled"}),
        (["open", "withdrawn"], {}),
        (["market-engagement", "open", "evaluating", "withdrawn"], {}),
    ],
)
def test_valid_transitions_are_recorded_with_who_and_when(
    world: World, db: Session, path: list[str], kwargs: dict
) -> None:
    challenge = full_challenge(world.la)
    for to in path:
        if to == "evaluating":
            challenge.closes = services.today() - timedelta(days=1)
            db.add(challenge)
            db.commit()
        move(db, world, challenge, to, **(kwargs if to == "closed" else {}))
    history = services.status_history(db, challenge)
    assert [h.to_status for h in history] == path
    assert history[0].from_status == "draft"
    assert all(h.changed_by_id == world.la_user.id and h.at.tzinfo is not None for h in history)
    assert challenge.published_at is not None or path == ["withdrawn"]


def test_evaluating_to_awarded_and_closed(world: World, db: Session) -> None:
    challenge = full_challenge(world.la, status="evaluating")
    move(db, world, challenge, "closed", reason="other", detail="Merged with a regional challenge")
    assert challenge.closed_reason == "other" and challenge.closed_detail == "Merged with a regional challenge"


@pytest.mark.parametrize(
    ("start", "to", "message"),
    [
        ("draft", "evaluating", "cannot become"),
        ("draft", "closed", "cannot become"),
        ("draft", "awarded", "cannot become"),
        ("market-engagement", "draft", "cannot become"),
        ("market-engagement", "evaluating", "cannot become"),
        ("open", "market-engagement", "cannot become"),
        ("evaluating", "open", "cannot become"),
        ("evaluating", "awarded", "choosing the successful proposal"),
        ("awarded", "closed", "cannot become"),
        ("closed", "open", "cannot become"),
        ("withdrawn", "market-engagement", "cannot become"),
        ("withdrawn", "draft", "cannot become"),
    ],
)
def test_invalid_transitions_are_refused(world: World, db: Session, start: str, to: str, message: str) -> None:
    challenge = full_challenge(world.la, status=start)
    with pytest.raises(Invalid, match=message):
        services.change_status(db, viewer(world.la_user, world.la), challenge, to)
    db.rollback()
    assert db.get(Challenge, challenge.id).status == start


def test_opening_needs_a_closing_date_in_the_future(world: World, db: Session) -> None:
    owner = viewer(world.la_user, world.la)
    for closes in (None, services.today(), services.today() - timedelta(days=3)):
        challenge = full_challenge(world.la, closes=closes)
        with pytest.raises(Invalid, match="closing date in the future"):
            services.change_status(db, owner, challenge, "open")
        db.rollback()
    challenge = full_challenge(world.la, closes=services.today() + timedelta(days=20))
    services.change_status(db, owner, challenge, "open")
    # Clarification questions close a week before proposals unless set.
    assert challenge.questions_close == challenge.closes - timedelta(days=7)


def test_evaluating_waits_for_the_closing_date(world: World, db: Session) -> None:
    challenge = full_challenge(world.la, status="open", closes=services.today())
    with pytest.raises(Invalid, match="Start evaluating after it"):
        services.change_status(db, viewer(world.la_user, world.la), challenge, "evaluating")


def test_closing_without_award_needs_a_reason(world: World, db: Session, client_as) -> None:
    challenge = full_challenge(world.la, status="open")
    owner = viewer(world.la_user, world.la)
    with pytest.raises(Invalid, match="Choose why"):
        services.change_status(db, owner, challenge, "closed")
    db.rollback()
    with pytest.raises(Invalid, match="Enter the reason"):
        services.change_status(db, owner, challenge, "closed", reason="other")
    db.rollback()
    page = client_as(world.la_user).post(
        f"/challenges/{challenge.ref}/status", data={"to": "closed", "reason": "bogus"}
    )
    assert page.status_code == 200 and "Choose why the challenge closed" in page.text
    done = client_as(world.la_user).post(
        f"/challenges/{challenge.ref}/status", data={"to": "closed", "reason": "no-suitable-proposals"}
    )
    assert done.status_code == 303
    shown = client_as(world.supplier_user).get(f"/challenges/{challenge.ref}")
    assert "No suitable proposals" in shown.text


def test_status_page_refuses_bad_input_with_a_message(world: World, client_as) -> None:
    challenge = full_challenge(world.la)
    c = client_as(world.la_user)
    assert "Choose what happens" in c.post(f"/challenges/{challenge.ref}/status", data={}).text
    refused = c.post(f"/challenges/{challenge.ref}/status", data={"to": "evaluating"})
    assert refused.status_code == 200 and "cannot become" in refused.text


def test_others_cannot_move_a_challenge(world: World, db: Session) -> None:
    challenge = full_challenge(world.la)
    for user, org in ((world.other_user, world.other_la), (world.supplier_user, world.supplier)):
        with pytest.raises(NotAllowed):
            services.change_status(db, viewer(user, org), challenge, "market-engagement")


def test_publishing_tells_followers_and_supplier_alerts(world: World, db: Session, monkeypatch) -> None:
    calls: list[tuple[str, str]] = []
    monkeypatch.setattr(lifecycle, "_challenge_published", lambda _s, c: calls.append(("published", c.ref)))
    monkeypatch.setattr(lifecycle, "_challenge_event", lambda _s, c, event, text: calls.append((event, text)))
    challenge = full_challenge(world.la)
    move(db, world, challenge, "market-engagement")
    move(db, world, challenge, "open")
    assert calls == [
        ("published", challenge.ref),
        ("status", services.STATUS_NEWS["market-engagement"]),
        ("published", challenge.ref),
        ("status", services.STATUS_NEWS["open"]),
    ]


def test_statement_is_frozen_once_open(world: World, client_as) -> None:
    challenge = full_challenge(world.la, status="open")
    c = client_as(world.la_user)
    assert c.post(f"/challenges/{challenge.ref}/edit/users", data={"users": "Changed"}).status_code == 303
    page = c.get(f"/challenges/{challenge.ref}")
    assert "Changed" not in page.text


def test_close_due_command_moves_past_challenges_to_evaluating(world: World, app, db: Session) -> None:
    past = full_challenge(world.la, status="open", closes=services.today() - timedelta(days=1))
    future = full_challenge(world.la, status="open")
    result = app.test_cli_runner().invoke(args=["challenge", "close-due"])
    assert result.exit_code == 0 and "1 challenge(s)" in result.output
    fresh(db)
    assert db.get(Challenge, past.id).status == "evaluating"
    assert db.get(Challenge, future.id).status == "open"


# --- personal data after publication -------------------------------------------------------------

PERSONAL = "Jayden Smith, DOB 12/03/2015, 14 Acacia Avenue, LS1 4AB, 07700 900123"


def test_personal_data_added_during_market_engagement_is_refused(world: World, client_as, client, db: Session) -> None:
    challenge = full_challenge(world.la, status="market-engagement")
    c = client_as(world.la_user)
    refused = c.post(
        f"/challenges/{challenge.ref}/edit/problem", data={"title": challenge.title, "problem": f"Case: {PERSONAL}"}
    )
    assert (
        refused.status_code == 200 and "There is a problem" in refused.text and "Remove personal data" in refused.text
    )
    assert "Case: Jayden Smith" in refused.text  # what they typed is shown again to correct
    refused = c.post(f"/challenges/{challenge.ref}/edit/constraints", data={"constraint_data": PERSONAL})
    assert refused.status_code == 200 and "Remove personal data" in refused.text
    refused = c.post(
        f"/challenges/{challenge.ref}/edit/users", data={"users": "Carers such as Jayden Smith, DOB 1/2/2015"}
    )
    assert refused.status_code == 200 and "Remove personal data" in refused.text
    fresh(db)
    saved = db.get(Challenge, challenge.id)
    assert "Jayden" not in (saved.problem + (saved.constraints or "") + (saved.users or ""))
    db.commit()
    public = client.get(f"/challenges/{challenge.ref}")
    assert "Jayden" not in public.text and "07700" not in public.text
    assert "Jayden" not in client.get(f"/challenges/{challenge.ref}/ocds.json").text
    # Without personal data the change is saved as before.
    ok = c.post(
        f"/challenges/{challenge.ref}/edit/problem", data={"title": challenge.title, "problem": "Evenings lost."}
    )
    assert ok.status_code == 303


def test_personal_data_through_the_api_patch_is_refused(world: World, client, db: Session) -> None:
    from catalogue.accounts.services import issue_api_token
    from tests.helpers.api import call, errors_by_field

    challenge = full_challenge(world.la, status="market-engagement")
    token = issue_api_token(db, world.la_user, label="test")
    db.commit()
    refused = call(client, "PATCH", f"/api/v1/challenges/{challenge.ref}", token, json={"problem": PERSONAL})
    assert refused.status_code == 422, refused.text
    assert "problem" in errors_by_field(refused.get_json()) or "problem" in refused.text
    assert "Jayden" not in refused.text  # the message masks what it found
    refused = call(
        client,
        "PATCH",
        f"/api/v1/challenges/{challenge.ref}",
        token,
        json={"users": "Mum of Jayden Smith, DOB 1/2/2015"},
    )
    assert refused.status_code == 422
    fresh(db)
    saved = db.get(Challenge, challenge.id)
    assert "Jayden" not in saved.problem and "Jayden" not in (saved.users or "")
    db.commit()
    ok = call(client, "PATCH", f"/api/v1/challenges/{challenge.ref}", token, json={"problem": "Evenings lost."})
    assert ok.status_code == 200
    # A draft may hold it while being written; publishing is what is blocked.
    draft = full_challenge(world.la)
    db.commit()
    assert (
        call(client, "PATCH", f"/api/v1/challenges/{draft.ref}", token, json={"problem": PERSONAL}).status_code == 200
    )


def test_moving_to_open_rechecks_personal_data(world: World, db: Session) -> None:
    challenge = full_challenge(world.la, status="market-engagement", problem=f"Case: {PERSONAL}")
    with pytest.raises(Invalid, match="Remove the personal data"):
        services.change_status(db, viewer(world.la_user, world.la), challenge, "open")
    db.rollback()
    assert db.get(Challenge, challenge.id).status == "market-engagement"


def test_history_names_who_changed_the_status_only_to_those_sharing_the_owners_view(
    world: World, client, client_as, db: Session
) -> None:
    from catalogue.accounts.models import User

    owner_user = db.get(User, world.la_user.id)
    owner_user.display_name = "Priya Officerperson"
    db.add(owner_user)
    challenge = full_challenge(world.la)
    sponsor_la = f.OrganisationFactory(kind="local-authority", name="Sponsor Council")
    sponsor_user = f.UserFactory(organisation_id=sponsor_la.id)
    f.ChallengeCoSponsorFactory(challenge=challenge, organisation=sponsor_la, status="approved")
    move(db, world, challenge, "market-engagement")
    admin = f.UserFactory(organisation_id=world.other_la.id, is_site_admin=True)
    for c in (client_as(world.la_user), client_as(sponsor_user), client_as(admin)):
        assert "by Priya Officerperson" in c.get(f"/challenges/{challenge.ref}").text
    assert "by Priya Officerperson" in client_as(world.la_user).get(f"/challenges/{challenge.ref}/status").text
    for c in (client, client_as(world.supplier_user), client_as(world.other_user)):
        page = c.get(f"/challenges/{challenge.ref}")
        assert page.status_code == 200 and "Market engagement" in page.text
        assert "Priya" not in page.text and world.la_user.email not in page.text
