"""Supplier pages: directory, profiles, offerings, references and the supplier dashboard."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlmodel import Session

from catalogue import access, features, lost_update, vocabulary
from catalogue.access import Viewer
from catalogue.accounts.auth import current_viewer
from catalogue.accounts.models import Organisation
from catalogue.db import get_session
from catalogue.errors import NotAllowed, save, saved
from catalogue.forms import form_to_dict, load_form
from catalogue.records.models import Tool
from suppliers import dashboard, services
from suppliers.models import Offering, Reference
from suppliers.schemas import MAX_LINKS, OFFERING_STATUSES, OfferingFormSchema, SupplierProfileSchema

bp = Blueprint("suppliers", __name__)

SME_CHOICES = {"yes": "Small or medium-sized enterprise", "no": "Large enterprise"}
LINK_ROWS = 5
HOSTING_HINT = "Where customer data is stored and processed, like ‘UK-hosted (Azure UK South)’"
OFFERING_FIELDS = [
    "name",
    "summary",
    "description",
    "categories",
    "outcomes",
    "delivery",
    "case_management_systems",
    "accreditations",
    "other_accreditations",
    "hosting",
    "pricing",
    "tool",
    "links",
    "status",
]


def _filter_context(page: services.Page, f: services.Filters) -> dict[str, Any]:
    return {
        "page": page,
        "filters": f,
        "filter_args": f.as_args(),
        "categories": vocabulary.CATEGORIES,
        "accreditations": vocabulary.ACCREDITATIONS,
        "sme_choices": SME_CHOICES,
        "hosting_choices": services.HOSTING_FILTERS,
        "cms_choices": {c: c for c in page.options.get("cms", [])},
    }


# --- suppliers --------------------------------------------------------------------------------


@bp.get("/suppliers")
def directory():
    f = services.Filters.from_args(request.args)
    page = services.directory(get_session(), current_viewer(), f)
    return render_template("suppliers/directory.html", title="Suppliers", **_filter_context(page, f))


@bp.get("/suppliers/dashboard")
@login_required
def supplier_dashboard():
    viewer = current_viewer()
    if not viewer.keeps_supplier:
        abort(403)
    db = get_session()
    supplier = db.get(Organisation, viewer.member_org_id)
    return render_template(
        "suppliers/dashboard.html",
        title="Supplier dashboard",
        supplier=supplier,
        offerings=services.visible_offerings(db, viewer, supplier_id=supplier.id),
        references=services.supplier_references(db, viewer),
        panels=dashboard.panels(db, viewer),
    )


@bp.get("/suppliers/<ref>")
def profile(ref: str):
    db = get_session()
    viewer = current_viewer()
    supplier = services.get_supplier(db, ref)
    if supplier is None or not access.can_view_organisation(viewer, supplier):
        abort(404)
    return render_template(
        "suppliers/profile.html",
        title=supplier.name,
        supplier=supplier,
        offerings=services.visible_offerings(db, viewer, supplier_id=supplier.id),
        can_edit=access.can_change(viewer, supplier),
        can_add=access.can_add_offering(viewer, supplier),
        show_contact=access.can_see_contact(viewer, supplier),
    )


def _profile_data(supplier: Organisation) -> dict[str, Any]:
    data = {
        key: getattr(supplier, key)
        for key in (
            "name",
            "website",
            "company_number",
            "data_hosting",
            "description",
            "contact_name",
            "contact_email",
            "contact_role",
        )
    }
    data["accreditations"] = list(supplier.accreditations or [])
    data["is_sme"] = {True: "yes", False: "no"}.get(supplier.is_sme, "")
    data["contact_consent"] = "yes" if supplier.contact_consent else "no"
    return data


@bp.route("/suppliers/<ref>/edit", methods=["GET", "POST"])
@login_required
def edit_profile(ref: str):
    db = get_session()
    viewer = current_viewer()
    supplier = services.get_supplier(db, ref)
    if supplier is None:
        abort(404)
    if not access.can_change(viewer, supplier):
        abort(403)
    context = {"title": f"Edit {supplier.name}", "supplier": supplier, "accreditations": vocabulary.ACCREDITATIONS}
    if request.method == "GET":
        return render_template("suppliers/profile_form.html", data=_profile_data(supplier), errors={}, **context)
    raw = form_to_dict(request.form, multi=("accreditations",))
    data, errors = load_form(SupplierProfileSchema(), raw)
    if errors:
        return render_template("suppliers/profile_form.html", data=raw, errors=errors, **context), 200
    errors = saved(db, lambda: services.update_profile(db, viewer, supplier, data))
    if errors:
        return render_template("suppliers/profile_form.html", data=raw, errors=errors, **context), 200
    flash("Your profile is saved", "success")
    return redirect(url_for("suppliers.profile", ref=supplier.ref), code=303)


# --- offerings --------------------------------------------------------------------------------


@bp.get("/offerings")
def offerings():
    f = services.Filters.from_args(request.args)
    viewer = current_viewer()
    page = services.browse_offerings(get_session(), viewer, f)
    return render_template("suppliers/offerings.html", title="Offerings", **_filter_context(page, f))


def _offering_form_input() -> dict[str, Any]:
    """request.form -> the shape the schema loads: lists from lines, documents from rows."""
    raw = form_to_dict(request.form, multi=("categories", "accreditations"))
    links = []
    for i in range(MAX_LINKS):
        title = (request.form.get(f"links-{i}-title") or "").strip()
        url = (request.form.get(f"links-{i}-url") or "").strip()
        raw.pop(f"links-{i}-title", None)
        raw.pop(f"links-{i}-url", None)
        if title or url:
            links.append({"title": title, "url": url})
    raw["links"] = links
    # The button pressed says whether to publish.
    raw["status"] = request.form.get("status") or "draft"
    return raw


def _accreditations_in(raw: dict[str, Any]) -> dict[str, Any]:
    """The form's ticked accreditation codes plus the others typed one a line, as the schema loads them."""
    ticked = raw.get("accreditations") or []
    ticked = [ticked] if isinstance(ticked, str) else list(ticked)
    others = str(raw.get("other_accreditations") or "").splitlines()
    data = {k: v for k, v in raw.items() if k != "other_accreditations"}
    return {**data, "accreditations": ticked + others}


def _accreditations_out(data: dict[str, Any]) -> dict[str, Any]:
    """Stored accreditations split for the form: codes tick boxes, the rest fill the text box."""
    stored = list(data.get("accreditations") or [])
    codes = [a for a in stored if a in vocabulary.ACCREDITATIONS]
    others = "\n".join(a for a in stored if a not in vocabulary.ACCREDITATIONS)
    return {**data, "accreditations": codes, "other_accreditations": others}


def _offering_form(offering: Offering | None, supplier: Organisation, data: dict[str, Any], errors: dict[str, str]):
    links = list(data.get("links") or [])
    while len(links) < LINK_ROWS:
        links.append({"title": "", "url": ""})
    data = {**data, "links": links}
    return render_template(
        "suppliers/offering_form.html",
        title=f"Edit {offering.name}" if offering else "Add an offering",
        offering=offering,
        supplier=supplier,
        data=data,
        errors=errors,
        error_order=OFFERING_FIELDS,
        categories=vocabulary.CATEGORIES,
        delivery=vocabulary.DELIVERY,
        accreditations=vocabulary.ACCREDITATIONS,
        tools=services.tool_choices(get_session(), supplier.id),
        statuses=OFFERING_STATUSES,
        hosting_hint=HOSTING_HINT,
    )


def _save_offering(offering: Offering | None, supplier: Organisation):
    db = get_session()
    viewer = current_viewer()
    raw = _offering_form_input()
    raw[lost_update.FIELD] = request.form.get(lost_update.FIELD, "")
    if offering is not None:
        conflict = lost_update.check(offering, raw)  # someone saved it meanwhile: nothing overwritten
        if conflict:
            return _offering_form(offering, supplier, raw, conflict), 200
    data, errors = load_form(OfferingFormSchema(exclude=("ref", "supplier")), _accreditations_in(raw))
    if not errors:
        if offering is None:
            offering, errors = save(db, lambda: services.create_offering(db, viewer, supplier, data))
        else:
            errors = saved(db, lambda: services.update_offering(db, viewer, offering, data))
    if errors:
        return _offering_form(offering, supplier, raw, errors), 200
    flash("The offering is published" if offering.status == "published" else "The draft is saved", "success")
    return redirect(url_for("suppliers.offering", ref=offering.ref), code=303)


@bp.route("/offerings/new", methods=["GET", "POST"])
@login_required
def new_offering():
    db = get_session()
    viewer = current_viewer()
    # For the viewer's own supplier, or (site admins, from a supplier's profile) the one named.
    named = request.args.get("supplier")
    if named:
        supplier = services.get_supplier(db, named)
        if supplier is None or not access.can_view_organisation(viewer, supplier):
            abort(404)
    else:
        supplier = db.get(Organisation, viewer.member_org_id) if viewer.member_org_id else None
    if supplier is None or not access.can_add_offering(viewer, supplier):
        abort(403)
    if request.method == "GET":
        return _offering_form(None, supplier, {"status": "draft"}, {})
    return _save_offering(None, supplier)


@bp.get("/offerings/<ref>")
def offering(ref: str):
    db = get_session()
    viewer = current_viewer()
    item = services.get_offering(db, viewer, ref)
    if item is None:
        abort(404)
    return render_template(
        "suppliers/offering.html",
        # A tool and the offering that sells it often share a name: the titles tell them apart.
        title=f"{item.name} – Offerings",
        offering=item,
        supplier=db.get(Organisation, item.supplier_id),
        tool=db.get(Tool, item.tool_id) if item.tool_id else None,
        evidence=services.offering_evidence(db, viewer, item),
        deployments=services.tool_deployments(db, viewer, item),
        can_edit=access.can_change_offering(viewer, item),
    )


def _own_offering(ref: str) -> Offering:
    """The offering for an editing page: 404 when the viewer may not see it, 403 when they may
    see but not change it."""
    viewer = current_viewer()
    item = services.get_offering(get_session(), viewer, ref)
    if item is None:
        abort(404)
    if not access.can_change_offering(viewer, item):
        abort(403)
    return item


@bp.route("/offerings/<ref>/edit", methods=["GET", "POST"])
@login_required
def edit_offering(ref: str):
    item = _own_offering(ref)
    db = get_session()
    supplier = db.get(Organisation, item.supplier_id)
    if request.method == "GET":
        data = lost_update.stamp(item, _accreditations_out(services.offering_form_data(db, item)))
        return _offering_form(item, supplier, data, {})
    return _save_offering(item, supplier)


# --- references -------------------------------------------------------------------------------


@bp.route("/offerings/<ref>/references", methods=["GET", "POST"])
@login_required
def offering_references(ref: str):
    item = _own_offering(ref)
    db = get_session()
    viewer = current_viewer()
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = form_to_dict(request.form)
        note = (data.get("note") or "").strip() or None
        if note and len(note) > 1000:
            errors = {"note": "The note must be 1,000 characters or fewer"}
        elif not data.get("organisation"):
            errors = {"organisation": "Choose the local authority or provider from the list"}
        else:
            reference, errors = save(db, lambda: services.cite(db, viewer, item, data["organisation"], note))
            if not errors:
                org = db.get(Organisation, reference.organisation_id)
                flash(f"We have asked {org.name} to confirm", "success")
                return redirect(url_for("suppliers.offering_references", ref=item.ref), code=303)
    organisations = {o.ref: o.name for o in services.citable_organisations(db)}
    return render_template(
        "suppliers/offering_references.html",
        title=f"References for {item.name}",
        offering=item,
        references=services.references_for_offering(db, viewer, item),
        organisations=organisations,
        data=data,
        errors=errors,
    ), 200


@bp.get("/references")
@login_required
def references_inbox():
    viewer = current_viewer()
    if viewer.member_org_id is None:
        abort(403)
    return render_template(
        "suppliers/references_inbox.html",
        title="Reference requests",
        rows=services.inbox(get_session(), viewer),
    )


def _reference_or_404(db: Session, viewer: Viewer, reference_id: int) -> Reference:
    """A reference the viewer's organisation may answer; any other is a 404 (not even its existence)."""
    try:
        return services.get_reference_for_answer(db, viewer, reference_id)
    except NotAllowed:
        abort(404)


@bp.post("/references/<int:reference_id>/revoke")
@login_required
def revoke_reference(reference_id: int):
    """Take back a confirmation (the same service as the API's revoke)."""
    db = get_session()
    viewer = current_viewer()
    reference = _reference_or_404(db, viewer, reference_id)
    errors = saved(db, lambda: services.revoke_reference(db, viewer, reference))
    if errors:  # e.g. not confirmed, so nothing to take back
        flash(next(iter(errors.values())), "error")
    else:
        flash("You revoked the reference: the offering no longer cites your organisation", "success")
    return redirect(url_for("suppliers.references_inbox"), code=303)


@bp.route("/references/<int:reference_id>", methods=["GET", "POST"])
@login_required
def answer_reference(reference_id: int):
    db = get_session()
    viewer = current_viewer()
    reference = _reference_or_404(db, viewer, reference_id)
    item = db.get(Offering, reference.offering_id)
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        if reference.status != "pending":
            abort(409)
        data = form_to_dict(request.form)
        errors = saved(
            db, lambda: services.answer(db, viewer, reference, data.get("decision", ""), data.get("deployment") or None)
        )
        if not errors:
            flash(
                "You confirmed the reference" if reference.status == "confirmed" else "You declined the reference",
                "success",
            )
            return redirect(url_for("suppliers.references_inbox"), code=303)
    deployments = services.own_deployments_of(db, viewer, reference)
    return render_template(
        "suppliers/reference_answer.html",
        title=f"Confirm you use {item.name}",
        reference=reference,
        offering=item,
        supplier=db.get(Organisation, item.supplier_id),
        tool=db.get(Tool, item.tool_id) if item.tool_id else None,
        deployments=deployments,
        data=data or {"deployment": deployments[0].ref if len(deployments) == 1 else ""},
        errors=errors,
    ), 200


def init_app(app: Flask) -> None:
    features.add_blueprint(app, bp)
