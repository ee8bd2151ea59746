"""The bloc's member register: who was a member state on a day (public: every role reads it)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from sucre import bootstrap
from sucre.domain.roles import Grant, Permission
from sucre.entrypoints.api.deps import UnitOfWorkDep, allowed
from sucre.entrypoints.api.errors import responses
from sucre.entrypoints.api.schemas.fields import IsoDate
from sucre.entrypoints.api.schemas.members import MembersOut
from sucre.service import reports

router = APIRouter(tags=["members"])


@router.get("/v1/members", response_model=MembersOut, summary="The member states on a date",
            responses=responses(401, 403, 422))
def members(caller: Annotated[Grant, Depends(allowed(Permission.READ_MEMBERS))],
            db: UnitOfWorkDep,
            as_of: Annotated[IsoDate | None, Query(
                description="The bloc on this date, YYYY-MM-DD (default: today).")] = None
            ) -> MembersOut:
    """Each member state on that day with its central bank, its status (member or suspended)
    and since when: what `sucre members --as-of DATE --json` prints."""
    day = as_of or bootstrap.today() or dt.datetime.now(dt.UTC).date()
    return MembersOut.of(reports.members_report(db, day))
