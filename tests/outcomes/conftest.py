"""Fixtures for the outcomes tests."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from tests.helpers.challenges import World, make_world


@pytest.fixture
def world(db: Session) -> World:
    """Two authorities and two suppliers, each with an approved user, and a pending user."""
    return make_world()


# libcoveocds, offline, for every outcomes test that checks what a challenge publishes.
from tests.helpers.ocds import cove, standard_zip  # noqa: E402, F401
