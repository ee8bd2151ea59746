"""PetroCaribe over the API (roles, four eyes on buy-backs, scoping) and the command line."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Engine
from typer.testing import Result

from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.bootstrap import database
from sucre.domain.roles import Role
from sucre.entrypoints.cli import app
from sucre.service import petrocaribe
from tests.api.conftest import Keys, TestClient, auth
from tests.e2e import four_eyes
from tests.e2e.four_eyes import as_key, runner

DAY = "2026-07-01"


def _seed(engine: Engine) -> None:
    uow = SqlUnitOfWork(engine)
    petrocaribe.load_terms(uow)
    for member in ("CUB", "DMA"):
        petrocaribe.add_agreement(uow, f"PC-{member}", member, dt.date(2026, 7, 1), "ref")
    petrocaribe.add_firm(uow, "DMA-RICE", "Dominica Rice", "DMA", dt.date(2026, 7, 1))


def _ship(client: TestClient, key: str, cargo: str, agreement: str = "PC-DMA",
          label: str = "ship") -> Any:
    return client.post("/v1/petrocaribe/shipments", headers=auth(key, label), json={
        "agreement": agreement, "cargo_id": cargo, "value_date": DAY, "barrels": "100000",
        "price": "60.00"})


def test_roles_over_the_api(engine: Engine, client: TestClient, keys: Keys) -> None:
    _seed(engine)
    terms = client.get("/v1/petrocaribe/terms?price=60.00&date=2009-03-01",
                       headers=auth(keys.bcc))
    assert terms.status_code == 200 and terms.json()["financed_share"] == "0.40"
    assert client.get("/v1/petrocaribe/terms?price=60.00&date=2009-03-01",
                      headers=auth(keys.ven)).status_code == 403
    for key in (keys.council, keys.bcc, keys.auditor):
        refused = _ship(client, key, "C-X", label=f"x-{key[:8]}")
        assert refused.status_code == 403, refused.text
    shipped = _ship(client, keys.chamber, "C-DMA")
    assert shipped.status_code == 201, shipped.text
    body = shipped.json()
    assert (body["bill"], body["cash"], body["financed"]) == ("6000000.00", "3600000.00",
                                                              "2400000.00")
    assert body["schedule"][4]["principal"] == "52173.91"
    replay = _ship(client, keys.chamber, "C-DMA")
    assert replay.status_code == 201 and replay.headers.get("Idempotency-Replayed") == "true"
    duplicate = _ship(client, keys.chamber, "C-DMA", label="again")
    assert duplicate.status_code == 409 and duplicate.json()["error"]["field"] == "cargo_id"
    cuba = _ship(client, keys.chamber, "C-CUB", "PC-CUB", label="cuba")
    assert cuba.status_code == 201
    dma_loan, cub_loan = body["loan"], cuba.json()["loan"]
    # BCC's operator reads Cuba's loans, not Dominica's (404: existence does not leak)
    assert client.get(f"/v1/petrocaribe/loans/{cub_loan}", headers=auth(keys.bcc)
                      ).status_code == 200
    assert client.get(f"/v1/petrocaribe/loans/{dma_loan}", headers=auth(keys.bcc)
                      ).status_code == 404
    mine = client.get("/v1/petrocaribe/portfolio?as_of=2026-07-02", headers=auth(keys.bcc))
    assert list(mine.json()["members"]) == ["CUB"]
    bloc = client.get("/v1/petrocaribe/portfolio?as_of=2026-07-02", headers=auth(keys.auditor))
    assert list(bloc.json()["members"]) == ["CUB", "DMA"]
    assert bloc.json()["bloc"]["face_value"] == "4800000.00"
    # the council decides tables, the chamber does not
    table = {"tiers": "10=0.5", "regimes": "0=10/1/0.03", "effective_date": "2030-01-01",
             "reference": "CE-T"}
    assert client.post("/v1/petrocaribe/terms", headers=auth(keys.chamber, "t"),
                       json=table).status_code == 403
    assert client.post("/v1/petrocaribe/terms", headers=auth(keys.council, "t"),
                       json=table).status_code == 201
    # a delivery failing the origin check: 409 with the reason, nothing credited
    delivery = {"reference": "D-1", "value_date": "2026-08-01", "hs_code": "100630",
                "quantity": "100", "unit": "t", "unit_price": "600.00", "exporter": "DMA-RICE",
                "importer": "PDVAL", "certificate": "CO-1", "certificate_exporter": "DMA-RICE",
                "certificate_country": "GUY"}
    refused = client.post(f"/v1/petrocaribe/loans/{dma_loan}/deliveries",
                          headers=auth(keys.chamber, "d0"), json=delivery)
    assert refused.status_code == 409 and refused.json()["error"]["field"] == (
        "certificate_country")
    accepted = client.post(f"/v1/petrocaribe/loans/{dma_loan}/deliveries",
                           headers=auth(keys.chamber, "d1"),
                           json={**delivery, "certificate_country": "DMA"})
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["value"] == "60000.00"


def test_a_buyback_needs_two_council_keys(engine: Engine, client: TestClient,
                                          keys: Keys) -> None:
    _seed(engine)
    loan = _ship(client, keys.chamber, "C-DMA").json()["loan"]
    body = {"member": "DMA", "price": "1200000.00", "effective_date": "2026-12-01",
            "reference": "Council: Dominica's buy-back"}
    assert client.post("/v1/petrocaribe/buybacks", headers=auth(keys.chamber, "b"),
                       json=body).status_code == 403
    proposed = client.post("/v1/petrocaribe/buybacks", headers=auth(keys.council, "b"),
                           json=body)
    assert proposed.status_code == 202, proposed.text
    approve = proposed.json()["approve"]
    assert client.post(approve, headers=auth(keys.council, "b1")).status_code == 403
    assert client.post(approve, headers=auth(keys.chamber, "b2")).status_code == 403
    view = client.get(f"/v1/petrocaribe/loans/{loan}", headers=auth(keys.auditor)).json()
    assert view["outstanding"] == "2400000.00"  # nothing ran yet
    approved = client.post(approve, headers=auth(keys.council2, "b3"))
    assert approved.status_code == 200, approved.text
    assert approved.json()["decision"]["recorded"] == "petrocaribe_buyback"
    view = client.get(f"/v1/petrocaribe/loans/{loan}", headers=auth(keys.auditor)).json()
    assert view["outstanding"] == "0.00" and view["closed"] is True
    dma = client.get("/v1/petrocaribe/portfolio?member=DMA&as_of=2026-12-01",
                     headers=auth(keys.auditor)).json()["members"]["DMA"]
    assert (dma["bought_back_for"], dma["discount_written_off"]) == ("1200000.00",
                                                                     "1200000.00")
    too_much = {**body, "price": "9999999.00", "member": "CUB"}
    assert client.post("/v1/petrocaribe/buybacks", headers=auth(keys.council, "b4"),
                       json=too_much).status_code == 409  # Cuba has no loan


def test_the_command_line(db: str) -> None:
    def run(*argv: str) -> Result:
        return runner.invoke(app, [*argv, "-d", db])

    assert run("firm", "add", "DMA-RICE", "--name", "Dominica Rice", "--member", "DMA",
               "--registered", DAY).exit_code == 0
    petrocaribe.load_terms(SqlUnitOfWork(database(db)))
    result = run("petrocaribe", "terms", "--price", "14.99", "--date", DAY, "--json")
    assert json.loads(result.stdout)["financed_share"] == "0.00"
    assert run("petrocaribe", "agreement", "DMA", "--signed", DAY,
               "--reference", "PC").exit_code == 0
    bad = run("petrocaribe", "shipment", "PC-DMA", "C-1", "--date", DAY, "--barrels", "-5",
              "--price", "60.00")
    assert bad.exit_code == 2 and "barrels" in bad.stderr
    shipped = run("petrocaribe", "shipment", "PC-DMA", "C-1", "--date", DAY, "--barrels",
                  "1000", "--price", "60.00", "--json")
    loan = json.loads(shipped.stdout)["loan"]
    argv = ["petrocaribe", "deliver", str(loan), "--reference", "D-1", "--date", "2026-08-01",
            "--hs-code", "100630", "--quantity", "10", "--unit", "t", "--unit-price", "600.00",
            "--exporter", "DMA-RICE", "--importer", "PDVAL", "--certificate", "CO-1",
            "--certificate-exporter", "DMA-RICE", "--certificate-country"]
    refused = run(*argv, "ARG")
    assert refused.exit_code == 2 and "origin check" in refused.stderr
    assert run(*argv, "DMA").exit_code == 0
    repaid = run("petrocaribe", "repay", "--loan", str(loan), "--amount", "100.00", "--date",
                 "2026-09-01", "--reference", "P-1", "--json")
    assert json.loads(repaid.stdout)["kind"] == "repayment"
    carla, dario = four_eyes.keys(db, Role.COUNCIL, ("carla", "dario"))
    buy = ["petrocaribe", "buyback", "DMA", "--price", "1.00", "--effective", "2026-10-01",
           "--reference", "CE-BB", "-d", db]
    assert runner.invoke(app, buy).exit_code == 2  # no key: four eyes
    proposed = as_key(carla, *buy)
    assert proposed.exit_code == 0 and "sucre approve 1" in proposed.stdout, proposed.output
    assert as_key(carla, "approve", "1", "-d", db).exit_code == 2
    approved = as_key(dario, "approve", "1", "-d", db)
    assert approved.exit_code == 0 and "buy-back" in approved.stdout, approved.output
    report = json.loads(run("petrocaribe", "portfolio", "DMA", "--as-of", "2026-10-01",
                            "--json").stdout)
    assert report["members"]["DMA"]["outstanding"] == "0.00"
    assert report["members"]["DMA"]["goods_by_hs_code"] == {"100630": "6000.00"}
    verified = json.loads(run("verify", "--json").stdout)
    assert verified["loans"]["loans"] == 1
