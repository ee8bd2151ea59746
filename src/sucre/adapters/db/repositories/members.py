"""The member-state and monetary-authority repository (:class:`sucre.service.unit_of_work.Members`)
over SQLAlchemy."""

from __future__ import annotations

from sqlalchemy import func, insert, select, update

from sucre.adapters.db import tables as t
from sucre.adapters.db.repositories import SqlRepository
from sucre.domain.members import (
    AuthorityCode,
    MemberCode,
    MemberState,
    MemberStatus,
    MonetaryAuthority,
)
from sucre.domain.money import CurrencyCode


class SqlMembers(SqlRepository):
    def authorities(self) -> dict[AuthorityCode, MonetaryAuthority]:
        a = t.authorities.c
        rows = self.conn.execute(select(a.code, a.name, a.currency))
        return {AuthorityCode(r.code): MonetaryAuthority(AuthorityCode(r.code), r.name,
                                                         CurrencyCode(r.currency)) for r in rows}

    def authority_ids(self) -> dict[AuthorityCode, int]:
        rows = self.conn.execute(select(t.authorities.c.code, t.authorities.c.id))
        return {AuthorityCode(r.code): r.id for r in rows}

    def member_ids(self) -> dict[MemberCode, int]:
        rows = self.conn.execute(select(t.members.c.code, t.members.c.id))
        return {MemberCode(r.code): r.id for r in rows}

    def members(self) -> dict[MemberCode, MemberState]:
        query = select(t.members.c.code, t.members.c.name, t.members.c.status,
                       t.authorities.c.code.label("authority")).join(t.authorities)
        return {MemberCode(r.code): MemberState(MemberCode(r.code), r.name,
                                                AuthorityCode(r.authority), MemberStatus(r.status))
                for r in self.conn.execute(query)}

    def add_authority(self, authority: MonetaryAuthority) -> None:
        self.conn.execute(insert(t.authorities).values(
            code=authority.code, name=authority.name, currency=authority.currency))

    def add_member(self, member: MemberState, authority_id: int) -> None:
        self.conn.execute(insert(t.members).values(
            code=member.code, name=member.name, authority_id=authority_id,
            status=member.status.value))

    def set_status(self, member: MemberCode, status: MemberStatus) -> None:
        self.conn.execute(update(t.members).where(t.members.c.code == member)
                          .values(status=status.value))

    def member_count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(t.members)).scalar_one())
