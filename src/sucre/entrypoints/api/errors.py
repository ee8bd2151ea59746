"""The one translation of errors into HTTP responses.

Every error body has one shape, :class:`ErrorBody`::

    {"error": {"code": "AM12", "message": "...", "field": "amount", "details": null}}

``code`` is the error's ISO 20022 ExternalStatusReason code where one exists (the same code a
pacs.002 would carry), else a sucre code (``AUTH``, ``NARR``). ``field`` names the offending field
or header. ``details`` lists every problem found when a body fails schema validation.

The table (first match along the error's class hierarchy wins)::

    error                                       status  code
    NotAuthenticated (missing/bad/revoked key)  401     AUTH   + WWW-Authenticate: Bearer
    AccessDenied (role or authority may not)    403     AG01
    BadIdempotencyKey (header missing/bad)      400     CH21 missing, FF01 malformed
    BodyTooLarge                                413     FF01
    BodyTooSlow (body not sent in time)         408     FF01   + Connection: close
    UnknownParty (incl. another authority's)    404     RC01/BE09
    IdempotencyConflict (same key, other body)  409     DUPL
    InvalidState (period or order state)        409     NARR
    InsufficientPosition                        422     AM04
    PartyNotActive (member suspended/withdrawn) 422     AG01/AC04
    LimitExceeded (batch, page, statement)      422     FF01
    InvalidInput family (amount, date, ...)     422     FF01/AM12/AM01/AM02/AM03/DT01
    other SucreError                            422     its code
    body fails the schema (types, extra fields) 422     FF01   (details: every problem)
    body is not JSON                            400     FF01
    unknown path / method (routing)             404/405 NARR
    database unreachable, or still deadlocked   503     NARR   + Retry-After (not applied;
      after its retries (OperationalError)                      a retry with the same key is
                                                                applied once)
    anything else (a bug)                       500     NARR   (logged; no detail leaks)

PartyNotActive is a 422, not a 403: the caller is allowed to act; the order's party is not.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException

from sucre import bounds
from sucre.adapters.db.engine import is_transient
from sucre.domain import decimal_text, text
from sucre.domain.errors import (
    AccessDenied,
    BadIdempotencyKey,
    IdempotencyConflict,
    InsufficientPosition,
    InvalidInput,
    InvalidState,
    LimitExceeded,
    NotAuthenticated,
    PartyNotActive,
    SucreError,
    UnknownParty,
)

log = logging.getLogger("sucre.api")


class BodyTooLarge(LimitExceeded):
    """The request body is over its bound in :mod:`sucre.bounds` (HTTP 413)."""


class BodyTooSlow(LimitExceeded):
    """The request body did not arrive within the client timeout (HTTP 408, connection closed)."""


#: Error class -> HTTP status (the table of the module docstring).
STATUS_BY_ERROR: Mapping[type[SucreError], int] = {
    NotAuthenticated: 401,
    AccessDenied: 403,
    BadIdempotencyKey: 400,
    BodyTooLarge: 413,
    BodyTooSlow: 408,
    UnknownParty: 404,
    IdempotencyConflict: 409,
    InvalidState: 409,
    InsufficientPosition: 422,
    PartyNotActive: 422,
    LimitExceeded: 422,
    InvalidInput: 422,
    SucreError: 422,
}

NARRATIVE = "NARR"  # ISO "reason given in the narrative": for errors sucre has no code for
_IDEMPOTENCY_HEADER = "idempotency-key"


class ErrorIssue(BaseModel):
    field: str | None = Field(description="Dotted path of the offending field, if any.")
    message: str


class ErrorDetail(BaseModel):
    code: str = Field(description="ISO 20022 ExternalStatusReason code, or AUTH / NARR.",
                      examples=["AM12"])
    message: str = Field(description="What is wrong, for a human.")
    field: str | None = Field(default=None, description="The offending field or header.")
    details: list[ErrorIssue] | None = Field(
        default=None, description="Every problem found, when a body fails schema validation.")


class ErrorBody(BaseModel):
    """The body of every 4xx and 5xx response."""

    error: ErrorDetail


def status_for(error: SucreError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 422  # unreachable: SucreError is in the table


def error_body(code: str, message: str, field: str | None = None,
               details: Sequence[ErrorIssue] | None = None) -> dict[str, Any]:
    detail = ErrorDetail(code=code, message=message, field=field,
                         details=list(details) if details is not None else None)
    return ErrorBody(error=detail).model_dump(mode="json")


def error_response(error: SucreError) -> JSONResponse:
    """The response for a domain error (the one place a SucreError becomes HTTP)."""
    status = status_for(error)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else (
        {"Connection": "close"} if status == 408 else None)
    return JSONResponse(error_body(error.reason_code, error.message, error.field),
                        status_code=status, headers=headers)


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database cannot be reached or keeps aborting the transaction
    (the request was not applied: the caller should retry later)."""
    return isinstance(error, OperationalError) or (
        isinstance(error, DBAPIError) and is_transient(error))


#: A request cut off by the database was not applied, with one exception no server can rule out:
#: a connection lost while its COMMIT was under way. The retry with the same Idempotency-Key
#: covers both (it runs the request, or replays the answer that committed with it).
UNAVAILABLE_MESSAGE = ("the database is unavailable or busy; the request was not completed: "
                       "retry later (a state-changing request with the same Idempotency-Key "
                       "is applied once)")


def unavailable_response() -> JSONResponse:
    return JSONResponse(error_body(NARRATIVE, UNAVAILABLE_MESSAGE), status_code=503,
                        headers={"Retry-After": str(bounds.api_retry_after_s)})


def validation_response(error: RequestValidationError) -> JSONResponse:
    """Schema failures in the same shape: 400 for non-JSON or a bad Idempotency-Key, else 422."""
    problems = list(error.errors())
    issues = [ErrorIssue(field=_field(p["loc"]), message=_message(p)) for p in problems]
    if any(p["type"] == "json_invalid" for p in problems):
        return JSONResponse(error_body("FF01", "the body is not valid JSON", None, issues),
                            status_code=400)
    header = [p for p in problems if _is_idempotency_header(p["loc"])]
    if header:
        missing = header[0]["type"] == "missing"
        chars_max = bounds.api_idempotency_key_chars_max
        message = ("an Idempotency-Key header is required on every state-changing request"
                   if missing else f"Idempotency-Key must be 1 to {chars_max} visible ASCII "
                   "characters")
        return JSONResponse(error_body("CH21" if missing else "FF01", message, "Idempotency-Key"),
                            status_code=400)
    first = issues[0] if issues else ErrorIssue(field=None, message="invalid request")
    return JSONResponse(error_body("FF01", first.message, first.field, issues), status_code=422)


def _message(problem: Mapping[str, Any]) -> str:
    """A schema problem in words; a number that breaks the decimal-text rule is told the rule
    (the same words as the CLI's), not the regular expression that carries it."""
    pattern = str((problem.get("ctx") or {}).get("pattern", ""))
    if problem["type"] == "string_pattern_mismatch" and decimal_text.PATTERN in pattern:
        return f"not a number (decimal text: {decimal_text.RULE})"
    if problem["type"] == "string_pattern_mismatch" and text.CONTROL_CLASS in pattern:
        return ("must be visible text, not blank, without control or bidirectional formatting "
                "characters")
    return str(problem["msg"])


def _field(location: Sequence[Any]) -> str | None:
    parts = [str(part) for part in location]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts) or None


def _is_idempotency_header(location: Sequence[Any]) -> bool:
    return (len(location) >= 2 and location[0] == "header"
            and str(location[1]).lower() == _IDEMPOTENCY_HEADER)


def install(app: FastAPI) -> None:
    """Register the handlers: domain errors, schema failures, routing errors, bugs."""

    async def on_domain_error(_: Request, error: Exception) -> JSONResponse:
        if not isinstance(error, SucreError):
            raise error
        return error_response(error)

    async def on_validation_error(_: Request, error: Exception) -> JSONResponse:
        if not isinstance(error, RequestValidationError):
            raise error
        return validation_response(error)

    async def on_http_error(_: Request, error: Exception) -> JSONResponse:
        if not isinstance(error, HTTPException):
            raise error
        return JSONResponse(error_body(NARRATIVE, str(error.detail)),
                            status_code=error.status_code, headers=error.headers)

    async def on_bug(request: Request, error: Exception) -> JSONResponse:
        if database_unavailable(error):
            log.warning("database unavailable on %s %s: %s", request.method, request.url.path,
                        type(error).__name__)
            return unavailable_response()
        log.error("internal error on %s %s", request.method, request.url.path, exc_info=error)
        return JSONResponse(error_body(NARRATIVE, "internal error"), status_code=500)

    app.add_exception_handler(SucreError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(Exception, on_bug)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route may answer (all with :class:`ErrorBody`)."""
    described = {
        400: "Malformed JSON, or the Idempotency-Key header is missing or malformed.",
        401: "No API key, or a malformed, unknown or revoked one.",
        403: "The caller's role (or authority) may not do this.",
        404: "Unknown, or not visible to the caller (another authority's data).",
        409: "Idempotency-Key reused with another method, path or body (DUPL), or a state "
             "conflict (NARR).",
        413: "The request body is larger than allowed.",
        422: "The request is well-formed but invalid (schema or business rule).",
        503: "The database is unavailable or busy; retry after Retry-After seconds with the "
             "same Idempotency-Key (the request is applied once).",
    }
    return {status: {"model": ErrorBody, "description": described[status]}
            for status in statuses}
