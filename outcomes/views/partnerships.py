"""The partnership (programme) pages: list, start, edit, and the page's actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlmodel import select

from catalogue import access
from catalogue.accounts.auth import current_viewer
from catalogue.accounts.models import Organisation
from catalogue.db import get_session
from catalogue.errors import save, saved
from catalogue.forms import form_to_dict, load_form
from outcomes import services
from outcomes.models import Programme
from outcomes.schemas import ProgrammeSchema, RemovalSchema
from outcomes.views.common import STATUS_TAGS, _signed_in, pbp

# --- partnerships ---------------------------------------------------------------------------------


def _programme(ref: str) -> Programme:
    programme = services.get_programme(get_session(), ref)
    if programme is None:
        abort(404)
    return programme


@pbp.get("/partnerships")
def partnerships():
    return render_template(
        "partnerships/index.html",
        title="Partnerships",
        rows=services.list_programmes(get_session()),
        can_create=access.can_create_programme(current_viewer()),
    )


def _programme_form(form_data: dict, errors: dict, programme: Programme | None = None) -> str:
    title = f"Edit {programme.name}" if programme else "Start a partnership"
    return render_template("partnerships/form.html", title=title, data=form_data, errors=errors, programme=programme)


def _save_programme(write: Callable[[dict[str, Any]], Programme | None], programme: Programme | None = None):
    raw = form_to_dict(request.form)
    data, errors = load_form(ProgrammeSchema(), raw)
    if errors:
        return _programme_form(raw, errors, programme)
    result, errors = save(get_session(), lambda: write(data))
    if errors:
        return _programme_form(raw, errors, programme)
    flash("Partnership saved", "success")
    return redirect(url_for("partnerships.show", ref=(result or programme).ref), code=303)


@pbp.route("/partnerships/new", methods=["GET", "POST"])
def new_partnership():
    _signed_in()
    viewer = current_viewer()
    if not access.can_create_programme(viewer):
        abort(403, "Only approved members of a partnership or local authority can lead a partnership")
    if request.method == "GET":
        return _programme_form({}, {})
    return _save_programme(lambda data: services.create_programme(get_session(), viewer, data))


@pbp.route("/partnerships/<ref>/edit", methods=["GET", "POST"])
def edit_partnership(ref: str):
    programme = _programme(ref)
    viewer = current_viewer()
    if not access.can_manage_programme(viewer, programme):
        abort(403)
    if request.method == "GET":
        return _programme_form(services.programme_form_data(programme), {}, programme)
    return _save_programme(lambda data: services.update_programme(get_session(), viewer, programme, data), programme)


def _partnership_page(programme: Programme, errors: dict[str, str], data: dict[str, Any]) -> str:
    session, viewer = get_session(), current_viewer()
    context = services.programme_view(session, viewer, programme)
    options: dict[str, Any] = {}
    if context["manager"]:
        orgs = session.exec(
            select(Organisation)
            .where(Organisation.kind.in_(("local-authority", "supplier")), access.verified_clause(Organisation))
            .order_by(Organisation.name)
        ).all()
        options = {
            "authorities": {o.ref: o.name for o in orgs if o.kind == "local-authority" and o.id != programme.lead_id},
            "suppliers": {o.ref: o.name for o in orgs if o.kind == "supplier"},
            "attachable": {c.ref: c.title for c in services.attachable_challenges(session, viewer, programme)},
        }
    return render_template(
        "partnerships/show.html",
        title=programme.name,
        programme=programme,
        errors=errors,
        data=data,
        options=options,
        tags=STATUS_TAGS,
        **context,
    )


@pbp.get("/partnerships/<ref>", endpoint="show")
def show_partnership(ref: str):
    return _partnership_page(_programme(ref), {}, {})


@pbp.post("/partnerships/<ref>/<action>")
def partnership_action(ref: str, action: str):
    programme = _programme(ref)
    _signed_in()
    session, viewer = get_session(), current_viewer()
    raw = form_to_dict(request.form)
    actions: dict[str, tuple[str, Callable[[], Any], str]] = {
        "members": (
            "member",
            lambda: services.invite_member(session, viewer, programme, raw.get("member", "")),
            "Invitation sent",
        ),
        "cohort": (
            "supplier",
            lambda: services.add_cohort_supplier(session, viewer, programme, raw.get("supplier", "")),
            "Invitation sent: the supplier joins the cohort once it accepts",
        ),
        "challenges": (
            "challenge",
            lambda: services.attach_challenge(session, viewer, programme, raw.get("challenge", "")),
            "Saved: your own published challenge joins at once; a member's joins when its owner accepts",
        ),
        "invitation": (
            "invitation",
            lambda: services.respond_to_invitation(session, viewer, programme, raw.get("decision") == "accept"),
            "Your answer has been saved",
        ),
        "cohort-invitation": (
            "invitation",
            lambda: services.respond_to_cohort_invitation(session, viewer, programme, raw.get("decision") == "accept"),
            "Your answer has been saved",
        ),
    }
    if action not in actions:
        abort(404)
    field, do, done = actions[action]
    errors = saved(session, do)
    if errors:
        return _partnership_page(programme, {field: next(iter(errors.values()))}, raw)
    flash(done, "success")
    return redirect(url_for("partnerships.show", ref=ref), code=303)


# --- removing a member, a challenge or a cohort supplier (the lead, after confirming) ------------

REMOVALS: dict[str, tuple[str, Callable[..., Any]]] = {
    "member": ("Remove {name} from the partnership", services.remove_member),
    "challenge": ("Take {name} out of the partnership", services.remove_challenge),
    "supplier": ("Remove {name} from the supplier cohort", services.remove_cohort_supplier),
}


def _removal_target(programme: Programme, what: str, item: str) -> str:
    """The name of what is to be removed, if the partnership has it (else 404)."""
    context = services.programme_view(get_session(), current_viewer(), programme)
    names: dict[str, str] = {}
    if what == "member":
        names = {org.ref: org.name for row, org in context["members"] if row.status in ("invited", "accepted")}
    elif what == "challenge":
        names = {c.ref: c.title for c in context["challenges"]}
    elif what == "supplier":
        names = {org.ref: org.name for _row, org in context["cohort"]}
    if item not in names:
        abort(404)
    return names[item]


@pbp.route("/partnerships/<ref>/remove/<any(member, challenge, supplier):what>/<item>", methods=["GET", "POST"])
def remove(ref: str, what: str, item: str):
    programme = _programme(ref)
    _signed_in()
    session, viewer = get_session(), current_viewer()
    if not access.can_manage_programme(viewer, programme):
        abort(403, "Only the lead of the partnership removes members, challenges and suppliers")
    heading, service = REMOVALS[what]
    name = _removal_target(programme, what, item)
    context = {"title": heading.format(name=name), "programme": programme, "name": name, "what": what}
    if request.method == "GET":
        return render_template("partnerships/remove.html", data={}, errors={}, **context)
    raw = form_to_dict(request.form)
    data, errors = load_form(RemovalSchema(), raw)
    if not errors:
        errors = saved(session, lambda: service(session, viewer, programme, item, data.get("reason")))
    if errors:
        return render_template("partnerships/remove.html", data=raw, errors=errors, **context)
    flash(f"Removed: {name}. They have been told", "success")
    return redirect(url_for("partnerships.show", ref=ref), code=303)
