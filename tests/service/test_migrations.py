"""The migrations build exactly the schema the code declares (``adapters/db/tables.py``)."""

from __future__ import annotations

import json

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

from sucre.adapters.db.migrate import alembic_config
from sucre.adapters.db.tables import metadata
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.service import messaging
from tests import world
from tests.iso20022 import samples


def test_migrated_schema_matches_the_tables(engine: Engine) -> None:
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


def test_settlements_move_between_the_stored_json_and_typed_rows(engine: Engine) -> None:
    """A period settled by sucre before revision 0006 (its report stored as JSON) reads into the
    typed rows: it reports the same JSON and its legs still confirm; and back again."""
    world.trade_and_close(engine)
    expected = world.stored_report(engine)
    as_stored_before = json.dumps({**expected, "settlement": [
        {k: v for k, v in i.items() if k not in ("reference", "settlement_status")}
        for i in expected["settlement"]]}, sort_keys=True)
    config = alembic_config(engine)
    command.downgrade(config, "0005")
    try:
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT report FROM settlements")).scalar_one()
        assert stored == as_stored_before
    finally:
        command.upgrade(config, "head")
    assert json.dumps(world.stored_report(engine)) == json.dumps(expected)
    outcome = messaging.submit_pacs009(SqlUnitOfWork(engine), samples.pacs009(
        *world.SETTLEMENT_LEGS, currency="USD", settlement_date="2027-01-05"))
    assert (outcome.accepted, outcome.rejected) == (3, 0), outcome.report.decode()
    world.verify(engine)
