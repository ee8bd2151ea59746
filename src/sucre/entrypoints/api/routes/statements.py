"""Statements of an authority's XSU account: JSON, or camt.053.001.08 XML."""

from __future__ import annotations

import enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from sucre.adapters.iso20022.camt053 import build_camt053
from sucre.domain.roles import Grant, Permission
from sucre.entrypoints.api.deps import UnitOfWorkDep, allowed
from sucre.entrypoints.api.errors import responses
from sucre.entrypoints.api.schemas.statements import StatementOut
from sucre.service import access

router = APIRouter(prefix="/v1/statements", tags=["statements"])

XML = "application/xml"


class StatementFormat(enum.StrEnum):
    JSON = "json"
    CAMT053 = "camt053"


_OK: dict[int | str, dict[str, Any]] = {200: {
    "description": "The statement: JSON, or camt.053.001.08 with format=camt053.",
    "content": {XML: {"schema": {"type": "string"}}}}}


@router.get("/{authority}", response_model=StatementOut,
            summary="Statement of an authority's XSU account for a period",
            responses={**_OK, **responses(401, 403, 404, 422)})
def statement(
    authority: Annotated[str, Path(max_length=12, pattern=r"^[A-Za-z0-9]+$")],
    caller: Annotated[Grant, Depends(allowed(Permission.READ_STATEMENTS))],
    db: UnitOfWorkDep,
    period: Annotated[str, Query(max_length=16, description="Period code, e.g. 2026-H2.")],
    format: Annotated[StatementFormat, Query(  # the query parameter's name
        description="json (default) or camt053 (ISO 20022 XML, validated against the official "
                    "XSD).")] = StatementFormat.JSON,
) -> Response | StatementOut:
    """Every posting on the account over the period, opening and closing balances. An operator
    reads its own authority's statement only (another authority's answers 404)."""
    found = access.statement(db, caller, authority, period)
    if format is StatementFormat.CAMT053:
        return Response(build_camt053(found.account), media_type=XML)
    return StatementOut.of(found)
