"""Challenges as OCDS releases (one per Procurement Act notice), stored as published, served as
release packages, records and a paged bulk feed."""

from outcomes.ocds.release import (
    CONTRACT_NOTICE,
    DEFAULT_PREFIX,
    NOTICES,
    NotPublished,
    has_release,
    release,
    release_for_ref,
)

__all__ = [
    "CONTRACT_NOTICE",
    "DEFAULT_PREFIX",
    "NOTICES",
    "NotPublished",
    "has_release",
    "release",
    "release_for_ref",
]
