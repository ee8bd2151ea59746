"""``POST /v1/periods/{code}/close`` before the period has ended (issue 10)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Keys, auth
from tests.api.conftest import close as close_period


def test_closing_before_the_end_needs_a_council_decision(
        client: TestClient, keys: Keys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUCRE_TODAY", "2026-12-02")
    close = "/v1/periods/2026-H2/close"
    refused = client.post(close, headers=auth(keys.chamber, "c-1"))
    assert refused.status_code == 409, refused.text
    assert "runs until 2026-12-31" in refused.text
    early = close_period(client, keys, "2026-H2",
                         {"early_reference": "XXX Council, 1 Dec 2026"}, label="c-2")
    assert early["period"] == "2026-H2"
