"""``POST /v1/food/match``: the CLI's document from a JSON body; bad rows named by position and
field; amounts as decimal strings only."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from sucre.entrypoints.cli import app
from tests.api.conftest import Keys, TestClient, auth

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "food"


def rows(name: str) -> list[dict[str, str]]:
    with (EXAMPLES / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def body() -> dict[str, object]:
    return {"supplies": rows("supplies.csv"), "needs": rows("needs.csv"),
            "distances": [{**leg, "nautical_miles": int(leg["nautical_miles"])}
                          for leg in rows("distances.csv")]}


def test_the_api_answers_the_cli_s_document(client: TestClient, keys: Keys) -> None:
    response = client.post("/v1/food/match", headers=auth(keys.bcv), json=body())
    assert response.status_code == 200, response.text
    cli = CliRunner().invoke(app, ["food", "match", str(EXAMPLES / "supplies.csv"),
                                   str(EXAMPLES / "needs.csv"), "--distances",
                                   str(EXAMPLES / "distances.csv"), "--json"])
    assert response.json() == json.loads(cli.stdout)


def test_bad_rows_are_named_with_their_position_and_field(client: TestClient,
                                                          keys: Keys) -> None:
    document = body()
    needs = document["needs"]
    assert isinstance(needs, list)
    needs[1] = {**needs[1], "port": "Atlantis"}
    needs[3] = {**needs[3], "tonnes": "1.0001"}
    response = client.post("/v1/food/match", headers=auth(keys.auditor), json=document)
    assert response.status_code == 422, response.text
    message = response.text
    assert "line 2: port: unknown port 'Atlantis'" in message
    assert "line 4: tonnes:" in message


def test_tonnes_must_be_decimal_strings(client: TestClient, keys: Keys) -> None:
    document = body()
    supplies = document["supplies"]
    assert isinstance(supplies, list)
    supplies[0] = {**supplies[0], "tonnes": 1500}
    response = client.post("/v1/food/match", headers=auth(keys.chamber), json=document)
    assert response.status_code == 422
    assert "decimal strings" in response.text


def test_a_delegate_may_not_plan(client: TestClient, keys: Keys) -> None:
    response = client.post("/v1/food/match", headers=auth(keys.ven), json=body())
    assert response.status_code == 403
