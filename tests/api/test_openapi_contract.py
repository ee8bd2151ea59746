"""Schemathesis against the served OpenAPI document: no server error, no undocumented status, no
response that violates its schema, and schema-invalid requests refused with a 4xx.

The schema is loaded from the app itself (``GET /openapi.json``, authenticated) over a database
holding the small known world and one accepted order. Each operation is then called with data
generated from the schema, valid (positive) and invalid (negative), a bounded number of times,
under three keys in turn: the chamber's, the council's and BCC's operator's, so that closing,
council decisions and submissions all run past the permission check.

Schemathesis' pytest integration (``schemathesis.pytest.from_fixture``) does not run under
pytest 9 (it writes ``Node._nodeid``, which pytest 9 removed), so the operations are driven
through its Python API: ``operation.as_strategy()`` under a hypothesis ``@given``.
"""

from __future__ import annotations

import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Engine, create_engine

from sucre.entrypoints.api import create_app
from tests.api.conftest import Keys, TestClient, auth, order_body

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, negative_data_rejection,
          ignored_auth]
EXAMPLES_PER_MODE = 6


def _operation_labels() -> list[str]:
    """Every operation of the document (building the app touches no database)."""
    document = create_app(create_engine("sqlite://")).openapi()
    loaded = schemathesis.openapi.from_dict(document)
    return sorted(result.ok().label for result in loaded.get_all_operations())


@pytest.mark.parametrize("role", ["chamber", "council", "bcc"])
@pytest.mark.parametrize("label", _operation_labels())
def test_the_api_honours_its_openapi_document(engine: Engine, keys: Keys, label: str,
                                               role: str) -> None:
    app = create_app(engine)
    with TestClient(app) as client:
        seeded = client.post("/v1/payment-orders", headers=auth(keys.bcc, "seed"),
                             json=order_body("SEED-1"))
        assert seeded.status_code == 201, seeded.text
    key = keys.of(role)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers=auth(key))
    operation = schema.find_operation_by_label(label)
    assert operation is not None, label

    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        try:
            fuzz(operation, key, mode)
        except Unsatisfiable:
            # Only an operation with nothing to corrupt (no body, query, path or header but
            # the fixed key) has no negative case.
            assert mode.is_negative, label


def fuzz(operation: schemathesis.APIOperation, key: str, mode: GenerationMode) -> None:
    """Call ``operation`` with generated cases of ``mode`` and run every check on each answer.

    The API key is fixed in the strategy (never corrupted) and passed explicitly (so that
    ``ignored_auth`` probes the call without it and with a wrong one). Negative cases keep their
    generated, possibly invalid, Idempotency-Key; positive ones get a fresh one each, so that
    they do not collide with one another (which would be a correct 409, but a dull one).
    """

    @given(case=operation.as_strategy(generation_mode=mode, headers=auth(key)))
    @settings(max_examples=EXAMPLES_PER_MODE, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def call(case: schemathesis.Case) -> None:
        fresh = {"Idempotency-Key": f"st-{uuid.uuid4().hex}"} if mode.is_positive else {}
        case.call_and_validate(headers={**auth(key), **fresh}, checks=CHECKS)

    call()
