"""ISO 20022 uploads: a pacs.008 (payment orders) or a pacs.009 (settlement legs paid) in, its
pacs.002 status report out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from sucre import bounds
from sucre.domain.roles import Grant, Permission
from sucre.entrypoints.api.deps import IdempotentDep, UnitOfWorkDep, allowed
from sucre.entrypoints.api.errors import responses
from sucre.service import access, messaging

router = APIRouter(prefix="/v1/iso", tags=["ISO 20022"])

XML = "application/xml"


async def xml_body(request: Request) -> bytes:
    """The raw body (already bounded and buffered by the gate)."""
    return await request.body()


_BODY: dict[str, Any] = {"requestBody": {
    "required": True,
    "description": f"A pacs.008.001.08 message, at most {bounds.api_xml_body_bytes_max} bytes.",
    "content": {XML: {"schema": {"type": "string"}}}}}
_BODY_009: dict[str, Any] = {"requestBody": {
    "required": True,
    "description": f"A pacs.009.001.08 message, at most {bounds.api_xml_body_bytes_max} bytes: "
                   "one CdtTrfTxInf per settlement leg paid, EndToEndId = the instruction's "
                   "reference (e.g. 2026-H2/PAY/BCC), Dbtr/Cdtr = ClrSysMmbId/MmbId of the "
                   "authority and of the chamber (SUCRE).",
    "content": {XML: {"schema": {"type": "string"}}}}}
_OK_009: dict[int | str, dict[str, Any]] = {200: {
    "description": "The pacs.002.001.10 status report: ACSC per leg confirmed (or resent), RJCT "
                   "with its ISO reason code per refused one (AM09 amount, AM03 currency, RC01 "
                   "unknown party or instruction, DUPL already confirmed), or a group RJCT for a "
                   "message that is wrong as a whole.",
    "content": {XML: {"schema": {"type": "string"}}}}}
_OK: dict[int | str, dict[str, Any]] = {200: {
    "description": "The pacs.002.001.10 status report: ACSP per accepted transaction, RJCT with "
                   "its ISO reason code per refused one, or a group RJCT for a message that is "
                   "wrong as a whole (count, sums, duplicate ids).",
    "content": {XML: {"schema": {"type": "string"}}}}}


@router.post("/pacs008", summary="Submit a pacs.008 (one payment order per transaction)",
             openapi_extra=_BODY, response_class=Response,
             responses={**_OK, **responses(400, 401, 403, 409, 413, 422)})
def pacs008(caller: Annotated[Grant, Depends(allowed(Permission.SUBMIT_ORDERS))],
            uow: UnitOfWorkDep, idempotent: IdempotentDep,
            data: Annotated[bytes, Depends(xml_body)]) -> Response:
    """A message that is not XML, unsafe (DTD, entities), too large or schema-invalid is refused
    with a JSON error (422/413) and nothing is written. An operator may only pay for debtors its
    authority serves (403 otherwise)."""

    def action() -> Response:
        outcome = messaging.submit_pacs008(uow, data, check=access.pacs008_check(uow, caller))
        return Response(outcome.report, media_type=XML)

    return idempotent.run_raw(action)


@router.post("/pacs009",
             summary="Confirm settlement legs paid with a pacs.009 (one leg per transaction)",
             openapi_extra=_BODY_009, response_class=Response,
             responses={**_OK_009, **responses(400, 401, 403, 409, 413, 422)})
def pacs009(caller: Annotated[Grant, Depends(allowed(Permission.CONFIRM_SETTLEMENT))],
            uow: UnitOfWorkDep, idempotent: IdempotentDep,
            data: Annotated[bytes, Depends(xml_body)]) -> Response:
    """Each leg confirms that one hard-currency instruction of a settled period was paid. An
    operator may only confirm legs its own authority paid (``Dbtr``; 403 otherwise); the chamber
    may confirm any. A message that is not XML, unsafe, too large or schema-invalid is refused
    with a JSON error (422/413) and nothing is written."""

    def action() -> Response:
        access.check_pacs009(uow, caller, data)
        outcome = messaging.submit_pacs009(uow, data)
        return Response(outcome.report, media_type=XML)

    return idempotent.run_raw(action)
