"""The three ways a service refuses, for every package, and how each is answered, once.

Services raise these (never an HTTP error: they do not know the request). A view that can do
better catches them (a form re-shown with `errors` beside the fields, a message of its own); any
that reaches the app is answered here: NotFound 404, NotAllowed 403, Invalid 422, as the page's
error page or, under /api/, flask-smorest's JSON with every field error. `save` is the one way a
page view runs a write: committed, or rolled back with the form's errors to show again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask
from flask.typing import ResponseReturnValue
from flask_smorest import abort
from werkzeug.exceptions import HTTPException


class Refused(Exception):
    """A service refused; `message` is written for the person who tried, `errors` maps each
    field (or "_schema") to its message."""

    default = "That cannot be done"

    def __init__(self, message: str | None = None, field: str | None = None, errors: dict[str, str] | None = None):
        self.message = message or self.default
        super().__init__(self.message)
        self.field = field or "_schema"
        self._errors = errors

    @property
    def errors(self) -> dict[str, str]:
        return dict(self._errors) if self._errors else {self.field: self.message}


class NotFound(Refused):
    """No such record, or one the viewer may not see (the two look the same from outside)."""

    default = "No record with that reference, or not one you may see"


class NotAllowed(Refused):
    """The viewer may not do this (403, not a form error)."""

    default = "You do not have permission to do that"


class Invalid(Refused):
    """A rule about the data was broken: re-show the form, or 422 with every field error."""

    @classmethod
    def of_fields(cls, errors: dict[str, str]) -> Invalid:
        """One error naming every field at once (the first gives the message)."""
        field, message = next(iter(errors.items()))
        return cls(message, field, errors)


T = TypeVar("T")


def save(session: Any, write: Callable[[], T], field: str | None = None) -> tuple[T | None, dict[str, str]]:
    """Run one service write and commit it: (its result, {}). When the data breaks a rule
    (Invalid) roll back and return (None, every field error) for the form to show again, an
    error about the whole form shown at `field` when the page names one. NotFound and NotAllowed
    are never form errors: rolled back, they go on to the app's 404 and 403 (`_answer`)."""
    try:
        result = write()
        session.commit()
    except Invalid as exc:
        session.rollback()
        errors = exc.errors
        if field and "_schema" in errors:
            errors[field] = errors.pop("_schema")
        return None, errors
    except Refused:
        session.rollback()
        raise
    return result, {}


def saved(session: Any, write: Callable[[], Any], field: str | None = None) -> dict[str, str]:
    """`save` for a view that needs only the errors (empty when saved)."""
    return save(session, write, field)[1]


def _http_error(status: int, **kwargs: object) -> HTTPException:
    try:
        abort(status, **kwargs)
    except HTTPException as exc:
        return exc
    raise AssertionError("abort returned")  # pragma: no cover


def _answer(exc: Refused) -> ResponseReturnValue:
    from flask import current_app

    if isinstance(exc, NotFound):
        http = _http_error(404, message=NotFound.default)
    elif isinstance(exc, NotAllowed):
        http = _http_error(403, message=exc.message)
        http.description = exc.message  # the error page says why, and what to do instead
    else:
        errors = {k: [v] for k, v in exc.errors.items()}
        http = _http_error(422, errors={"json": errors}, message="Check the fields named in errors")
    # Through the app's HTTP error handlers: the error page, or JSON under /api/.
    return current_app.handle_http_exception(http)


def init_app(app: Flask) -> None:
    app.register_error_handler(Refused, _answer)
