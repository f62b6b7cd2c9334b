"""Keeping evidence true: confirming a record is still true, withdrawing it with a reason (site
admins delete the same way), and stamping the confirmation on every write by its owner.

The kinds are found through the search registry (deployment, single view, offering), so the core
never names the suppliers' table. Visibility is decided in catalogue.access."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from catalogue import access, features
from catalogue.access import Viewer
from catalogue.db import utcnow
from catalogue.errors import NotAllowed, NotFound
from catalogue.upkeep.models import Kept, stale_before

KEPT_KINDS = ("deployment", "single_view", "offering")
REASON_MAX = 2000
# Writing these is bookkeeping, not the owner saying what the record says is true.
BOOKKEEPING = frozenset(
    {"updated_at", "last_confirmed_at", "last_confirmed_by_id", "withdrawn_at", "withdrawn_reason", "withdrawn_by_id"}
)


def model_of(kind: str) -> Any:
    if kind not in KEPT_KINDS or kind not in features.search_kinds():
        raise NotFound(kind)
    return features.search_kinds()[kind].model


def owner_column(model: Any) -> Any:
    """The column naming the owning organisation (an offering's supplier)."""
    return model.supplier_id if "supplier_id" in model.__table__.c else model.organisation_id


def page_url(kind: str, ref: str) -> str:
    return features.search_kinds()[kind].url.format(ref=ref)


def label(kind: str) -> str:
    return {"deployment": "deployment", "single_view": "single view", "offering": "offering"}[kind]


def edit_url(kind: str, ref: str) -> str:
    return page_url(kind, ref) + "/edit"


def organisation_name(session: Session, organisation_id: int | None) -> str:
    from catalogue.accounts.models import Organisation

    org = session.get(Organisation, organisation_id) if organisation_id is not None else None
    return org.name if org is not None else ""


def title(session: Session, kind: str, record: Any) -> str:
    """How a record is named in reminders and on the withdraw page."""
    org = organisation_name(session, record.organisation_id)
    if kind == "offering":
        return f"{record.name} ({org})"
    if kind == "single_view":
        return f"Single view of the child at {org}"
    from catalogue.records.models import Tool

    tool = session.get(Tool, record.tool_id)
    return f"{tool.name if tool else 'A tool'} at {org}"


def find(session: Session, kind: str, ref: str) -> Any:
    model = model_of(kind)
    record = session.exec(select(model).where(model.ref == ref)).first()
    if record is None:
        raise NotFound(ref)
    return record


# --- confirming ----------------------------------------------------------------------------------


def confirm(session: Session, viewer: Viewer, kind: str, ref: str) -> Any:
    """ "Still true": the owner's member says the record is right as it stands."""
    record = find(session, kind, ref)
    if not access.can_view_kind(viewer, kind, record):
        raise NotFound(ref)
    if not access.can_confirm(viewer, record):
        raise NotAllowed("Only its own organisation can confirm a record is still true")
    mark_confirmed(record, viewer.member_org_id)
    session.add(record)
    session.flush()
    return record


def mark_confirmed(record: Kept, organisation_id: int | None, at: datetime | None = None) -> None:
    record.last_confirmed_at = at or utcnow()
    record.last_confirmed_by_id = organisation_id


# --- withdrawing and deleting ----------------------------------------------------------------------


def reason_errors(reason: Any, field: str = "reason") -> dict[str, str]:
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        return {field: "Enter why you are withdrawing it"}
    if len(text) > REASON_MAX:
        return {field: f"The reason must be {REASON_MAX} characters or fewer"}
    return {}


def withdraw(
    session: Session, viewer: Viewer, kind: str, ref: str, reason: Any, delete: bool = False
) -> tuple[Any | None, dict[str, str]]:
    """Withdraw (an owner) or delete (a site admin) with a reason: the record leaves every page,
    list, count, search, export, match and API answer at once (catalogue.access), stays in the
    audit trail with the reason, and the change log reports it deleted. (record, {}) or
    (None, field errors)."""
    record = find(session, kind, ref)
    if not access.can_view_kind(viewer, kind, record):
        raise NotFound(ref)
    allowed = access.can_delete(viewer) if delete else access.can_withdraw(viewer, record)
    if not allowed:
        raise NotAllowed("Only its own organisation can withdraw this record")
    errors = reason_errors(reason)
    if errors:
        return None, errors
    record.withdrawn_at = utcnow()
    record.withdrawn_reason = ("Deleted by a site admin: " if delete else "") + reason.strip()
    record.withdrawn_by_id = viewer.user_id if viewer.user_id and viewer.user_id > 0 else None
    session.add(record)
    session.flush()
    return record, {}


# --- freshness in lists and filters -----------------------------------------------------------------

FRESHNESS = {"current": "Confirmed in the last 12 months", "stale": "Not confirmed in 12 months"}


def freshness_clause(model: Any, freshness: str, now: datetime | None = None) -> sa.ColumnElement[bool] | None:
    """A list filter: 'current' or 'stale' (None: no filter, for any other value)."""
    column = sa.func.coalesce(model.last_confirmed_at, model.updated_at)
    if freshness == "current":
        return column >= stale_before(now)
    if freshness == "stale":
        return column < stale_before(now)
    return None


@dataclass
class Currency:
    current: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.current / self.total) if self.total else 0


def currency(session: Session, viewer: Viewer) -> dict[str, Currency]:
    """How much of the evidence the viewer may see was confirmed in the last 12 months, by kind."""
    found: dict[str, Currency] = {}
    for kind in ("deployment", "single_view"):
        if kind not in features.search_kinds():
            continue
        model = model_of(kind)
        current = sa.func.sum(sa.case((freshness_clause(model, "current"), 1), else_=0))
        total, fresh = session.exec(
            select(sa.func.count(model.id), current).where(access.visible_clause(viewer, model))
        ).one()
        found[kind] = Currency(int(fresh or 0), int(total or 0))
    return found


# --- every write by the owner confirms the record -----------------------------------------------------


@event.listens_for(OrmSession, "before_flush")
def _stamp(session: OrmSession, _ctx: Any, _instances: Any) -> None:
    """A new record is confirmed by its owner as it is written; a change by one of the owner's
    members (form, API, bundle, CLI alike) confirms it again. A site admin's edit does not."""
    for obj in session.new:
        if isinstance(obj, Kept) and obj.last_confirmed_at is None:
            mark_confirmed(obj, getattr(obj, "organisation_id", None))
    from catalogue.changes import current_actor_id

    actor = current_actor_id.get()
    if actor is None:
        return
    for obj in session.dirty:
        if not isinstance(obj, Kept) or obj.withdrawn_at is not None or not _content_changed(obj):
            continue
        if _actor_org(session, actor) == obj.organisation_id:
            mark_confirmed(obj, obj.organisation_id)


def _content_changed(obj: Any) -> bool:
    state = sa.inspect(obj)
    return any(
        state.attrs[attr.key].history.has_changes() for attr in state.mapper.column_attrs if attr.key not in BOOKKEEPING
    )


def _actor_org(session: OrmSession, user_id: int) -> int | None:
    from catalogue.accounts.models import User

    user = session.get(User, user_id)
    return user.organisation_id if user is not None and user.status == "approved" else None
