"""The freshness migration backfills when each existing record was last confirmed (its last
update, else its creation) and by whom (its owner), and downgrades cleanly."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from catalogue.config import PROJECT_ROOT
from tests.factories import DeploymentFactory, OfferingFactory, OrganisationFactory, ToolFactory

BEFORE = "310bc20dd508"  # the migration before freshness (f3a9c1d7b542)


def _config(url: str) -> Config:
    cfg = Config(str(PROJECT_ROOT / "migrations" / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def test_backfill_from_updated_then_created(database_url: str, db) -> None:
    if not database_url.startswith("sqlite"):
        return  # the shared PostgreSQL test database is not migrated back and forth
    org = OrganisationFactory(name="A Council")
    tool = ToolFactory()
    DeploymentFactory(ref="dep-old", organisation_id=org.id, tool_id=tool.id)
    OfferingFactory(ref="off-old", supplier_id=OrganisationFactory(kind="supplier").id)
    db.commit()
    db.execute(sa.text("UPDATE deployment SET updated_at = '2024-05-06 07:08:09.000000'"))
    db.execute(sa.text("UPDATE offering SET updated_at = '2023-03-04 05:06:07.000000'"))
    db.commit()
    db.close()
    cfg = _config(database_url)
    command.downgrade(cfg, BEFORE)
    command.upgrade(cfg, "head")
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        dep = conn.execute(
            sa.text("SELECT last_confirmed_at, last_confirmed_by_id, withdrawn_at FROM deployment")
        ).one()
        off = conn.execute(sa.text("SELECT last_confirmed_at, last_confirmed_by_id, supplier_id FROM offering")).one()
    engine.dispose()
    assert str(dep[0]).startswith("2024-05-06 07:08:09") and dep[1] == org.id and dep[2] is None
    assert str(off[0]).startswith("2023-03-04 05:06:07") and off[1] == off[2]
