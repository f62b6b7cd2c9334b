"""Clarification questions: a supplier asks, the owner answers and publishes."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from catalogue import access
from catalogue.accounts.auth import current_viewer
from catalogue.db import get_session
from catalogue.errors import saved
from catalogue.forms import form_to_dict, load_form
from outcomes import services
from outcomes.schemas import AnswerSchema, DeclineQuestionSchema, QuestionSchema
from outcomes.views.common import _challenge, _manage, _signed_in, bp

# --- clarification questions ------------------------------------------------------------------


def _question(challenge: Any, question_id: int) -> Any:
    """A question on this challenge the viewer may see, or 404."""
    visible = services.visible_questions(get_session(), current_viewer(), challenge)
    question = next((q for q, _asker in visible if q.id == question_id), None)
    if question is None:
        abort(404)
    return question


@bp.route("/challenges/<ref>/questions/new", methods=["GET", "POST"])
def ask(ref: str):
    _signed_in()
    challenge = _challenge(ref)
    viewer = current_viewer()
    if not access.can_respond_to_challenges(viewer):
        abort(403, "Only approved suppliers can ask clarification questions")
    context = {
        "title": "Ask a clarification question",
        "challenge": challenge,
        "closed": services.questions_open(challenge),
    }
    if request.method == "GET":
        return render_template("outcomes/ask.html", data={}, errors={}, **context)
    raw = form_to_dict(request.form)
    data, errors = load_form(QuestionSchema(), raw)
    if not errors:
        session = get_session()
        errors = saved(session, lambda: services.ask_question(session, viewer, challenge, data["question"]), "question")
    if errors:
        return render_template("outcomes/ask.html", data=raw, errors=errors, **context)
    flash("Your question has been sent. The answer will be published to every supplier without your name", "success")
    return redirect(url_for("challenges.show", ref=ref), code=303)


@bp.route("/challenges/<ref>/questions/<int:question_id>/answer", methods=["GET", "POST"])
def answer(ref: str, question_id: int):
    challenge = _manage(ref)
    session = get_session()
    question = _question(challenge, question_id)
    context = {"title": "Answer a clarification question", "challenge": challenge, "question": question}
    if request.method == "GET":
        data = {"question": question.question, "answer": question.answer or ""}
        return render_template("outcomes/answer.html", data=data, errors={}, **context)
    raw = form_to_dict(request.form)
    data, errors = load_form(AnswerSchema(), raw)
    if not errors:
        errors = saved(
            session,
            lambda: services.answer_question(
                session, current_viewer(), challenge, question_id, data["question"], data["answer"]
            ),
        )
    if errors:
        return render_template("outcomes/answer.html", data=raw, errors=errors, **context)
    flash("The question and answer have been published", "success")
    return redirect(url_for("challenges.show", ref=ref), code=303)


@bp.post("/challenges/<ref>/questions/<int:question_id>/decline")
def decline(ref: str, question_id: int):
    """Decline to answer: the question stays unpublished and the asker is told (with the reason)."""
    challenge = _manage(ref)
    session = get_session()
    question = _question(challenge, question_id)
    raw = form_to_dict(request.form)
    data, errors = load_form(DeclineQuestionSchema(), raw)
    if not errors:
        errors = saved(
            session,
            lambda: services.decline_question(session, current_viewer(), challenge, question_id, data.get("reason")),
        )
    if errors:
        context = {"title": "Answer a clarification question", "challenge": challenge, "question": question}
        data = {"question": question.question, "answer": question.answer or "", "reason": raw.get("reason", "")}
        return render_template("outcomes/answer.html", data=data, errors=errors, **context)
    flash("The question has been declined; the supplier that asked has been told", "success")
    return redirect(url_for("challenges.show", ref=ref), code=303)
