"""Bodies of the member register's route (``GET /v1/members``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from sucre.service.reports import MembersReport, members_json


class MemberOut(BaseModel):
    code: str = Field(description="ISO 3166-1 alpha-3, e.g. BOL.")
    name: str
    status: Literal["member", "suspended"] = Field(
        description="member: in good standing; suspended: may be paid but cannot pay.")
    authority: str = Field(description="The monetary authority that clears for it, e.g. BCB.")
    authority_name: str
    currency: str
    since: dt.date = Field(description="First day of its current uninterrupted membership "
                                       "(a suspension does not interrupt it, a withdrawal "
                                       "does).")


class MembersOut(BaseModel):
    as_of: dt.date
    members: list[MemberOut] = Field(description="The member states on that day (not those "
                                                 "withdrawn or not yet admitted).")

    @classmethod
    def of(cls, report: MembersReport) -> MembersOut:
        return cls.model_validate(members_json(report))
