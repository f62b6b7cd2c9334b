"""Lessons before buying: dropped pilots ranked by how close their problem is to the challenge's,
each with one line saying why it is shown and what went wrong; only pilots the reader may see;
the panel on the challenge page, the task list and the check page."""

from __future__ import annotations

import pytest

from catalogue.access import ANONYMOUS, viewer_for
from outcomes.matching.lessons import rank_lessons
from tests.factories import ChallengeFactory, DeploymentFactory, OrganisationFactory, ToolFactory, UserFactory


@pytest.fixture
def recording(db):
    owner = OrganisationFactory(name="Owning Council")
    west = OrganisationFactory(name="West Council")
    east = OrganisationFactory(name="East Council")
    north = OrganisationFactory(name="North Council")
    challenge = ChallengeFactory(
        ref="ch-recording",
        owner_id=owner.id,
        title="Writing up conversations at the front door",
        problem=(
            "Practitioners in our front door take contact and referral calls all day, then type up each "
            "conversation by hand. Recording the call and transcribing it into a draft case note would "
            "give them time back for families."
        ),
        outcomes=[{"outcome": "Less practitioner time writing up each contact", "measure": "minutes per contact"}],
        status="draft",
    )

    def dropped(ref: str, org: int, tool: str, summary: str, detail: str, reasons: list[str], visibility: str):
        return DeploymentFactory(
            ref=ref,
            organisation_id=org,
            tool_id=ToolFactory(name=tool).id,
            stage="dropped",
            summary=summary,
            impact="",
            learnings="",
            dropped_detail=detail,
            dropped_reasons=reasons,
            visibility=visibility,
        )

    pilots = {
        # A families' chatbot on the council's website front door, much written about.
        "chatbot": dropped(
            "dep-chatbot",
            west.id,
            "Family help chatbot",
            "Website chatbot answering families' questions at the digital front door for early help, "
            "with a conversation for each family and referral advice for families.",
            "Families found the conversation with the chatbot confusing and practitioners took the calls anyway.",
            ["accuracy", "no-evidence-of-benefit"],
            "public",
        ),
        "translation": dropped(
            "dep-translation",
            east.id,
            "Live translation tablets",
            "Live translation of conversations with families at the front door and in assessment visits.",
            "Translation of conversations was not good enough for practitioners to rely on with families.",
            ["accuracy", "ethics"],
            "public",
        ),
        "transcription": dropped(
            "dep-transcription",
            north.id,
            "Call transcription",
            "Transcribing recorded contact calls into draft case notes for practitioners.",
            "Transcripts of the recorded calls needed so much correction that typing them up was quicker.",
            ["integration", "cost"],
            "public",
        ),
    }
    return {"owner": owner, "west": west, "east": east, "north": north, "challenge": challenge, "pilots": pilots}


def test_the_pilot_on_the_same_problem_comes_first(db, recording) -> None:
    lessons = rank_lessons(db, recording["challenge"])
    refs = [lesson.ref for lesson in lessons]
    assert refs[0] == "dep-transcription", refs
    first = lessons[0]
    # One line: why shown, in the challenge's own words, and what went wrong, in the vocabulary's.
    # The idea both name, in the challenge's own words ("writing up"), not the pilot's ("transcription").
    assert first.line.startswith("Shown because it too is about recording and case notes (your “writing up”)")
    assert first.line.endswith("What went wrong: Could not integrate with existing systems; Cost or affordability."), (
        first.line
    )
    for lesson in lessons:
        assert lesson.deployment.stage == "dropped"
        assert lesson.score <= first.score


def test_a_private_dropped_pilot_of_another_authority_is_never_shown(db, client_as, recording) -> None:
    secret = DeploymentFactory(
        ref="dep-secret",
        organisation_id=recording["west"].id,
        tool_id=ToolFactory(name="Secret transcription").id,
        stage="dropped",
        summary="Transcribing recorded contact calls at the front door into draft case notes for practitioners.",
        dropped_detail="Recorded calls transcribed badly.",
        dropped_reasons=["accuracy"],
        visibility="private",
    )
    owner_staff = UserFactory(organisation_id=recording["owner"].id)
    for viewer in (None, ANONYMOUS, viewer_for(owner_staff, "local-authority")):
        assert "dep-secret" not in [lesson.ref for lesson in rank_lessons(db, recording["challenge"], viewer=viewer)]
    # Its own authority sees it elsewhere, but the lesson is shown as the challenge's owner sees it.
    west_staff = UserFactory(organisation_id=recording["west"].id)
    assert "dep-secret" not in [
        lesson.ref
        for lesson in rank_lessons(db, recording["challenge"], viewer=viewer_for(west_staff, "local-authority"))
    ]
    page = client_as(owner_staff).get("/challenges/ch-recording/edit").get_data(as_text=True)
    assert "dep-secret" not in page and "Secret transcription" not in page
    # Shared with authorities: the owner's members may read it, so it is a lesson.
    secret.visibility = "authorities"
    db.add(secret)
    db.commit()
    assert "dep-secret" in [
        lesson.ref
        for lesson in rank_lessons(db, recording["challenge"], viewer=viewer_for(owner_staff, "local-authority"))
    ]
    # ... but not for a reader who may not see it.
    assert "dep-secret" not in [lesson.ref for lesson in rank_lessons(db, recording["challenge"], viewer=ANONYMOUS)]


def test_own_and_live_pilots_are_not_lessons(db, recording) -> None:
    DeploymentFactory(
        ref="dep-own-dropped",
        organisation_id=recording["owner"].id,
        tool_id=ToolFactory(name="Own transcription").id,
        stage="dropped",
        summary="Transcribing recorded contact calls into draft case notes.",
        visibility="public",
    )
    DeploymentFactory(
        ref="dep-live",
        organisation_id=recording["north"].id,
        tool_id=ToolFactory(name="Live transcription").id,
        stage="implemented",
        summary="Transcribing recorded contact calls into draft case notes.",
        visibility="public",
    )
    refs = [lesson.ref for lesson in rank_lessons(db, recording["challenge"])]
    assert "dep-own-dropped" not in refs and "dep-live" not in refs


def test_the_panel_is_on_the_task_list_and_the_check_page(db, client_as, recording) -> None:
    owner_staff = UserFactory(organisation_id=recording["owner"].id)
    client = client_as(owner_staff)
    for url in ("/challenges/ch-recording/edit", "/challenges/ch-recording/check"):
        page = client.get(url).get_data(as_text=True)
        assert "Lessons from pilots elsewhere" in page, url
        assert 'id="lesson-dep-transcription"' in page, url
        assert page.index('id="lesson-dep-transcription"') < page.index('id="lesson-dep-translation"'), url
        assert "Shown because it too is about recording and case notes" in page, url
        assert "What went wrong: Could not integrate" in page, url
        assert "Read why before you buy" in page


def test_the_panel_follows_the_statement_as_it_is_written(db, client_as, recording) -> None:
    challenge = recording["challenge"]
    challenge.title, challenge.problem, challenge.outcomes = "New challenge", "", []
    db.add(challenge)
    db.commit()
    owner_staff = UserFactory(organisation_id=recording["owner"].id)
    page = client_as(owner_staff).get("/challenges/ch-recording/edit").get_data(as_text=True)
    assert "No dropped pilot that you may see matches this problem yet" in page
    challenge.problem = "Live translation of conversations with families who speak other languages."
    db.add(challenge)
    db.commit()
    page = client_as(owner_staff).get("/challenges/ch-recording/check").get_data(as_text=True)
    assert 'id="lesson-dep-translation"' in page
    assert page.index('id="lesson-dep-translation"') < page.find('id="lesson-dep-transcription"') or (
        'id="lesson-dep-transcription"' not in page
    )


def test_a_supplier_reading_the_challenge_is_not_told_to_buy(db, client_as, recording) -> None:
    challenge = recording["challenge"]
    challenge.status = "market-engagement"
    db.add(challenge)
    db.commit()
    supplier = OrganisationFactory(kind="supplier")
    page = client_as(UserFactory(organisation_id=supplier.id)).get("/challenges/ch-recording").get_data(as_text=True)
    assert 'id="lesson-dep-transcription"' in page
    assert "Read why before you buy" not in page
