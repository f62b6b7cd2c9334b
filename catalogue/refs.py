"""Stable references ('refs') for records: the keys the exchange bundle and the API use."""

from __future__ import annotations

import re
import secrets
import unicodedata
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

REF_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")


def slugify(text: str, max_length: int = 60) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].strip("-") or "record"


def new_ref(session: Session, model: Any, *parts: str) -> str:
    """A readable ref from the parts, with a short random suffix when the plain one is taken."""
    base = slugify("-".join(p for p in parts if p))
    candidate = base
    while session.exec(sa.select(model.id).where(model.ref == candidate)).first() is not None:
        candidate = f"{base}-{secrets.token_hex(3)}"
    return candidate
