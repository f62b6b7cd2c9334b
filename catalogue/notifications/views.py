"""Notifications page, follow buttons, challenge alerts and one-click-ish unsubscribe."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, Flask, Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from catalogue import features, vocabulary
from catalogue.accounts.auth import current_viewer, is_safe_next
from catalogue.db import get_session
from catalogue.forms import form_to_dict, load_form
from catalogue.notifications import preferences, services
from catalogue.notifications.cli import mail_cli
from catalogue.notifications.schemas import AlertsSchema

bp = Blueprint("notifications", __name__)

PAGE_SIZE = 50


@bp.get("/notifications")
@login_required
def index():
    page = max(request.args.get("page", 1, type=int), 1)
    db = get_session()
    viewer = current_viewer()
    items = services.list_notifications(db, viewer, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return render_template(
        "notifications/index.html",
        title="Notifications",
        items=items[:PAGE_SIZE],
        page=page,
        has_next=len(items) > PAGE_SIZE,
        follows=services.my_follows(db, viewer),
        target_url=services.target_url,
    )


@bp.post("/notifications/read")
@login_required
def mark_read():
    db = get_session()
    notification_id = request.form.get("id", type=int)
    services.mark_read(db, current_viewer(), notification_id)
    db.commit()
    return redirect(url_for("notifications.index"), code=303)


def _back(fallback: str) -> Response:
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else fallback, code=303)


@bp.post("/follow/<any(tool, challenge):kind>/<int:record_id>")
@login_required
def follow(kind: str, record_id: int):
    db = get_session()
    try:
        target = services.follow(db, current_viewer(), kind, record_id)
    except services.FollowError:
        abort(404)
    db.commit()
    name = getattr(target, "name", None) or getattr(target, "title", "")
    flash(f"You are following {name}. We will tell you about new activity.", "success")
    return _back(services.target_url(kind, target))


@bp.post("/unfollow/<any(tool, challenge):kind>/<int:record_id>")
@login_required
def unfollow(kind: str, record_id: int):
    db = get_session()
    services.unfollow(db, current_viewer(), kind, record_id)
    db.commit()
    flash("You have stopped following it", "success")
    return _back(url_for("notifications.index"))


@bp.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """No sign-in needed: the signed token names the user and what to turn off. GET only asks, so
    mail scanners that follow links change nothing. POST unsubscribes: from the confirmation page,
    or as an RFC 8058 one-click POST from a mail client, which carries no CSRF token (this route
    alone is exempt; the signed token in the URL is the authority)."""
    if request.method == "POST":
        _ = request.form  # read the body first, as the CSRF check does elsewhere, so the size limit applies
    parsed = services.read_unsubscribe_token(token)
    if parsed is None:
        abort(404)
    user_id, what = parsed
    db = get_session()
    description = services.describe_unsubscribe(db, what)
    if request.method == "POST":
        services.apply_unsubscribe(db, user_id, what)
        db.commit()
        return render_template("notifications/unsubscribed.html", title="You are unsubscribed", description=description)
    return render_template("notifications/unsubscribe.html", title="Unsubscribe", description=description, token=token)


@bp.route("/account/alerts", methods=["GET", "POST"])
@login_required
def alerts():
    db = get_session()
    viewer = current_viewer()
    sub = services.get_alerts(db, viewer.user_id)
    context = {"title": "Challenge alerts", "categories": vocabulary.CATEGORIES, "subscription": sub}
    if request.method == "GET":
        data = {"categories": sub.categories, "keywords": "\n".join(sub.keywords)} if sub else {}
        return render_template("notifications/alerts.html", data=data, errors={}, **context)
    raw = form_to_dict(request.form, multi=("categories",))
    data, errors = load_form(AlertsSchema(), raw)
    if errors:
        return render_template("notifications/alerts.html", data=raw, errors=errors, **context), 200
    sub = services.save_alerts(db, viewer, data["categories"], data["keywords"])
    db.commit()
    flash("Your alerts are saved" if sub.active else "Your alerts are turned off", "success")
    return redirect(url_for("notifications.alerts"), code=303)


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def preferences_page():
    """Per kind of news: at once, in a daily digest, or off."""
    db = get_session()
    viewer = current_viewer()
    context = {"title": "What we email you about", "kinds": preferences.KINDS, "choices": preferences.CHOICES}
    if request.method == "GET":
        return render_template(
            "notifications/preferences.html", data=preferences.user_choices(db, viewer.user_id), errors={}, **context
        )
    raw = {kind: request.form.get(kind, "") for kind in preferences.KINDS}
    errors = {
        kind: "Choose at once, in a daily digest or off" for kind, v in raw.items() if v not in preferences.CHOICES
    }
    if errors:
        return render_template("notifications/preferences.html", data=raw, errors=errors, **context)
    preferences.save_choices(db, viewer.user_id, raw)
    db.commit()
    flash("Your email choices are saved", "success")
    return redirect(url_for("notifications.preferences_page"), code=303)


def _follow_state(kind: str, record_id: int) -> bool | None:
    """For the follow_buttons partial: does the signed-in user follow this record? None when
    nobody is signed in. A Jinja global, so the macro needs no template context."""
    if not current_user.is_authenticated:
        return None
    return services.is_following(get_session(), current_user.id, kind, record_id)


def _unread() -> int:
    if not current_user.is_authenticated:
        return 0
    return services.unread_count(get_session(), current_user.id)


def init_app(app: Flask) -> None:
    from catalogue import csrf

    csrf.exempt(unsubscribe)
    features.add_blueprint(app, bp)
    features.add_cli(app, mail_cli)
    app.jinja_env.globals.update(follow_state=_follow_state, unread_notifications=_unread)

    @app.after_request
    def _send_queued(response: Response) -> Response:
        # Emails queued by this request go out once the response is delivered, from a fresh
        # app context; failures stay in the outbox for `flask mail send-pending`.
        if g.pop("outbox_dirty", False) and current_app.config.get("MAIL_SEND_AFTER_REQUEST"):
            response.call_on_close(partial(services.send_after_response, current_app._get_current_object()))
        return response
