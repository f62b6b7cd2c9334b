"""/api/v1 partnerships (programmes): read one as the caller may see it (outcomes.services
.programme_view, the page's own view of it), and keep it up to date with a token: the lead
removes a member authority, a challenge or a cohort supplier with a reason; an administrator of
an invited authority answers its membership invitation; a supplier's administrator answers its
cohort invitation. Every write goes through the service the partnership page calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import Schema, fields, validate

from catalogue import errors
from catalogue.api import API_PREFIX, Blueprint, common
from catalogue.db import get_session
from catalogue.schemas import BaseSchema, Choice
from outcomes import services
from outcomes.models import Programme
from outcomes.schemas import RemovalSchema
from suppliers.api import MARKET_DESCRIPTION, MARKET_TAG

blp = Blueprint("api_partnerships", __name__, url_prefix=API_PREFIX, description=MARKET_DESCRIPTION, doc_tag=MARKET_TAG)
common.install(blp)

MEMBER_STATUSES = ("invited", "accepted", "declined")  # an invited organisation sees its own answer
DECISIONS = {"accept": "Accept the invitation", "decline": "Decline the invitation"}


class DecisionSchema(BaseSchema):
    decision = Choice(DECISIONS, "Give decision as accept or decline", required=True)


class PartyOut(Schema):
    organisation = fields.String(metadata={"description": "the organisation's ref"})
    name = fields.String()
    status = fields.String(validate=validate.OneOf(MEMBER_STATUSES))


class PartnershipChallengeOut(Schema):
    ref = fields.String()
    title = fields.String()
    status = fields.String(metadata={"description": "as the clock shows it (outcomes.clock)"})


class MilestoneOut(Schema):
    date = fields.String()
    milestone = fields.String()


class InvitationOut(Schema):
    kind = fields.String(validate=validate.OneOf(("membership", "cohort")))
    can_answer = fields.Boolean(metadata={"description": "only an administrator answers for the organisation"})
    who_can_answer = fields.String(metadata={"description": "when you cannot: who can"})


class PartnershipOut(Schema):
    ref = fields.String()
    name = fields.String()
    lead = fields.String(metadata={"description": "the lead organisation's ref"})
    lead_name = fields.String()
    description = fields.String()
    phases = fields.String()
    milestones = fields.List(fields.Nested(MilestoneOut))
    evaluation_plan = fields.String()
    members = fields.List(
        fields.Nested(PartyOut), metadata={"description": "accepted members; the lead also sees invitations"}
    )
    challenges = fields.List(fields.Nested(PartnershipChallengeOut), metadata={"description": "those you may see"})
    cohort = fields.List(
        fields.Nested(PartyOut), metadata={"description": "the supplier cohort; the lead also sees invitations"}
    )
    manager = fields.Boolean(metadata={"description": "true when you lead the partnership"})
    invitations = fields.List(fields.Nested(InvitationOut), metadata={"description": "your organisation's, unanswered"})
    updated_at = fields.DateTime()


class PartnershipListItem(Schema):
    ref = fields.String()
    name = fields.String()
    lead = fields.String()
    lead_name = fields.String()
    updated_at = fields.DateTime()


def _party(row: Any, org: Any) -> dict[str, Any]:
    return {"organisation": org.ref, "name": org.name, "status": row.status}


def partnership_json(programme: Programme) -> dict[str, Any]:
    view = services.programme_view(get_session(), common.viewer(), programme)
    invitations = []
    for kind, row in (("membership", view["invitation"]), ("cohort", view["cohort_invitation"])):
        if row is not None:
            invitations.append(
                common.compact(
                    {
                        "kind": kind,
                        "can_answer": view["can_answer"],
                        "who_can_answer": None if view["can_answer"] else view["who_can_answer"],
                    }
                )
            )
    lead = view["lead"]
    return common.compact(
        {
            "ref": programme.ref,
            "name": programme.name,
            "lead": lead.ref if lead else None,
            "lead_name": lead.name if lead else None,
            "description": programme.description,
            "phases": programme.phases,
            "milestones": programme.milestones,
            "evaluation_plan": programme.evaluation_plan,
            "members": [_party(row, org) for row, org in view["members"]],
            "challenges": [{"ref": c.ref, "title": c.title, "status": c.shown_status} for c in view["challenges"]],
            "cohort": [_party(row, org) for row, org in view["cohort"]],
            "invitations": invitations,
            "updated_at": programme.updated_at,
        }
    ) | {"manager": view["manager"]}


def _programme(ref: str) -> Programme:
    programme = services.get_programme(get_session(), ref)
    if programme is None:
        common.not_found("partnership")
    return programme


def _write(do: Callable[[], Any], missing: str | None = None) -> None:
    """One service write, committed. NotAllowed is a 403 with its reason (who can answer); the
    service's "choose one of the partnership's" (`missing`) a 404; a state refusal (already
    answered) a 409; field errors (the reason's personal-data check) a 422."""
    session = get_session()
    try:
        do()
    except errors.NotAllowed as exc:
        session.rollback()
        common.forbidden(exc.message)
    except errors.Refused as exc:
        session.rollback()
        if missing is not None and set(exc.errors) == {missing}:
            common.not_found(missing)
        if set(exc.errors) == {"_schema"}:
            common.abort_conflict(exc.message)
        common.field_errors(exc.errors)
    session.commit()


@blp.route("/partnerships")
@blp.arguments(common.PageArgs, location="query")
@blp.response(200, common.page_schema(PartnershipListItem, "PartnershipPage"))
def list_partnerships(args: dict[str, Any]) -> dict[str, Any]:
    """Every partnership, by name (partnerships are public; what each shows depends on you)."""
    rows = services.list_programmes(get_session())
    rows = common.changed_since(rows, args.get("updated_since"), lambda row: row[0].updated_at)
    page = common.envelope(rows, args["page"], args["per_page"])
    page["items"] = [
        common.compact({"ref": p.ref, "name": p.name, "lead": o.ref, "lead_name": o.name, "updated_at": p.updated_at})
        for p, o in page["items"]
    ]
    return page


@blp.route("/partnerships/<ref>")
@blp.response(200, PartnershipOut)
def get_partnership(ref: str) -> dict[str, Any]:
    """A partnership as you may see it: accepted members and cohort (the lead also sees who is
    invited), the challenges run under it that you may see, and your own open invitations with
    whether you can answer them."""
    return partnership_json(_programme(ref))


def _remove(what: str, service: Callable[..., Any], data: dict[str, Any], ref: str, item: str) -> dict[str, Any]:
    session = get_session()
    programme = _programme(ref)
    _write(lambda: service(session, common.viewer(), programme, item, data.get("reason")), missing=what)
    return partnership_json(programme)


def _answer(service: Callable[..., Any], data: dict[str, Any], ref: str) -> dict[str, Any]:
    """An invited organisation's administrator accepts or declines (`decision`)."""
    programme = _programme(ref)
    _write(lambda: service(get_session(), common.viewer(), programme, data["decision"] == "accept"))
    return partnership_json(programme)


REMOVAL_EXAMPLE = {"reason": "The council has left the regional alliance"}


@blp.route("/partnerships/<ref>/members/<organisation>/remove", methods=["POST"])
@blp.arguments(RemovalSchema, example=REMOVAL_EXAMPLE)
@blp.response(200, PartnershipOut)
@common.write_limit()
def remove_member(data: dict[str, Any], ref: str, organisation: str) -> dict[str, Any]:
    """The lead removes a member authority (or withdraws its invitation), by the organisation's
    ref, with an optional reason sent to it. Its challenges run under the partnership leave with
    it, and what it could read as a member is gone at once. 404 when it is not a member."""
    return _remove("member", services.remove_member, data, ref, organisation)


@blp.route("/partnerships/<ref>/challenges/<challenge>/remove", methods=["POST"])
@blp.arguments(RemovalSchema, example={"reason": "It is now run by the council alone"})
@blp.response(200, PartnershipOut)
@common.write_limit()
def remove_challenge(data: dict[str, Any], ref: str, challenge: str) -> dict[str, Any]:
    """The lead takes a challenge out of the partnership; its owner is told. 404 when the
    partnership does not run it."""
    return _remove("challenge", services.remove_challenge, data, ref, challenge)


@blp.route("/partnerships/<ref>/cohort/<supplier>/remove", methods=["POST"])
@blp.arguments(RemovalSchema, example={"reason": "The cohort is now closed"})
@blp.response(200, PartnershipOut)
@common.write_limit()
def remove_cohort_supplier(data: dict[str, Any], ref: str, supplier: str) -> dict[str, Any]:
    """The lead removes a supplier from the cohort (or withdraws its invitation); it is told.
    404 when it is not in the cohort."""
    return _remove("supplier", services.remove_cohort_supplier, data, ref, supplier)


@blp.route("/partnerships/<ref>/invitation", methods=["POST"])
@blp.arguments(DecisionSchema, example={"decision": "accept"})
@blp.response(200, PartnershipOut)
@common.write_limit()
def answer_invitation(data: dict[str, Any], ref: str) -> dict[str, Any]:
    """An administrator of an invited authority accepts or declines membership for it; anyone
    else gets a 403 naming who can answer."""
    return _answer(services.respond_to_invitation, data, ref)


@blp.route("/partnerships/<ref>/cohort-invitation", methods=["POST"])
@blp.arguments(DecisionSchema, example={"decision": "accept"})
@blp.response(200, PartnershipOut)
@common.write_limit()
def answer_cohort_invitation(data: dict[str, Any], ref: str) -> dict[str, Any]:
    """An administrator of an invited supplier accepts (it joins the cohort) or declines; anyone
    else gets a 403 naming who can answer."""
    return _answer(services.respond_to_cohort_invitation, data, ref)
