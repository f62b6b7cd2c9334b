"""What every package's factories share: one bound SQLModel session, and a foreign key that makes
its record when the test names none.

`SessionFactory()` adds and commits (the `db` fixture binds the session). A factory's foreign key
`x_id` is filled from the keyword `x=<record>` when given, else a new record from `x`'s factory;
`x_id=<id>` still works and makes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import factory
from sqlmodel import Session

from catalogue.accounts.passwords import hash_password

PASSWORD = "a long test password 1"
PASSWORD_HASH = hash_password(PASSWORD)
_session: Session | None = None


def bind(session: Session | None) -> None:
    global _session
    _session = session


def session() -> Session:
    if _session is None:
        raise RuntimeError("use the `db` fixture: factories need a session")
    return _session


class SessionFactory(factory.Factory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: type, *args: object, **kwargs: object) -> object:
        obj = model_class(*args, **kwargs)
        session().add(obj)
        session().commit()
        return obj


def id_of(param: str, make: Callable[[], Any] | str) -> factory.LazyAttribute:
    """`<param>_id` from the record passed as `param`, or from a new one made by `make` (a
    factory, or the name of one in the same module, for factories defined further down)."""

    def resolve(obj: Any) -> int:
        given = getattr(obj, param)
        if given is None:
            maker = make
            if isinstance(maker, str):
                import importlib

                module, _, name = maker.rpartition(".")
                maker = getattr(importlib.import_module(module), name)
            given = maker()
        return given.id

    return factory.LazyAttribute(resolve)
