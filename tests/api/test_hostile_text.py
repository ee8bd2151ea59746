"""Control characters in council decisions over HTTP (issue 8, point 4): NUL answered 500 on
PostgreSQL and was stored on SQLite; escape sequences were stored and printed later. Every one is
now a 422 naming the field, with nothing written, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from sucre.adapters.db import tables as t
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.errors import InvalidInput
from sucre.service import registry
from tests.api.conftest import Keys, TestClient, auth
from tests.hostile import HOSTILE_TEXTS

COUNCIL_BODIES = {
    "/v1/council/allocations": {"authority": "BCV", "effective_date": "2027-01-01",
                                "allocation": "20000.00"},
    "/v1/council/member-status": {"member": "NIC", "status": "suspended",
                                  "effective_date": "2026-07-05"},
    "/v1/council/parameters": {"name": "corridor_alert_share", "value": "0.4",
                               "effective_date": "2027-01-01"},
}


def decisions(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.decisions)).scalar_one())


@pytest.mark.parametrize("text", HOSTILE_TEXTS.values(), ids=HOSTILE_TEXTS.keys())
@pytest.mark.parametrize("path", sorted(COUNCIL_BODIES))
def test_council_references_with_control_characters_are_refused(
        engine: Engine, client: TestClient, keys: Keys, path: str, text: str) -> None:
    before = decisions(engine)
    response = client.post(path, headers=auth(keys.council, "hostile-1"),
                           json={**COUNCIL_BODIES[path], "reference": text})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "FF01" and error["field"] == "reference"
    assert decisions(engine) == before
    good = client.post(path, headers=auth(keys.council, "hostile-2"),
                       json={**COUNCIL_BODIES[path], "reference": "CE-2026-99"})
    assert good.status_code == 201, good.text


@pytest.mark.parametrize("text", HOSTILE_TEXTS.values(), ids=HOSTILE_TEXTS.keys())
def test_a_parameter_value_with_control_characters_is_refused(
        engine: Engine, client: TestClient, keys: Keys, text: str) -> None:
    before = decisions(engine)
    response = client.post("/v1/council/parameters", headers=auth(keys.council, "hostile-3"),
                           json={**COUNCIL_BODIES["/v1/council/parameters"],
                                 "name": "calendar", "value": text, "reference": "CE-1"})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "value"
    assert decisions(engine) == before


@pytest.mark.parametrize("text", HOSTILE_TEXTS.values(), ids=HOSTILE_TEXTS.keys())
def test_the_domain_refuses_them_whatever_the_edge(engine: Engine, keys: Keys,
                                                  text: str) -> None:
    before = decisions(engine)
    with pytest.raises(InvalidInput, match="control character") as caught:
        registry.set_parameter(SqlUnitOfWork(engine), "corridor_alert_share", "0.4",
                               effective_date=registry.dt.date(2027, 1, 1), reference=text)
    assert caught.value.field == "reference"
    with pytest.raises(InvalidInput, match="control character"):
        registry.register_authority(SqlUnitOfWork(engine), "BCX", text, "USD")
    assert decisions(engine) == before


def test_an_over_long_reference_is_refused_not_cut(engine: Engine, client: TestClient,
                                                   keys: Keys) -> None:
    before = decisions(engine)
    with pytest.raises(InvalidInput, match="longer than 200"):
        registry.set_parameter(SqlUnitOfWork(engine), "corridor_alert_share", "0.4",
                               effective_date=registry.dt.date(2027, 1, 1), reference="R" * 201)
    assert decisions(engine) == before
