"""The FastAPI application: ``create_app(engine)``.

Routes call the service layer only (each route's ``allowed(permission)`` grants the permission
once, by the table of :mod:`sucre.domain.roles`; :mod:`sucre.service.access` applies its scope
around payments, reports and messaging; closing, registry and setoff_runs are called as they
are); errors are translated in one place
(:mod:`.errors`); every request but ``/health`` passes the :class:`~.gate.Gate` (authentication,
body bound, access log). The OpenAPI document is served at ``/openapi.json`` to authenticated
callers; there is no interactive documentation page (it could not authenticate its own fetch).
"""

from __future__ import annotations

from fastapi import Depends, FastAPI
from sqlalchemy import Engine

from sucre import bounds
from sucre.entrypoints.api import errors
from sucre.entrypoints.api.deps import known_query_only
from sucre.entrypoints.api.gate import Gate
from sucre.entrypoints.api.routes import (
    council,
    food,
    four_eyes,
    funds,
    iso,
    members,
    orders,
    periods,
    petrocaribe,
    setoff,
    statements,
    system,
)

DESCRIPTION = """\
The Central Clearing Chamber of the SUCRE: payment orders between the ALBA-TCP bloc's central
banks, cleared in XSU and settled per period.

* **Authentication**: every request but `/health` carries an API key,
  `Authorization: Bearer sk_<key_id>_<secret>` (401 otherwise).
* **Roles**: `operator` (one central bank: its own orders, positions and statements, and the
  settlement legs it paid; another authority's order is 404; stores trade invoices naming its
  authority's member states), `chamber` (closes periods, confirms any settlement leg, stores
  any invoice, records set-off runs and pays their residuals; reads all), `council`
  (allocations, member status, parameters; creates joint funds and approves their projects;
  reads all), `auditor` (reads all). Every role, delegates included, reads the member register
  (`GET /v1/members?as_of=`). A role that may not act gets 403.
* **Joint funds** (`/v1/funds`): the council creates funds and approves projects, the chamber
  records pledges, contributions and tranches; an operator reads the funds its member states
  take part in (the totals whole, only its own member states' lines and movements).
* **Four eyes**: closing a period, and an allocation raising a limit by more than the council
  parameter `four_eyes_limit_raise_minor`, are proposed by one key (202, a pending action) and
  run when a key of another client of the same role approves them
  (`POST /v1/pending-actions/{id}/approve`); the proposer's own key is refused (403).
* **Set-off**: every role reads the recorded runs (summary and per-member-state table are
  bloc-wide; an operator's page of clearings lists only invoices of its member states) and may
  solve a stateless set-off (`POST /v1/setoff`: nothing is stored, no Idempotency-Key).
* **PetroCaribe**: the council decides tier tables and proposes buy-backs (four eyes), the
  chamber records agreements, shipments, deliveries in goods, repayments and firms; an
  operator reads the loans of its authority's member states, the others all of them.
* **Idempotency**: every POST that changes state requires `Idempotency-Key`; a retry with the
  same body gets the stored response with `Idempotency-Replayed: true`, another body gets 409.
* **Amounts** are decimal strings (`"1000.00"`), never JSON numbers.
* **Errors**: `{"error": {"code", "message", "field", "details"}}`, `code` being the ISO 20022
  status reason where one exists.
"""


def create_app(engine: Engine,
               client_seconds: float = bounds.api_client_seconds_default) -> FastAPI:
    """The API on ``engine`` (a migrated database; see :func:`sucre.bootstrap.database`);
    a request body must arrive within ``client_seconds``."""
    app = FastAPI(title="sucre clearing chamber API", version="1", description=DESCRIPTION,
                  docs_url=None, redoc_url=None, dependencies=[Depends(known_query_only)])
    app.state.engine = engine
    errors.install(app)
    for module in (orders, periods, members, four_eyes, council, funds, petrocaribe, statements,
                   iso, setoff, system, food):
        app.include_router(module.router)
    app.add_middleware(Gate, engine=engine, client_seconds=client_seconds)
    return app
