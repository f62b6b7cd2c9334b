"""/api/v1 challenges: lists, details, and (with a token) creating and changing challenges, and
sending expressions of interest and proposals, through the outcomes service and schemas."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlmodel import Session, select

from catalogue import access, errors, vocabulary
from catalogue.accounts.models import Organisation
from catalogue.api import API_PREFIX, Blueprint, common, http
from catalogue.db import get_session
from catalogue.forms import flatten_errors
from catalogue.records.models import Deployment
from catalogue.schemas import Codes, fields_except
from outcomes import services as challenges
from outcomes import topics
from outcomes.models import Challenge, ChallengeResponse
from outcomes.schemas import SECTIONS, AmendmentSchema, ChallengeFormSchema, ChallengeSchema, ResponseSchema
from suppliers.api import MARKET_DESCRIPTION, MARKET_TAG
from suppliers.models import Offering

blp = Blueprint("api_challenges", __name__, url_prefix="/api/v1", description=MARKET_DESCRIPTION, doc_tag=MARKET_TAG)
common.install(blp)


class RequirementSchema(Schema):
    requirement = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    essential = fields.Boolean(load_default=True)


class ConstraintDetailsSchema(Schema):
    """The constraints' parts; `constraints` (read only) is them joined into one text."""

    data = fields.String(validate=validate.Length(max=5000))
    information_governance = fields.String(validate=validate.Length(max=5000))
    hosting = fields.String(validate=validate.Length(max=5000))
    case_management_system = fields.String(validate=validate.Length(max=500))


class ChallengeIn(ChallengeFormSchema):
    """What a POST or PATCH takes: the shape a GET returns (`requirements`, `constraint_details`,
    `tried_deployments` by ref), or the forms' own names (`essential`, `nice_to_have`,
    `constraint_*`)."""

    requirements = fields.List(fields.Nested(RequirementSchema))
    constraint_details = fields.Nested(ConstraintDetailsSchema)
    tried_deployments = fields.List(fields.String(validate=validate.Length(max=200)))


class ChallengeOut(ChallengeSchema):
    owner_name = fields.String(dump_only=True)
    categories = Codes(vocabulary.CATEGORIES, "category")
    requirements = fields.List(fields.Nested(RequirementSchema), dump_only=True)
    constraint_details = fields.Nested(ConstraintDetailsSchema, dump_only=True)
    tried_deployments = fields.List(fields.String(), dump_only=True, metadata={"description": "deployment refs"})
    evaluation_criteria = fields.List(fields.Dict(), dump_only=True)
    timetable = fields.String(dump_only=True)
    questions_close = fields.Date(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    # How matching reads the challenge (owner's corrections applied), and what the owner removed.
    topics = fields.List(fields.String(), dump_only=True)
    topics_removed = fields.List(fields.String(), dump_only=True)
    # One challenge's history (not in lists): amendments, document links, why it was withdrawn.
    amendments = fields.List(fields.Dict(), dump_only=True)
    documents = fields.List(fields.Dict(), dump_only=True)
    withdrawal_reason = fields.String(dump_only=True)


class ChallengePatch(ChallengeIn):
    # The topics matching should read, exactly: the owner's correction (outcomes.topics).
    topics = Codes(topics.TOPICS, "topic")


def form_shape(session: Session, body: dict[str, Any]) -> dict[str, Any]:
    """The body in the forms' names: `requirements` as essential/nice_to_have lists, the
    constraint parts as constraint_*, deployment refs as ids (a ref not found is a 422)."""
    shaped = dict(body)
    if isinstance(shaped.get("requirements"), list):
        given = [r for r in shaped.pop("requirements") if isinstance(r, dict)]
        shaped["essential"] = [r.get("requirement", "") for r in given if r.get("essential", True)]
        shaped["nice_to_have"] = [r.get("requirement", "") for r in given if not r.get("essential", True)]
    if isinstance(shaped.get("constraint_details"), dict):
        details = shaped.pop("constraint_details")
        for form, key, _label in challenges.CONSTRAINT_PARTS:
            shaped[form] = details.get(key, "")
    if isinstance(shaped.get("tried_deployments"), list):
        refs = [str(r) for r in shaped["tried_deployments"]]
        found = dict(session.exec(select(Deployment.ref, Deployment.id).where(Deployment.ref.in_(refs))).all())
        missing = {str(i): [f"No deployment ‘{r}’"] for i, r in enumerate(refs) if r not in found}
        if missing:
            common.field_errors({"tried_deployments": missing})
        shaped["tried_deployments"] = [found[r] for r in refs]
    return shaped


# What the API gives of a challenge: ChallengeOut's fields less the owner and topics, added apart.
CHALLENGE_COLUMNS = fields_except(ChallengeOut, "owner", "owner_name", "topics", "topics_removed")


def challenge_json(challenge: Challenge, owner: Organisation | None, with_topics: bool = True) -> dict[str, Any]:
    data = {name: getattr(challenge, name, None) for name in CHALLENGE_COLUMNS}
    data["constraint_details"] = common.compact(challenge.constraint_details or {})
    data["tried_deployments"] = _tried_refs(challenge)
    data.update(owner=owner.ref if owner else None, owner_name=owner.name if owner else None)
    if with_topics:
        # Reading the topics analyses the whole statement: one challenge's page, not a list's.
        data.update(topics=list(topics.read_topics(challenge)), topics_removed=topics.removed_topics(challenge))
        session = get_session()
        data.update(
            amendments=[
                {"date": a["at"].isoformat(), "reason": a["reason"], "changes": a["changes"]}
                for a in challenges.amendments_view(session, challenge)
            ],
            documents=[{"title": d["title"], "url": d["url"]} for d in challenge.documents or []],
            withdrawal_reason=challenges.withdrawal_reason(session, challenge),
        )
    data["status"] = challenge.shown_status  # the clock's status (outcomes.clock), as on the pages
    return common.compact(data)


class ChallengeArgs(common.PageArgs):
    route = common.choice_arg(vocabulary.ROUTES, "Choose a procurement route from the list")
    status = common.choice_arg(vocabulary.CHALLENGE_STATUSES, "Choose a status from the list")
    category = common.choice_arg(vocabulary.CATEGORIES, "Choose a category from the list")
    region = common.choice_arg(vocabulary.REGIONS, "Choose an English region from the list")


CHALLENGE_INPUT_EXCLUDE = ("ref", "owner", "status")
CHALLENGE_EXAMPLE = {
    "title": "Fewer children placed far from home",
    "problem": "Too many children in care live more than 20 miles from home.",
    "categories": ["placements"],
    "outcomes": [{"outcome": "More children placed near home", "measure": "Share placed within 20 miles"}],
    "requirements": [{"requirement": "Works with Mosaic", "essential": True}],
    "constraint_details": {"hosting": "UK hosting only"},
    "budget_min": 20000,
    "budget_max": 60000,
}


def _tried_refs(challenge: Challenge) -> list[str]:
    """The linked deployments the viewer may see, by ref (as the page shows them)."""
    linked = challenges.tried_deployments(get_session(), common.viewer(), challenge)
    return [deployment.ref for deployment, _org in linked]


def _save_sections(session: Session, challenge: Challenge, data: dict[str, Any], given: set[str]) -> None:
    """Store every task-list section the body touched, through the outcomes service."""
    viewer = common.viewer()
    body = form_shape(session, {k: v for k, v in common.json_body().items() if k in given})
    for section, names in SECTIONS.items():
        if set(body) & set(names):
            merged = challenges.section_data(challenge, section)
            merged.update({k: v for k, v in body.items() if k in names})
            clean = common.load_or_422(ChallengeFormSchema(only=names, partial=True), merged)
            challenges.save_section(session, viewer, challenge, section, clean)


@blp.route("/challenges")
class Challenges(MethodView):
    decorators = [common.write_limit()]

    @blp.arguments(ChallengeArgs, location="query")
    @blp.response(200, common.page_schema(ChallengeOut, "ChallengePage"))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Published challenges, and drafts your organisation owns or shares."""
        rows = challenges.list_challenges(
            get_session(),
            common.viewer(),
            route=args.get("route"),
            status=args.get("status"),
            category=args.get("category"),
            region=args.get("region"),
        )
        rows = common.changed_since(rows, args.get("updated_since"), lambda row: row[0].updated_at)
        page = common.envelope(rows, args["page"], args["per_page"])
        page["items"] = [challenge_json(c, o, with_topics=False) for c, o in page["items"]]
        return page

    @blp.arguments(ChallengeIn(exclude=CHALLENGE_INPUT_EXCLUDE), example=CHALLENGE_EXAMPLE)
    @blp.response(201, ChallengeOut)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Start a challenge as a draft owned by your organisation."""
        viewer = common.viewer()
        session = get_session()
        try:
            challenge = challenges.create_challenge(session, viewer, data)
            _save_sections(session, challenge, data, set(common.json_body()) - {"title", "problem", "categories"})
        except errors.NotAllowed as exc:
            common.forbidden(exc.message)
        except errors.Refused as exc:
            common.field_errors(exc.errors)
        session.commit()
        body = challenge_json(challenge, session.get(Organisation, challenge.owner_id))
        return http.created(body, f"{API_PREFIX}/challenges/{challenge.ref}")


def _challenge_or_404(ref: str) -> Challenge:
    challenge = challenges.get_challenge(get_session(), common.viewer(), ref)
    if challenge is None:
        common.not_found("challenge")
    return challenge


@blp.route("/challenges/<ref>")
class ChallengeItem(MethodView):
    decorators = [common.write_limit()]

    @blp.response(200, ChallengeOut)
    def get(self, ref: str) -> dict[str, Any]:
        challenge = _challenge_or_404(ref)
        return challenge_json(challenge, get_session().get(Organisation, challenge.owner_id))

    @blp.arguments(ChallengePatch(exclude=CHALLENGE_INPUT_EXCLUDE, partial=True))
    @blp.response(200, ChallengeOut)
    def patch(self, data: dict[str, Any], ref: str) -> dict[str, Any]:
        """Change the statement while it is a draft or in market engagement; correct the topics
        matching reads it as being about (`topics`, category codes) at any time."""
        http.check_if_match(lambda: self.get(ref))
        session = get_session()
        challenge = _challenge_or_404(ref)
        try:
            _save_sections(session, challenge, data, set(common.json_body()))
            if "topics" in data:
                topics.set_topics(session, common.viewer(), challenge, data["topics"])
        except errors.NotAllowed as exc:
            common.forbidden(exc.message)
        except errors.Refused as exc:
            common.field_errors(exc.errors)
        session.commit()
        return challenge_json(challenge, session.get(Organisation, challenge.owner_id))


@blp.route("/challenges/<ref>/amendments", methods=["POST"])
@blp.arguments(AmendmentSchema)
@blp.response(201, ChallengeOut)
@common.write_limit()
def amend_challenge(data: dict[str, Any], ref: str) -> dict[str, Any]:
    """Amend an open challenge: `reason`, and any of a later `closes`, a corrected `problem`, a
    document link (`document_title` and `document_url`). Published with its date and reason, in
    OCDS as a tender amendment, and sent to every interested supplier. Answers the challenge."""
    session = get_session()
    challenge = _challenge_or_404(ref)
    try:
        challenges.amend(session, common.viewer(), challenge, data)
    except errors.NotAllowed as exc:
        common.forbidden(exc.message)
    except errors.Refused as exc:
        common.field_errors(exc.errors)
    session.commit()
    return challenge_json(challenge, session.get(Organisation, challenge.owner_id))


# --- expressions of interest and proposals ------------------------------------------------------


class ResponseOut(ResponseSchema):
    id = fields.Integer(dump_only=True)
    challenge = fields.String(dump_only=True)
    kind = fields.String(dump_only=True)
    supplier = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    requirements_met = fields.List(fields.Dict(), dump_only=True)
    nice_to_have = fields.List(fields.Dict(), dump_only=True)
    criteria_answers = fields.List(fields.Dict(), dump_only=True)
    receipt = fields.String(dump_only=True)
    submitted_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


def response_json(session: Session, challenge: Challenge, response: ChallengeResponse) -> dict[str, Any]:
    supplier = session.get(Organisation, response.supplier_id)
    offering = session.get(Offering, response.offering_id) if response.offering_id else None
    return common.compact(
        {
            "id": response.id,
            "challenge": challenge.ref,
            "kind": response.kind,
            "supplier": supplier.ref if supplier else None,
            "approach": response.approach,
            "offering": offering.ref if offering else None,
            "requirements_met": response.requirements_met,
            "nice_to_have": response.nice_to_have_met,
            "criteria_answers": response.criteria_answers,
            "documents": response.documents,
            "receipt": response.receipt,
            "price": response.price,
            "evidence": response.evidence,
            "status": response.status,
            "submitted_at": response.submitted_at,
            "updated_at": response.updated_at,
        }
    )


class ResponseArgs(common.PageArgs):
    kind = common.choice_arg(challenges.RESPONSE_KINDS, "Give kind as interest or proposal")


@blp.route("/challenges/<ref>/responses")
@blp.arguments(ResponseArgs, location="query")
@blp.response(200, common.page_schema(ResponseOut, "ResponsePage"))
def list_responses(args: dict[str, Any], ref: str) -> dict[str, Any]:
    """Expressions of interest and proposals you may see: all of them for the owner and
    co-sponsors, only your own for a supplier. Proposals are sealed until the closing date: until
    then the owner and co-sponsors get none of them (GET .../proposals/count says how many)."""
    session = get_session()
    challenge = _challenge_or_404(ref)
    rows = challenges.visible_responses(session, common.viewer(), challenge, args.get("kind"))
    rows = common.changed_since(rows, args.get("updated_since"), lambda row: row[0].updated_at)
    page = common.envelope(rows, args["page"], args["per_page"])
    page["items"] = [response_json(session, challenge, r) for r, _o in page["items"]]
    return page


# The request body as documented; _send validates it itself so that the schema's field errors and
# every missing essential answer come back together in one 422.
ResponseBody = Schema.from_dict(
    {
        name: fields.Raw(metadata={"description": f"See {name} in the response form"})
        for name in ResponseSchema().fields
    },
    name="ResponseBody",
)


def _send(ref: str, kind: str) -> dict[str, Any]:
    viewer = common.viewer()
    session = get_session()
    challenge = _challenge_or_404(ref)
    body = common.json_body()
    refusal = challenges.response_window(challenge, kind)
    if refusal:
        common.abort_conflict(refusal)
    # Every field error at once: the schema's and each missing essential answer.
    problems = flatten_errors(ResponseSchema().validate(body))
    answers = body.get("requirements_met")
    if isinstance(answers, list) and all(isinstance(a, str | None) for a in answers):
        problems = {**challenges.missing_answers(challenge, kind, answers), **problems}
    if problems:
        common.field_errors(problems)
    data = ResponseSchema().load(body)
    data["documents"] = [d for d in data["documents"] if d]
    try:
        response = challenges.save_response(session, viewer, challenge, kind, data)
    except errors.NotAllowed as exc:
        common.forbidden(exc.message)
    except errors.Refused as exc:
        status = 422 if exc.field != "_schema" else 409
        if status == 409:
            common.abort_conflict(exc.message)
        common.field_errors(exc.errors)
    session.commit()
    return response_json(session, challenge, response)


class ProposalCountOut(Schema):
    proposals = fields.Integer()
    sealed = fields.Boolean()


@blp.route("/challenges/<ref>/proposals/count")
@blp.response(200, ProposalCountOut)
def proposal_count(ref: str) -> dict[str, Any]:
    """How many proposals arrived (the owner and co-sponsors), and whether they are still sealed."""
    session = get_session()
    challenge = _challenge_or_404(ref)
    count = challenges.proposal_count(session, common.viewer(), challenge)
    if count is None:
        common.forbidden("Only the challenge's owner and co-sponsors see how many proposals arrived")
    return {"proposals": count, "sealed": access.proposals_sealed(challenge)}


@blp.route("/challenges/<ref>/proposal/withdraw", methods=["POST"])
@blp.response(200, ResponseOut)
@common.write_limit()
def withdraw_proposal(ref: str) -> dict[str, Any]:
    """Withdraw your supplier's proposal (until the closing date); you get a new receipt."""
    session = get_session()
    challenge = _challenge_or_404(ref)
    try:
        response = challenges.withdraw_response(session, common.viewer(), challenge, "proposal")
    except errors.NotAllowed as exc:
        common.forbidden(exc.message)
    except errors.Refused as exc:
        common.abort_conflict(exc.message)
    session.commit()
    return response_json(session, challenge, response)


@blp.route("/challenges/<ref>/interest", methods=["POST"])
@blp.arguments(ResponseBody)
@blp.response(201, ResponseOut)
@common.write_limit()
def send_interest(_data: dict[str, Any], ref: str) -> dict[str, Any]:
    """Send or change your supplier's expression of interest (during market engagement)."""
    return _send(ref, "interest")


@blp.route("/challenges/<ref>/proposal", methods=["POST"])
@blp.arguments(ResponseBody)
@blp.response(201, ResponseOut)
@common.write_limit()
def send_proposal(_data: dict[str, Any], ref: str) -> dict[str, Any]:
    """Send or change your supplier's proposal (while the challenge is open)."""
    return _send(ref, "proposal")
