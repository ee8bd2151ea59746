"""Over HTTP, positions, the settlement report and a statement name the basket and calendar
decisions behind the period (the keys the CLI's ``--json`` prints, in the documented schema)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.service import registry, reports
from tests import world
from tests.api.conftest import Keys, TestClient, auth

SUMMIT = "XXIII Summit, 14 Dec 2026"


def test_positions_settlement_and_statement_name_basket_and_calendar(
        engine: Engine, client: TestClient, keys: Keys) -> None:
    uow = SqlUnitOfWork(engine)
    calendar = registry.set_parameter(uow, "calendar", "semester",
                                      effective_date=dt.date(2026, 12, 1), reference=SUMMIT)
    [basket] = reports.decisions_report(uow, kind="basket").decisions
    named = {"basket": {"decision": basket.id, "reference": world.REF},
             "calendar": {"decision": calendar, "reference": SUMMIT}}
    positions = client.get("/v1/positions", headers=auth(keys.bcc)).json()
    assert {k: positions[k] for k in named} == named
    world.trade_and_close(engine, built=True)
    settlement = client.get("/v1/periods/2026-H2/settlement", headers=auth(keys.auditor))
    assert settlement.status_code == 200, settlement.text
    assert {k: settlement.json()[k] for k in named} == named
    statement = client.get("/v1/statements/BCC", params={"period": "2026-H2"},
                           headers=auth(keys.bcc))
    assert statement.status_code == 200, statement.text
    assert {k: statement.json()[k] for k in named} == named
    camt = client.get("/v1/statements/BCC", params={"period": "2026-H2", "format": "camt053"},
                      headers=auth(keys.bcc))
    assert camt.status_code == 200 and camt.text.startswith("<?xml")


def test_the_openapi_document_describes_the_new_keys(client: TestClient) -> None:
    schemas = client.app.openapi()["components"]["schemas"]  # type: ignore[attr-defined]
    for name in ("PositionsOut", "SettlementReportOut", "StatementOut"):
        assert {"basket", "calendar"} <= set(schemas[name]["required"]), name
    assert set(schemas["DecisionRefOut"]["properties"]) == {"decision", "reference"}
