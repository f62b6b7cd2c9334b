"""Every table has a factory (tests/helpers/factories_*.py, re-exported by tests.factories), and
each makes a valid row on its own, making the records it points at."""

from __future__ import annotations

import factory
import pytest
from sqlmodel import Session, SQLModel, func, select

from catalogue import features
from tests import factories

FACTORIES = {
    name: obj
    for name in factories.__all__
    if isinstance(obj := getattr(factories, name), type) and issubclass(obj, factory.Factory) and not obj._meta.abstract
}


def test_every_table_has_a_factory() -> None:
    features.import_models()
    covered = {f._meta.model.__table__.name for f in FACTORIES.values()}
    assert set(SQLModel.metadata.tables) - covered == set()


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_each_factory_makes_a_row_alone(db: Session, name: str) -> None:
    made = FACTORIES[name]()
    model = type(made)
    assert db.exec(select(func.count()).select_from(model)).one() >= 1


def test_a_foreign_key_comes_from_the_record_named_or_is_made(db: Session) -> None:
    org = factories.OrganisationFactory()
    tool = factories.ToolFactory()
    named = factories.DeploymentFactory(organisation=org, tool=tool)
    assert (named.organisation_id, named.tool_id) == (org.id, tool.id)
    by_id = factories.DeploymentFactory(organisation_id=org.id, tool_id=tool.id)
    assert (by_id.organisation_id, by_id.tool_id) == (org.id, tool.id)
    before = db.exec(select(func.count()).select_from(type(org))).one()
    made = factories.DeploymentFactory()
    assert made.organisation_id not in (None, org.id)
    assert db.exec(select(func.count()).select_from(type(org))).one() == before + 1
