"""API clients and keys (service level): hashed storage, rotation, revocation, bounds."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import Engine, select

from sucre import bounds
from sucre.adapters.db import tables as t
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.errors import (
    InvalidInput,
    InvalidState,
    LimitExceeded,
    NotAuthenticated,
    UnknownParty,
)
from sucre.domain.roles import POLICY, Permission, Role
from sucre.entrypoints.api import create_app
from sucre.service import api_keys
from tests import world
from tests.api.conftest import TestClient, auth


@pytest.fixture
def bloc(engine: Engine, uow: SqlUnitOfWork) -> SqlUnitOfWork:
    world.build(engine)
    return uow


def test_only_a_hash_of_the_secret_is_stored(bloc: SqlUnitOfWork) -> None:
    issued = api_keys.add_client(bloc, "bcv-ops", Role.OPERATOR, "BCV")
    prefix, key_id, secret = issued.api_key.split("_", 2)
    assert (prefix, key_id, len(secret)) == ("sk", issued.key_id, 43)
    with bloc.engine.connect() as conn:
        stored = conn.execute(select(t.api_keys.c.secret_hash)).scalar_one()
    assert secret not in stored
    assert stored == f"sha256:{hashlib.sha256(secret.encode()).hexdigest()}"
    principal = api_keys.authenticate(bloc, issued.api_key)
    assert (principal.name, principal.role, principal.authority) == (
        "bcv-ops", Role.OPERATOR, "BCV")


def test_rotation_keeps_both_keys_until_the_old_is_revoked(bloc: SqlUnitOfWork) -> None:
    old = api_keys.add_client(bloc, "chamber", Role.CHAMBER)
    new = api_keys.issue_key(bloc, "chamber")
    assert new.api_key != old.api_key
    assert api_keys.authenticate(bloc, old.api_key).name == "chamber"
    assert api_keys.authenticate(bloc, new.api_key).name == "chamber"
    assert api_keys.revoke_key(bloc, old.key_id) == "chamber"
    with pytest.raises(NotAuthenticated):
        api_keys.authenticate(bloc, old.api_key)
    assert api_keys.authenticate(bloc, new.api_key).key_id == new.key_id
    keys = api_keys.client_keys(bloc, "chamber")
    assert [(k.key_id, k.revoked_at is not None) for k in keys] == [
        (old.key_id, True), (new.key_id, False)]
    with pytest.raises(InvalidState):
        api_keys.revoke_key(bloc, old.key_id)


def test_revocation_is_immediate_over_http(bloc: SqlUnitOfWork) -> None:
    issued = api_keys.add_client(bloc, "auditor", Role.AUDITOR)
    with TestClient(create_app(bloc.engine)) as client:
        assert client.get("/v1/periods", headers=auth(issued.api_key)).status_code == 200
        api_keys.revoke_key(bloc, issued.key_id)
        assert client.get("/v1/periods", headers=auth(issued.api_key)).status_code == 401


def test_active_keys_are_bounded(bloc: SqlUnitOfWork) -> None:
    api_keys.add_client(bloc, "council", Role.COUNCIL)
    for _ in range(bounds.api_keys_per_client_max - 1):
        api_keys.issue_key(bloc, "council")
    with pytest.raises(LimitExceeded):
        api_keys.issue_key(bloc, "council")


@pytest.mark.parametrize(("name", "role", "authority", "error"), [
    ("ops", Role.OPERATOR, None, InvalidInput),
    ("chamber", Role.CHAMBER, "BCV", InvalidInput),
    ("ops", Role.OPERATOR, "XXX", UnknownParty),
    ("bad name!", Role.AUDITOR, None, InvalidInput),
    ("", Role.AUDITOR, None, InvalidInput),
])
def test_bad_clients_are_refused(bloc: SqlUnitOfWork, name: str, role: Role, authority: str | None,
                                 error: type[Exception]) -> None:
    with pytest.raises(error):
        api_keys.add_client(bloc, name, role, authority)


def test_names_are_unique_and_unknowns_reported(bloc: SqlUnitOfWork) -> None:
    api_keys.add_client(bloc, "auditor", Role.AUDITOR)
    with pytest.raises(InvalidState):
        api_keys.add_client(bloc, "auditor", Role.AUDITOR)
    with pytest.raises(UnknownParty):
        api_keys.issue_key(bloc, "nobody")
    with pytest.raises(UnknownParty):
        api_keys.revoke_key(bloc, "0" * 16)
    with pytest.raises(InvalidInput):
        api_keys.parse_role("root")


def test_every_role_has_a_permission_table_entry() -> None:
    assert set(POLICY) == set(Role)
    changing = {Permission.SUBMIT_ORDERS, Permission.DECIDE_ORDERS, Permission.CLOSE_PERIODS,
                Permission.DECIDE_PARAMETERS}
    for role, permissions in POLICY.items():
        assert len(set(permissions) & changing) <= 2, role
    assert not set(POLICY[Role.AUDITOR]) & changing
