"""The firms repository (:class:`sucre.service.unit_of_work.Firms`) over SQLAlchemy."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from sucre.adapters.db import tables as t
from sucre.adapters.db.repositories import SqlRepository, now
from sucre.domain.firms import Firm
from sucre.domain.members import MemberCode


def _firm(row: Any) -> Firm:
    return Firm(row.code, row.name, MemberCode(row.member), row.registered_on)


class SqlFirms(SqlRepository):
    def add(self, firm: Firm) -> None:
        self.conn.execute(insert(t.firms).values(
            code=firm.code, name=firm.name, member=firm.member,
            registered_on=firm.registered_on, created_at=now()))

    def by_code(self, code: str) -> Firm | None:
        row = self.conn.execute(select(t.firms).where(t.firms.c.code == code)).first()
        return None if row is None else _firm(row)

    def id_of(self, code: str) -> int | None:
        found = self.conn.execute(select(t.firms.c.id).where(t.firms.c.code == code)
                                  ).scalar_one_or_none()
        return None if found is None else int(found)

    def listed(self, member: MemberCode | None = None) -> list[Firm]:
        query = select(t.firms).order_by(t.firms.c.code)
        if member is not None:
            query = query.where(t.firms.c.member == member)
        return [_firm(r) for r in self.conn.execute(query)]
