"""The member-state and monetary-authority repository (:class:`sucre.service.unit_of_work.Members`)
over SQLAlchemy."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import func, insert, select

from sucre.adapters.db import tables as t
from sucre.adapters.db.repositories import SqlRepository
from sucre.domain.members import (
    AuthorityCode,
    MemberCode,
    MemberState,
    MemberStatus,
    MonetaryAuthority,
    StatusChange,
    status_on,
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

    def members(self, on: dt.date | None = None) -> dict[MemberCode, MemberState]:
        query = select(t.members.c.code, t.members.c.name,
                       t.authorities.c.code.label("authority")).join(t.authorities)
        history: dict[str, list[StatusChange]] = defaultdict(list)
        for change in self.history():
            history[change.member].append(change)
        found: dict[MemberCode, MemberState] = {}
        for r in self.conn.execute(query):
            changes = history[r.code]
            status = status_on(changes, on if on is not None else dt.date.max)
            if status is not None or (on is None and not changes):
                found[MemberCode(r.code)] = MemberState(
                    MemberCode(r.code), r.name, AuthorityCode(r.authority),
                    status or MemberStatus.ACTIVE)
        return found

    def history(self, member: MemberCode | None = None) -> list[StatusChange]:
        c = t.member_status_changes.c
        query = select(c.member, c.status, c.effective_date, c.decision_id).order_by(
            c.effective_date, c.id)
        if member is not None:
            query = query.where(c.member == member)
        return [StatusChange(MemberCode(r.member), MemberStatus(r.status), r.effective_date,
                             r.decision_id) for r in self.conn.execute(query)]

    def add_authority(self, authority: MonetaryAuthority) -> None:
        self.conn.execute(insert(t.authorities).values(
            code=authority.code, name=authority.name, currency=authority.currency))

    def add_member(self, member: MemberState, authority_id: int) -> None:
        self.conn.execute(insert(t.members).values(
            code=member.code, name=member.name, authority_id=authority_id))

    def add_status_change(self, change: StatusChange) -> None:
        self.conn.execute(insert(t.member_status_changes).values(
            member=change.member, status=change.status.value,
            effective_date=change.effective_date, decision_id=change.decision_id))

    def member_count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(t.members)).scalar_one())
