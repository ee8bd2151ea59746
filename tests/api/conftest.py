"""Fixtures of the API tests: the small known world, one API client per role, a test client."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine
from starlette.exceptions import StarletteDeprecationWarning

from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.roles import Role
from sucre.entrypoints.api import create_app
from sucre.service import api_keys
from tests import world

with warnings.catch_warnings():
    # Starlette deprecates its httpx-based TestClient in favour of httpx2 (not installed); the
    # warning is raised once, when the module is first imported.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient


@dataclass(frozen=True)
class Keys:
    bcv: str  # operator of Banco Central de Venezuela
    bcc: str  # operator of Banco Central de Cuba
    chamber: str
    council: str
    auditor: str
    ven: str  # delegate of Venezuela to the council
    chamber2: str  # a second chamber client: four eyes (approves what ``chamber`` proposes)
    council2: str


    def of(self, name: str) -> str:
        return str(getattr(self, name))


def make_keys(engine: Engine) -> Keys:
    uow = SqlUnitOfWork(engine)
    return Keys(
        bcv=api_keys.add_client(uow, "bcv-ops", Role.OPERATOR, "BCV").api_key,
        bcc=api_keys.add_client(uow, "bcc-ops", Role.OPERATOR, "BCC").api_key,
        chamber=api_keys.add_client(uow, "chamber", Role.CHAMBER).api_key,
        council=api_keys.add_client(uow, "council", Role.COUNCIL).api_key,
        auditor=api_keys.add_client(uow, "auditor", Role.AUDITOR).api_key,
        ven=api_keys.add_client(uow, "ven-delegate", Role.DELEGATE, member="VEN").api_key,
        chamber2=api_keys.add_client(uow, "chamber-2", Role.CHAMBER).api_key,
        council2=api_keys.add_client(uow, "council-2", Role.COUNCIL).api_key,
    )


@pytest.fixture
def keys(engine: Engine) -> Keys:
    world.build(engine)
    return make_keys(engine)


@pytest.fixture
def client(engine: Engine, keys: Keys) -> Iterator[TestClient]:
    with TestClient(create_app(engine)) as test_client:
        yield test_client


def close(client: TestClient, keys: Keys, code: str, body: dict[str, object] | None = None,
          *, label: str = "close") -> dict[str, object]:
    """Close ``code`` under four eyes: ``chamber`` proposes, ``chamber2`` approves; the
    settlement report the approval answers."""
    proposed = client.post(f"/v1/periods/{code}/close", headers=auth(keys.chamber, label),
                           json=body)
    assert proposed.status_code == 202, proposed.text
    approved = client.post(proposed.json()["approve"],
                           headers=auth(keys.chamber2, f"{label}-approve"))
    assert approved.status_code == 200, approved.text
    settlement: dict[str, object] = approved.json()["settlement"]
    return settlement


def auth(key: str, idempotency_key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {key}"}
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    return headers


def order_body(key: str = "K1", **changes: object) -> dict[str, object]:
    """A valid order as JSON: Cuba buys 360 t of Venezuelan rice, 1,000.00 XSU (BCC pays)."""
    body: dict[str, object] = {
        "order_key": key, "debtor_member": "CUB", "creditor_member": "VEN",
        "amount": "1000.00", "currency": "XSU", "value_date": "2026-07-02",
        "hs_code": "100630", "quantity": "360", "unit": "t", "invoice_ref": "INV-1",
        "customs_ref": "DUA-1", "importer": "Alimport", "exporter": "CASA"}
    body.update(changes)
    return body
