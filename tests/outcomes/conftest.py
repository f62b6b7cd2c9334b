"""Fixtures for the outcomes tests."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from tests.helpers.challenges import World, make_world


@pytest.fixture
def world(db: Session) -> World:
    """Two authorities and two suppliers, each with an approved user, and a pending user."""
    return make_world()
