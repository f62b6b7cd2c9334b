"""A draft Algorithmic Transparency Recording Standard (ATRS) record from a deployment.

The catalogue already knows much of what an ATRS record asks (who owns the tool, what it does,
who supplies it, its phase, its safeguards, risk and impact assessments, evaluation). This
fills those fields and leaves the rest marked "To complete", so an authority starts its
transparency record from its own evidence. Only someone who may view the deployment sees it:
`/deployments/<ref>/atrs` (HTML) and `/deployments/<ref>/atrs.json`.

The draft never holds a person's name or email address: the contact is a role, and only where
the organisation agreed to be contacted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, abort, jsonify, render_template
from flask.typing import ResponseReturnValue
from sqlmodel import Session, select

from catalogue import access, features, vocabulary
from catalogue.accounts.models import Organisation
from catalogue.records.models import Deployment, Tool

TO_COMPLETE = "To complete"
STANDARD_VERSION = "3.0"

# The catalogue's stages in the ATRS's words for the phase of a tool.
PHASES = {
    "pilot": "Beta/pilot",
    "implemented": "Production",
    "fully-established": "Production",
    "dropped": "Retired",
}


@dataclass
class AtrsField:
    key: str
    label: str
    value: str | list[str] | None = None
    hint: str = ""

    @property
    def to_complete(self) -> bool:
        return self.value is None or self.value == "" or self.value == []


@dataclass
class AtrsSection:
    key: str
    title: str
    fields: list[AtrsField] = field(default_factory=list)


@dataclass
class AtrsDraft:
    deployment_ref: str
    tool_name: str
    organisation_name: str
    tier_1: list[AtrsSection]
    tier_2: list[AtrsSection]

    def sections(self) -> list[tuple[str, list[AtrsSection]]]:
        return [("Tier 1: summary information", self.tier_1), ("Tier 2: detailed information", self.tier_2)]

    @property
    def to_complete(self) -> list[str]:
        return [
            f"{tier}.{section.key}.{f.key}"
            for tier, sections in (("tier_1", self.tier_1), ("tier_2", self.tier_2))
            for section in sections
            for f in section.fields
            if f.to_complete
        ]

    def as_json(self) -> dict[str, Any]:
        def tier(sections: list[AtrsSection]) -> dict[str, Any]:
            return {s.key: {f.key: (None if f.to_complete else f.value) for f in s.fields} for s in sections}

        return {
            "standard": "Algorithmic Transparency Recording Standard",
            "standard_version": STANDARD_VERSION,
            "status": "draft",
            "deployment": self.deployment_ref,
            "tier_1": tier(self.tier_1),
            "tier_2": tier(self.tier_2),
            "to_complete": self.to_complete,
            "to_complete_marker": TO_COMPLETE,
        }


def _labels(vocab: dict[str, str], codes: list[str] | None) -> list[str]:
    return [vocabulary.label(vocab, c) for c in codes or []]


def _join(*parts: str | None) -> str | None:
    text = "\n\n".join(p.strip() for p in parts if p and p.strip())
    return text or None


def _money(value: float | None) -> str | None:
    return None if value is None else f"£{value:,.0f}"


def _resources(deployment: Deployment) -> str | None:
    lines = []
    for phase in ("develop", "implement", "maintain"):
        fte = getattr(deployment, f"{phase}_fte")
        gbp = getattr(deployment, f"{phase}_gbp")
        bits = [b for b in ((f"{fte:g} FTE" if fte is not None else None), _money(gbp)) if b]
        if bits:
            lines.append(f"{phase.capitalize()}: {', '.join(bits)}")
    return "; ".join(lines) or None


def _evaluation(deployment: Deployment) -> str | None:
    if not deployment.evaluation:
        return None
    text = vocabulary.label(vocabulary.EVALUATION, deployment.evaluation)
    if deployment.evaluator:
        text += f" ({deployment.evaluator})"
    return text


def build_draft(session: Session, deployment: Deployment) -> AtrsDraft:
    """The draft for one deployment; the caller has checked the viewer may see it."""
    tool = session.get(Tool, deployment.tool_id)
    org = session.get(Organisation, deployment.organisation_id)
    supplier = session.get(Organisation, tool.supplier_id) if tool and tool.supplier_id else None
    developer = session.get(Organisation, tool.developed_by_id) if tool and tool.developed_by_id else None
    contact_role = org.contact_role if org is not None and org.contact_consent and not org.contact_pending else None
    dropped = deployment.stage == "dropped"

    tier_1 = [
        AtrsSection(
            "summary",
            "Summary",
            [
                AtrsField("name", "Name of the tool", tool.name if tool else None),
                AtrsField("description", "Description", _join(deployment.summary, tool.summary if tool else None)),
                AtrsField("website", "Website", None, "A page about the tool on your organisation's website"),
                AtrsField("contact_email", "Contact email", None, "A team mailbox, not a person's address"),
            ],
        ),
        AtrsSection(
            "owner",
            "Owner",
            [
                AtrsField("organisation", "Organisation", org.name if org else None),
                AtrsField("contact_role", "Contact role", contact_role),
                AtrsField("phase", "Phase", PHASES.get(deployment.stage)),
                AtrsField(
                    "geographical_scope",
                    "Geographical scope",
                    f"{org.name} ({org.region})" if org and org.region else (org.name if org else None),
                ),
            ],
        ),
    ]
    tier_2 = [
        AtrsSection(
            "owner_and_responsibility",
            "Owner and responsibility",
            [
                AtrsField("organisation", "Organisation or department", org.name if org else None),
                AtrsField("team", "Team", None),
                AtrsField("senior_responsible_owner", "Senior responsible owner (role)", contact_role),
                AtrsField("external_supplier", "External supplier", supplier.name if supplier else None),
                AtrsField(
                    "supplier_company_number",
                    "Company registration number",
                    supplier.company_number if supplier else None,
                ),
                AtrsField("developed_in_house", "Developed by", developer.name if developer else None),
                AtrsField("terms_of_access", "Terms of access", None),
            ],
        ),
        AtrsSection(
            "description_and_rationale",
            "Description and rationale",
            [
                AtrsField("detailed_description", "Detailed description", tool.description if tool else None),
                AtrsField(
                    "categories", "Kind of tool", _labels(vocabulary.CATEGORIES, tool.categories if tool else [])
                ),
                AtrsField(
                    "uses_ai",
                    "Uses AI",
                    None if not tool or tool.uses_ai is None else ("Yes" if tool.uses_ai else "No"),
                ),
                AtrsField("scope", "Scope", deployment.summary),
                AtrsField("benefit", "Benefits", deployment.impact),
                AtrsField("previous_process", "Previous process", None),
                AtrsField("alternatives_considered", "Alternatives considered", None),
            ],
        ),
        AtrsSection(
            "decision_making_process",
            "Decision-making process",
            [
                AtrsField(
                    "process_integration",
                    "How it fits the process",
                    vocabulary.label(vocabulary.DELIVERY, tool.delivery) if tool and tool.delivery else None,
                ),
                AtrsField("human_oversight", "Human oversight and safeguards", deployment.safeguards),
                AtrsField("frequency_and_scale", "Frequency and scale of use", None),
                AtrsField("required_training", "Training for staff", None),
                AtrsField("appeals_and_review", "Appeals and review", None),
            ],
        ),
        AtrsSection(
            "tool_specification",
            "Tool specification",
            [
                AtrsField("phase", "Phase", PHASES.get(deployment.stage)),
                AtrsField("started", "Started", deployment.started),
                AtrsField("ended", "Ended", deployment.ended),
                AtrsField("system_architecture", "System architecture", None),
                AtrsField("data_hosting", "Data hosting", supplier.data_hosting if supplier else None),
                AtrsField("resources", "Resources to develop, implement and maintain", _resources(deployment)),
                AtrsField("maintenance", "Maintenance", None),
                AtrsField("models", "Models", None),
            ],
        ),
        AtrsSection(
            "data",
            "Data",
            [
                AtrsField("source_data", "Source data", None),
                AtrsField("data_sharing", "Data sharing agreements", None),
                AtrsField("data_access_and_storage", "Access to and storage of data", None),
            ],
        ),
        AtrsSection(
            "risks",
            "Risks, mitigations and impact assessments",
            [
                AtrsField("risk_assessment", "How benefits and risks were assessed", deployment.risk_assessment),
                AtrsField(
                    "impact_assessments",
                    "Impact assessments and consultation",
                    _labels(vocabulary.ETHICS_CHECKS, deployment.ethics_checks),
                ),
                AtrsField("mitigations", "Mitigations", deployment.safeguards),
                AtrsField("barriers", "Challenges and barriers", deployment.barriers),
                AtrsField("evaluation", "Evaluation", _evaluation(deployment)),
                AtrsField("evaluation_findings", "What the evaluation found", deployment.evaluation_findings),
                AtrsField(
                    "why_not_rolled_out",
                    "Why it was not rolled out",
                    _join(
                        ", ".join(_labels(vocabulary.DROPPED_REASONS, deployment.dropped_reasons)),
                        deployment.dropped_detail,
                    )
                    if dropped
                    else "Not applicable: still in use",
                ),
            ],
        ),
    ]
    return AtrsDraft(
        deployment_ref=deployment.ref,
        tool_name=tool.name if tool else "",
        organisation_name=org.name if org else "",
        tier_1=tier_1,
        tier_2=tier_2,
    )


def draft_for(session: Session, viewer: access.Viewer, ref: str) -> AtrsDraft | None:
    """The draft, or None when there is no such deployment or the viewer may not see it."""
    deployment = session.exec(select(Deployment).where(Deployment.ref == ref)).first()
    if deployment is None or not access.can_view(viewer, deployment):
        return None
    return build_draft(session, deployment)


# --- pages -------------------------------------------------------------------------------------

bp = Blueprint("atrs", __name__)


def _draft_or_404(ref: str) -> AtrsDraft:
    from catalogue.accounts.auth import current_viewer
    from catalogue.db import get_session

    draft = draft_for(get_session(), current_viewer(), ref)
    if draft is None:
        abort(404)
    return draft


@bp.get("/deployments/<ref>/atrs")
def atrs_page(ref: str) -> ResponseReturnValue:
    draft = _draft_or_404(ref)
    return render_template(
        "atrs/draft.html",
        title=f"Transparency record draft: {draft.tool_name} at {draft.organisation_name}",
        draft=draft,
        to_complete=TO_COMPLETE,
    )


@bp.get("/deployments/<ref>/atrs.json")
def atrs_json(ref: str) -> ResponseReturnValue:
    response = jsonify(_draft_or_404(ref).as_json())
    response.headers["Cache-Control"] = "private, no-store"
    return response


def init_app(app: Flask) -> None:
    features.add_blueprint(app, bp)
