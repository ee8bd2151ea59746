"""Route dependencies: the engine, the caller and its permission, and idempotent execution.

The dependencies do no I/O, so they are ``async``: FastAPI then runs them on the event loop
instead of handing each to the thread pool (a measurable cost per request).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response, Security
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from sucre import bounds
from sucre.adapters.db.engine import retry_transient
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.errors import InvalidInput, InvariantBroken, SucreError, invariant
from sucre.domain.roles import Grant, Permission, Principal, authorize
from sucre.entrypoints.api.errors import error_response
from sucre.service import idempotency
from sucre.service.idempotency import StoredResponse

#: Documents the scheme in OpenAPI; the key itself is checked by the gate before routing.
api_key_scheme = HTTPBearer(
    scheme_name="ApiKey", auto_error=False,
    description="An API key `sk_<key_id>_<secret>` sent as `Authorization: Bearer sk_...`.")

REPLAYED_HEADER = "Idempotency-Replayed"


async def engine(request: Request) -> Engine:
    found = request.app.state.engine
    if not isinstance(found, Engine):
        raise InvariantBroken("the app holds its engine")
    return found


async def unit_of_work(request: Request) -> SqlUnitOfWork:
    """The request's unit of work (one per request: the route and its idempotency record share
    it, so that both commit in one transaction)."""
    return SqlUnitOfWork(await engine(request))


async def principal(request: Request,
              _: Annotated[HTTPAuthorizationCredentials | None, Security(api_key_scheme)]
              ) -> Principal:
    found = getattr(request.state, "principal", None)
    if not isinstance(found, Principal):
        raise InvariantBroken("the gate authenticated every routed request")
    return found


def _declared_query(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _declared_query(sub)
    return names


async def known_query_only(request: Request) -> None:
    """Refuse query parameters the route does not declare (as bodies refuse unknown fields)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    unknown = sorted(set(request.query_params) - _declared_query(route.dependant))
    if unknown:
        raise InvalidInput(f"unknown query parameter {unknown[0]!r}", field=unknown[0])


def allowed(permission: Permission) -> Callable[[Principal], Awaitable[Grant]]:
    """A dependency: the caller's grant of ``permission`` (403 if its role does not hold it).

    This is the one check of the role policy per request: the scoped use cases
    (:mod:`sucre.service.access`) take the grant and read its scope; they never ask again.
    """

    async def dependency(caller: Annotated[Principal, Depends(principal)]) -> Grant:
        return authorize(caller, permission)

    # Read by the test that every route requires the permission its contract says.
    dependency.__dict__["permission"] = permission
    return dependency


EngineDep = Annotated[Engine, Depends(engine)]
UnitOfWorkDep = Annotated[SqlUnitOfWork, Depends(unit_of_work)]
IdempotencyKeyHeader = Annotated[str, Header(
    alias="Idempotency-Key", min_length=1, max_length=bounds.api_idempotency_key_chars_max,
    pattern=r"^[\x21-\x7e]+$",
    description=("Required on every state-changing request. A retry with the same key and the "
                 "same body gets the stored response (with `Idempotency-Replayed: true`); the "
                 "same key with another body is refused (409)."))]


@dataclass(frozen=True, slots=True)
class Idempotent:
    """Runs a state-changing action at most once per (client, Idempotency-Key).

    The key's record, the action and its stored response are one transaction: the request's
    unit of work (``uow``, shared with the route) is entered here, and the use case's own block
    is a savepoint inside it (:mod:`sucre.service.unit_of_work`).
    """

    uow: SqlUnitOfWork
    principal: Principal
    key: str
    method: str
    path: str
    body_sha256: str
    state: Any  # the request's state: ``access_logged`` tells the gate the row is written

    def run(self, action: Callable[[], tuple[int, BaseModel]]) -> Response:
        """:meth:`run_raw` for an action answering a status and a JSON body."""

        def respond() -> Response:
            status, payload = action()
            return JSONResponse(payload.model_dump(mode="json"), status_code=status)

        return self.run_raw(respond)

    def run_raw(self, action: Callable[[], Response]) -> Response:
        """Replay the stored response, or run ``action`` and store what it answered.

        Domain errors are answers too (a retry gets the same 4xx); an unexpected exception
        undoes the whole transaction, key included, and propagates (500), so that a retry runs
        the action again.
        """
        try:
            return self._once(action)
        except IntegrityError:
            # PostgreSQL: a concurrent request with this key committed first (our insert of
            # the key waited for it, then failed): answer with its stored response.
            return self._once(action)

    @retry_transient
    def _once(self, action: Callable[[], Response]) -> Response:
        with self.uow:
            stored = idempotency.reserve(self.uow, self.principal, self.key, self.method,
                                         self.path, self.body_sha256)
            if stored is not None:
                return Response(stored.body, status_code=stored.status_code,
                                media_type=stored.media_type, headers={REPLAYED_HEADER: "true"})
            try:
                # The use case's own block is a savepoint of this transaction: a refused
                # action leaves nothing of that block behind.
                response = action()
            except SucreError as error:
                response = error_response(error)
            idempotency.answer(self.uow, self.principal, self.key,
                               StoredResponse(response.status_code,
                                              response.media_type or "application/json",
                                              bytes(response.body)),
                               logged_as=(self.method, self.path))
            self.uow.commit()
        self.state.access_logged = True
        return response


async def idempotent(request: Request, key: IdempotencyKeyHeader, db: UnitOfWorkDep,
                     caller: Annotated[Principal, Depends(principal)]) -> Idempotent:
    checked = idempotency.idempotency_key(key)
    body_sha256 = getattr(request.state, "body_sha256", None)
    invariant(isinstance(body_sha256, str), "the gate hashed the body")
    return Idempotent(db, caller, checked, request.method, request.url.path, str(body_sha256),
                      request.state)


IdempotentDep = Annotated[Idempotent, Depends(idempotent)]
