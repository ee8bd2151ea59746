"""The funds repository (:class:`sucre.service.unit_of_work.Funds`) over SQLAlchemy: the ALBA
Bank's joint funds, their projects and their movements, appended and never changed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select

from sucre.adapters.db import tables as t
from sucre.adapters.db.repositories import SqlRepository, now
from sucre.domain.errors import invariant
from sucre.domain.funds import Fund, Movement, MovementKind, MovementRequest, Project
from sucre.domain.members import MemberCode
from sucre.domain.money import CurrencyCode


def _fund(row: Any) -> Fund:
    return Fund(int(row.id), row.name, row.purpose, CurrencyCode(row.currency),
                int(row.target_minor), row.effective_date, row.reference, int(row.decision_id))


def _project(row: Any) -> Project:
    return Project(int(row.id), int(row.fund_id), row.name, MemberCode(row.beneficiary),
                   int(row.budget_minor), row.effective_date, row.reference,
                   int(row.decision_id))


def _movement(row: Any) -> Movement:
    return Movement(int(row.id), int(row.fund_id), MovementKind(row.kind), row.reference,
                    row.value_date, int(row.amount_minor), MemberCode(row.member),
                    None if row.project_id is None else int(row.project_id), int(row.entry_id))


def _new_id(result: Any) -> int:
    key = result.inserted_primary_key
    invariant(key is not None, "an inserted row has an id")
    return int(key[0])


class SqlFunds(SqlRepository):
    # --- funds ---------------------------------------------------------------------------

    def add_fund(self, name: str, purpose: str, currency: CurrencyCode, target_minor: int,
                 effective_date: dt.date, reference: str, decision_id: int) -> Fund:
        fund_id = _new_id(self.conn.execute(insert(t.funds).values(
            name=name, purpose=purpose, currency=currency, target_minor=target_minor,
            effective_date=effective_date, reference=reference, decision_id=decision_id)))
        return Fund(fund_id, name, purpose, currency, target_minor, effective_date, reference,
                    decision_id)

    def by_id(self, fund_id: int, *, lock: bool = False) -> Fund | None:
        query = select(t.funds).where(t.funds.c.id == fund_id)
        row = self.conn.execute(query.with_for_update() if lock else query).first()
        return None if row is None else _fund(row)

    def by_name(self, name: str) -> Fund | None:
        row = self.conn.execute(select(t.funds).where(t.funds.c.name == name)).first()
        return None if row is None else _fund(row)

    def all(self) -> list[Fund]:
        return [_fund(r) for r in self.conn.execute(select(t.funds).order_by(t.funds.c.id))]

    # --- projects ------------------------------------------------------------------------

    def add_project(self, fund_id: int, name: str, beneficiary: MemberCode, budget_minor: int,
                    effective_date: dt.date, reference: str, decision_id: int) -> Project:
        project_id = _new_id(self.conn.execute(insert(t.fund_projects).values(
            fund_id=fund_id, name=name, beneficiary=beneficiary, budget_minor=budget_minor,
            effective_date=effective_date, reference=reference, decision_id=decision_id)))
        return Project(project_id, fund_id, name, beneficiary, budget_minor, effective_date,
                       reference, decision_id)

    def projects(self, fund_id: int) -> list[Project]:
        p = t.fund_projects.c
        return [_project(r) for r in self.conn.execute(
            select(t.fund_projects).where(p.fund_id == fund_id).order_by(p.id))]

    # --- movements -----------------------------------------------------------------------

    def movements(self, fund_id: int) -> list[Movement]:
        m = t.fund_movements.c
        return [_movement(r) for r in self.conn.execute(
            select(t.fund_movements).where(m.fund_id == fund_id).order_by(m.id))]

    def movement(self, fund_id: int, kind: MovementKind, reference: str) -> Movement | None:
        m = t.fund_movements.c
        row = self.conn.execute(select(t.fund_movements).where(
            m.fund_id == fund_id, m.kind == kind.value, m.reference == reference)).first()
        return None if row is None else _movement(row)

    def add_movement(self, fund_id: int, request: MovementRequest, member: MemberCode,
                     entry_id: int) -> Movement:
        movement_id = _new_id(self.conn.execute(insert(t.fund_movements).values(
            fund_id=fund_id, kind=request.kind.value, reference=request.reference,
            value_date=request.value_date, amount_minor=request.amount_minor, member=member,
            project_id=request.project_id, entry_id=entry_id, recorded_at=now())))
        return Movement(movement_id, fund_id, request.kind, request.reference,
                        request.value_date, request.amount_minor, member, request.project_id,
                        entry_id)
