"""The role matrix: every endpoint x every role -> the one status it must answer.

The world holds two orders before each case: order 1, Cuba pays Venezuela (debtor BCC, addressed
to BCV), and order 2, Cuba pays Bolivia (debtor BCC, BCV is not a party). It also holds four
stored invoices and set-off run 1 over them (:func:`seed_setoff`): two between Cuba and Venezuela,
two between Bolivia and Nicaragua, part of each pair still open. ``bcv`` and ``bcc`` are the two
central banks' operators. A refused case (4xx) must leave every business table as it was.

Every case states every role's status (the contract), but not every cell is sent over HTTP.
The policy is checked once per request, by the route's ``allowed(permission)`` dependency, and
the use cases branch only on the grant's scope. So two roles holding the case's permission with
the same scope ``all`` (or both lacking it) take the same path: of such roles only the first
with a given status is sent (:func:`http_cells`). Every operator cell whose scope is narrowed to
its authority or member states is sent, since there the data decides. The other cells are held
by two faster tests: the policy table (tests/unit/test_roles.py: every role x permission ->
scope) and :func:`test_every_route_requires_its_cases_permission` (route -> permission).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import Engine, func, select
from starlette.routing import Match

from sucre.adapters.db import tables as t
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.money import XSU
from sucre.domain.roles import Permission, Role, Scope
from sucre.entrypoints.api import create_app
from sucre.service import council, setoff_runs
from sucre.service.setoff_runs import Invoice
from tests import world
from tests.api.conftest import Keys, TestClient, auth, order_body
from tests.iso20022 import samples
from tests.unit.test_roles import EXPECTED as POLICY_CONTRACT
from tests.unit.test_roles import ROLES as POLICY_ROLES

ROLES = ("bcv", "bcc", "chamber", "council", "auditor", "ven")
P = Permission


@dataclass(frozen=True)
class Case:
    name: str
    permission: Permission | None  # what the route requires (None: any valid key)
    method: str
    path: str
    expected: dict[str, int]  # role -> status
    body: Any = None
    xml: bytes | None = None

    @property
    def changes_state(self) -> bool:
        return self.method == "POST" and self.path not in ("/v1/noop", "/v1/setoff",
                                                           "/v1/food/match")


def everyone(status: int, *, delegate: int = 403) -> dict[str, int]:
    """Every role but the delegate, who holds only its vote, reading decisions and the no-op."""
    return {**dict.fromkeys(ROLES, status), "ven": delegate}


def only(allowed: dict[str, int], others: int = 403) -> dict[str, int]:
    return {role: allowed.get(role, others) for role in ROLES}


def _pacs008_of_cuba() -> bytes:
    return samples.pacs008(samples.order(
        debtor_member="CUB", creditor_member="VEN", origin="VEN", currency="XSU",
        amount="10.00", value_date="2026-07-03"), message_id="BCC-2026-0001")


def _pacs009_of_cuba() -> bytes:
    """BCC reports paying its leg of 2026-H2 (the period is open, so the leg is RJCT RC01: the
    status code is what the matrix checks)."""
    return samples.pacs009(("2026-H2/PAY/BCC", "BCC", "SUCRE", "10.00"), currency="USD",
                           message_id="BCC-SETTLE-0001")


def _invoice(key: str, debtor_member: str | None, creditor_member: str | None
             ) -> dict[str, Any]:
    body: dict[str, Any] = {"id": key, "debtor": "importer", "creditor": "exporter",
                            "amount": "10.00", "currency": "XSU"}
    if debtor_member is not None and creditor_member is not None:
        body.update(debtor_member=debtor_member, creditor_member=creditor_member)
    return {"invoices": [body]}


_STATELESS = {"invoices": [
    {"id": "1", "debtor": "10", "creditor": "20", "amount": "100.00", "currency": "XSU"},
    {"id": "2", "debtor": "20", "creditor": "10", "amount": "2400.00", "currency": "CUP"}],
    "rates": {"CUP": "0.0333333333"}}
_FOOD = {"supplies": [{"member": "NIC", "port": "Corinto", "category": "beans", "tonnes": "10",
                       "available_from": "2026-07-01"}],
         "needs": [{"member": "CUB", "port": "Havana", "category": "beans", "tonnes": "5",
                    "needed_by": "2026-07-20", "priority": "critical"}],
         "distances": [{"from_port": "Corinto", "to_port": "Havana", "nautical_miles": 1833}]}

CASES = [
    Case("submit for a BCC debtor", P.SUBMIT_ORDERS, "POST", "/v1/payment-orders",
         only({"bcc": 201}), order_body("NEW-1")),
    Case("submit for a BCV debtor", P.SUBMIT_ORDERS, "POST", "/v1/payment-orders",
         only({"bcv": 201}),
         order_body("NEW-2", debtor_member="VEN", creditor_member="CUB", origin="CUB")),
    Case("batch for a BCC debtor", P.SUBMIT_ORDERS, "POST", "/v1/payment-orders/batch",
         only({"bcc": 200}), {"orders": [order_body("NEW-3")]}),
    Case("pacs.008 for a BCC debtor", P.SUBMIT_ORDERS, "POST", "/v1/iso/pacs008",
         only({"bcc": 200}), xml=_pacs008_of_cuba()),
    Case("pacs.009 of a leg BCC paid", P.CONFIRM_SETTLEMENT, "POST", "/v1/iso/pacs009",
         only({"bcc": 200, "chamber": 200}), xml=_pacs009_of_cuba()),
    Case("read an order addressed to BCV", P.READ_ORDERS, "GET", "/v1/payment-orders/1",
         everyone(200)),
    Case("read an order BCV is no party to", P.READ_ORDERS, "GET", "/v1/payment-orders/2",
         {**everyone(200), "bcv": 404}),
    Case("list orders", P.READ_ORDERS, "GET", "/v1/payment-orders", everyone(200)),
    # BCC pays order 1: it sees the order, so it is told that only the receiver decides (403).
    Case("accept an order addressed to BCV", P.DECIDE_ORDERS, "POST",
         "/v1/payment-orders/1/accept", only({"bcv": 200, "bcc": 403})),
    Case("reject an order addressed to BCV", P.DECIDE_ORDERS, "POST",
         "/v1/payment-orders/1/reject", only({"bcv": 200, "bcc": 403}),
         {"reason_code": "MS02"}),
    Case("positions", P.READ_POSITIONS, "GET", "/v1/positions", everyone(200)),
    Case("periods", P.READ_PERIODS, "GET", "/v1/periods", everyone(200)),
    Case("propose closing the period", P.CLOSE_PERIODS, "POST", "/v1/periods/2026-H2/close",
         only({"chamber": 202})),
    Case("approve an action (none pending: 404)", P.APPROVE_ACTIONS, "POST",
         "/v1/pending-actions/9/approve", only({"chamber": 404, "council": 404})),
    Case("list pending actions", P.READ_PENDING_ACTIONS, "GET", "/v1/pending-actions",
         only({"chamber": 200, "council": 200, "auditor": 200})),
    Case("a member's settle-out (period still open: 409)", P.READ_SETTLEMENTS, "GET",
         "/v1/members/CUB/settle-out?period=2026-H2",
         only({"chamber": 409, "council": 409, "auditor": 409})),
    Case("settlement report (period still open: 409)", P.READ_SETTLEMENTS, "GET",
         "/v1/periods/2026-H2/settlement", only({"chamber": 409, "council": 409,
                                                  "auditor": 409})),
    Case("allocate", P.DECIDE_PARAMETERS, "POST", "/v1/council/allocations",
         only({"council": 201}),
         {"authority": "BCV", "effective_date": "2027-01-01", "allocation": "20000.00",
          "reference": "CE-2026-12"}),
    Case("suspend a member", P.DECIDE_PARAMETERS, "POST", "/v1/council/member-status",
         only({"council": 201}),
         {"member": "NIC", "status": "suspended", "effective_date": "2026-07-05",
          "reference": "CE-2026-13"}),
    Case("set a parameter", P.DECIDE_PARAMETERS, "POST", "/v1/council/parameters",
         only({"council": 201}),
         {"name": "corridor_alert_share", "value": "0.4", "effective_date": "2027-01-01",
          "reference": "CE-2026-14"}),
    Case("BCV's statement", P.READ_STATEMENTS, "GET", "/v1/statements/BCV?period=2026-H2",
         {**everyone(200), "bcc": 404}),
    Case("BCC's statement", P.READ_STATEMENTS, "GET", "/v1/statements/BCC?period=2026-H2",
         {**everyone(200), "bcv": 404}),
    Case("store invoices between Cuba and Venezuela", P.SUBMIT_INVOICES, "POST",
         "/v1/invoices", only({"bcv": 200, "bcc": 200, "chamber": 200}),
         _invoice("NEW-I1", "CUB", "VEN")),
    Case("store invoices between Bolivia and Nicaragua", P.SUBMIT_INVOICES, "POST",
         "/v1/invoices", only({"chamber": 200}), _invoice("NEW-I2", "BOL", "NIC")),
    Case("store invoices without member states", P.SUBMIT_INVOICES, "POST", "/v1/invoices",
         only({"chamber": 200}), _invoice("NEW-I3", None, None)),
    Case("record a set-off run", P.RUN_SETOFF, "POST", "/v1/setoff-runs",
         only({"chamber": 201}), {"value_date": "2026-07-02"}),
    Case("pay residuals", P.PAY_RESIDUALS, "POST", "/v1/invoices/residual-orders",
         only({"chamber": 200}), {"value_date": "2026-07-02"}),
    Case("list set-off runs", P.READ_SETOFF_RUNS, "GET", "/v1/setoff-runs", everyone(200)),
    Case("read a set-off run", P.READ_SETOFF_RUNS, "GET", "/v1/setoff-runs/1", everyone(200)),
    Case("read an unknown set-off run", P.READ_SETOFF_RUNS, "GET", "/v1/setoff-runs/9",
         everyone(404)),
    Case("stateless set-off", P.COMPUTE_SETOFF, "POST", "/v1/setoff", everyone(200),
         _STATELESS),
    Case("food matching", P.PLAN_FOOD, "POST", "/v1/food/match", everyone(200), _FOOD),
    Case("no-op", P.PING, "POST", "/v1/noop", everyone(200, delegate=200), order_body("NOOP")),
    Case("OpenAPI document", None, "GET", "/openapi.json", everyone(200, delegate=200)),
    Case("propose an allocation", P.PROPOSE_DECISIONS, "POST", "/v1/council/proposals",
         only({"council": 201}),
         {"kind": "allocation", "effective_date": "2027-01-01", "reference": "CE-2026-15",
          "payload": {"authority": "BCC", "allocation": "3000.00"}}),
    Case("Venezuela's vote", P.VOTE, "POST", "/v1/council/proposals/1/votes",
         only({"ven": 201}), {"member": "VEN", "vote": "yes"}),
    Case("a vote for Cuba", P.VOTE, "POST", "/v1/council/proposals/1/votes",
         only({}), {"member": "CUB", "vote": "yes"}),
    # No vote yet: the tally finds no quorum and closes the proposal as rejected (200).
    Case("adopt a proposal", P.ADOPT_DECISIONS, "POST", "/v1/council/proposals/1/adopt",
         only({"council": 200})),
    Case("list proposals", P.READ_DECISIONS, "GET", "/v1/council/proposals",
         {**everyone(200, delegate=200), "bcv": 403, "bcc": 403}),
    Case("read a proposal", P.READ_DECISIONS, "GET", "/v1/council/proposals/1",
         {**everyone(200, delegate=200), "bcv": 403, "bcc": 403}),
    Case("list decisions in force", P.READ_DECISIONS, "GET",
         "/v1/council/decisions?as_of=2026-07-01",
         {**everyone(200, delegate=200), "bcv": 403, "bcc": 403}),
    Case("read a decision", P.READ_DECISIONS, "GET", "/v1/council/decisions/1",
         {**everyone(200, delegate=200), "bcv": 403, "bcc": 403}),
    Case("the member register", P.READ_MEMBERS, "GET", "/v1/members?as_of=2026-07-01",
         everyone(200, delegate=200)),
    Case("PetroCaribe portfolio", P.READ_PETROCARIBE, "GET",
         "/v1/petrocaribe/portfolio?as_of=2026-07-02", everyone(200)),
    Case("an unknown PetroCaribe loan", P.READ_PETROCARIBE, "GET", "/v1/petrocaribe/loans/9",
         everyone(404)),
    Case("list firms", P.READ_PETROCARIBE, "GET", "/v1/firms", everyone(200)),
    Case("register a firm", P.RECORD_PETROCARIBE, "POST", "/v1/firms", only({"chamber": 201}),
         {"code": "CUB-AGRO", "name": "Cuba Agro", "member": "CUB",
          "registered_on": "2026-07-01"}),
    Case("record a supply agreement", P.RECORD_PETROCARIBE, "POST",
         "/v1/petrocaribe/agreements", only({"chamber": 201}),
         {"code": "PC-CUB", "member": "CUB", "signed_on": "2026-07-01", "reference": "PC"}),
    Case("decide a tier table", P.DECIDE_PETROCARIBE, "POST", "/v1/petrocaribe/terms",
         only({"council": 201}),
         {"tiers": "15=0.05,100=0.5", "regimes": "0=17/2/0.02", "effective_date": "2027-01-01",
          "reference": "CE-2026-17"}),
    Case("propose a buy-back (Cuba owes nothing: 409)", P.DECIDE_PETROCARIBE, "POST",
         "/v1/petrocaribe/buybacks", only({"council": 409}),
         {"member": "CUB", "price": "1.00", "effective_date": "2026-07-02",
          "reference": "CE-2026-18"}),
]


def seed_orders(client: TestClient, keys: Keys) -> None:
    for key, creditor in (("ORD-1", "VEN"), ("ORD-2", "BOL")):
        response = client.post("/v1/payment-orders", headers=auth(keys.bcc, f"seed-{key}"),
                               json=order_body(key, creditor_member=creditor, origin=creditor,
                                               amount="100.00"))
        assert response.status_code == 201, response.text


def seed_setoff(engine: Engine) -> None:
    """Invoices S1-S4 and run 1: S2 and S4 clear fully, S1 (60.00 left) and S3 (30.00) stay
    open; S1 carries goods, so its residual can become a payment order."""
    setoff_runs.store_invoices(SqlUnitOfWork(engine), [
        Invoice("S1", "alimport", "casa", 10_000, XSU, "CUB", "VEN", hs_code="100630",
                quantity="10", unit="t", customs_ref="DUA-S1"),
        Invoice("S2", "casa", "alimport", 4_000, XSU, "VEN", "CUB"),
        Invoice("S3", "sojabol", "enacal", 5_000, XSU, "BOL", "NIC"),
        Invoice("S4", "enacal", "sojabol", 2_000, XSU, "NIC", "BOL")])
    assert setoff_runs.run_setoff(SqlUnitOfWork(engine), dt.date(2026, 7, 2)).run_id == 1


def send(client: TestClient, case: Case, headers: dict[str, str]) -> Any:
    if case.xml is not None:
        headers = {**headers, "Content-Type": "application/xml"}
        return client.request(case.method, case.path, headers=headers, content=case.xml)
    return client.request(case.method, case.path, headers=headers, json=case.body)


def seed_proposal(engine: Engine) -> None:
    """Proposal 1: BCC's allocation raised to 3,000.00 XSU from 2027 (open, no vote yet)."""
    proposal = council.propose(SqlUnitOfWork(engine), "allocation", dt.date(2027, 1, 1),
                               "CE-2026-16", {"authority": "BCC", "allocation": "3000.00"},
                               proposed_by=council.CLI_ACTOR)
    assert proposal.id == 1


def business_state(engine: Engine) -> tuple[Any, ...]:
    with engine.connect() as conn:
        setoff: list[Any] = [conn.execute(select(func.count()).select_from(table)).scalar_one()
                             for table in (t.invoices, t.setoff_runs, t.setoff_clearings,
                                           t.proposals, t.votes)]
        setoff.append(conn.execute(select(func.sum(t.invoices.c.remaining_minor))).scalar())
    return world.row_counts(engine), world.position_sums(engine), setoff


def role_of(name: str) -> Role:
    named = {"bcv": Role.OPERATOR, "bcc": Role.OPERATOR, "ven": Role.DELEGATE}
    return named.get(name) or Role(name)


def contract_scope(name: str, permission: Permission | None) -> Scope | None:
    """The scope the policy contract (not the code under test) gives ``name`` for a case."""
    if permission is None:
        return Scope.ALL  # a route any valid key may use
    return POLICY_CONTRACT[permission][POLICY_ROLES.index(role_of(name))]


def http_cells() -> list[tuple[Case, str]]:
    """The cells sent over HTTP: per case, every role with a narrowed scope, and of the others
    the first role with each (status, scope)."""
    cells = []
    for case in CASES:
        seen = set()
        for role in ROLES:
            scope = contract_scope(role, case.permission)
            narrowed = scope in (Scope.AUTHORITY, Scope.MEMBER_STATE, Scope.MEMBER)
            kind = (case.expected[role], scope, role if narrowed else None)
            if kind not in seen:
                seen.add(kind)
                cells.append((case, role))
    return cells


@pytest.mark.parametrize(("case", "role"), http_cells(),
                         ids=[f"{c.name}-{r}" for c, r in http_cells()])
def test_role_matrix(engine: Engine, client: TestClient, keys: Keys, case: Case,
                     role: str) -> None:
    seed_orders(client, keys)
    seed_setoff(engine)
    seed_proposal(engine)
    before = business_state(engine)
    headers = auth(keys.of(role), "matrix-1" if case.changes_state else None)
    response = send(client, case, headers)
    expected = case.expected[role]
    assert response.status_code == expected, response.text
    if expected >= 400:
        assert response.json()["error"]["code"]
        assert business_state(engine) == before, "a refused request wrote nothing"


def required_permissions(route: Any) -> set[Permission]:
    """The permissions the route's ``allowed(...)`` dependencies require."""
    found: set[Permission] = set()
    pending = list(route.dependant.dependencies)
    while pending:
        dependant = pending.pop()
        permission = getattr(dependant.call, "__dict__", {}).get("permission")
        if permission is not None:
            found.add(permission)
        pending.extend(dependant.dependencies)
    return found


def api_routes(routes: Any) -> list[APIRoute]:
    """Every API route, looking into included routers."""
    found = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        nested = getattr(route, "original_router", route)
        found += api_routes(getattr(nested, "routes", []))
    return found


def test_every_route_requires_its_cases_permission(engine: Engine) -> None:
    """Route -> permission: with the policy table, what every cell not sent would check."""
    every_route = api_routes(create_app(engine).routes)
    assert len(every_route) >= 20
    for case in CASES:
        path = case.path.split("?")[0]
        scope = {"type": "http", "method": case.method, "path": path, "root_path": ""}
        routes = [r for r in every_route if r.matches(scope)[0] is Match.FULL]
        if case.permission is None:
            assert not routes or not required_permissions(routes[0]), case.name
            continue
        assert len(routes) == 1, case.name
        assert required_permissions(routes[0]) == {case.permission}, case.name


def test_the_http_cells_cover_every_case_and_every_narrowed_scope() -> None:
    cells = http_cells()
    assert {case.name for case, _ in cells} == {case.name for case in CASES}
    for case in CASES:
        for role in ROLES:
            if contract_scope(role, case.permission) not in (Scope.ALL, None):
                assert (case, role) in cells, (case.name, role)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_endpoint_needs_a_key(engine: Engine, client: TestClient, keys: Keys,
                                    case: Case) -> None:
    before = business_state(engine)
    response = send(client, case, {"Idempotency-Key": "anonymous-1"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "AUTH"
    assert business_state(engine) == before


def test_health_needs_no_key(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_operator_sees_only_its_authority(client: TestClient, keys: Keys) -> None:
    seed_orders(client, keys)
    listed = client.get("/v1/payment-orders", headers=auth(keys.bcv)).json()["items"]
    assert [o["order_key"] for o in listed] == ["ORD-1"]
    assert client.get("/v1/payment-orders", headers=auth(keys.auditor)).json()["items"][1][
        "order_key"] == "ORD-2"
    positions = client.get("/v1/positions", headers=auth(keys.bcv)).json()
    assert set(positions["authorities"]) == {"BCV"}
    assert set(client.get("/v1/positions", headers=auth(keys.chamber)).json()["authorities"]
               ) == {"BCB", "BCC", "BCN", "BCV", "ECCB"}
    other = client.get("/v1/payment-orders?authority=BCC", headers=auth(keys.bcv))
    assert other.status_code == 403


def test_another_authoritys_order_leaks_nothing(client: TestClient, keys: Keys) -> None:
    """BCV's operator gets the same 404 for BCC's order as for an order that does not exist."""
    seed_orders(client, keys)
    hidden = client.get("/v1/payment-orders/2", headers=auth(keys.bcv))
    missing = client.get("/v1/payment-orders/999", headers=auth(keys.bcv))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"]["message"].replace("2", "N") == (
        missing.json()["error"]["message"].replace("999", "N"))
    for path in ("/v1/payment-orders/2/accept", "/v1/payment-orders/2/reject"):
        response = client.post(path, headers=auth(keys.bcv, f"k{path[-6:]}"))
        assert response.status_code == 404
        assert "BOL" not in response.text and "CUB" not in response.text


def test_an_operator_sees_the_whole_run_but_only_its_member_states_clearings(
        engine: Engine, client: TestClient, keys: Keys) -> None:
    seed_setoff(engine)
    readers = [role for role in ROLES if role != "ven"]  # a delegate reads no set-off run
    seen = {role: client.get("/v1/setoff-runs/1", headers=auth(keys.of(role))).json()
            for role in readers}
    assert [c["id"] for c in seen["chamber"]["clearings"]] == ["S1", "S2", "S3", "S4"]
    assert seen["chamber"]["clearings_members"] is None
    assert [c["id"] for c in seen["bcv"]["clearings"]] == ["S1", "S2"]
    assert seen["bcv"]["clearings_members"] == ["VEN"]
    assert seen["bcv"]["clearings_total"] == 2
    assert [c["id"] for c in seen["bcc"]["clearings"]] == ["S1", "S2"]
    assert seen["council"] == seen["auditor"] == seen["chamber"]
    whole_run = ("total_debt", "cleared", "remaining", "members", "certificate", "invoices")
    for role in readers:
        assert {k: seen[role][k] for k in whole_run} == {
            k: seen["chamber"][k] for k in whole_run}, role
    assert set(seen["bcv"]["members"]) == {"BOL", "CUB", "NIC", "VEN"}
    listed = client.get("/v1/setoff-runs", headers=auth(keys.bcv)).json()["runs"]
    assert [(r["run_id"], r["cleared"]) for r in listed] == [(1, "120.00")]
