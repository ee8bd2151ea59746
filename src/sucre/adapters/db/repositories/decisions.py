"""The decisions repository (:class:`sucre.service.unit_of_work.Decisions`) over SQLAlchemy: the
council's decision log, its parameters, and its allocations and credit lines."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import func, insert, select

from sucre.adapters.db import tables as t
from sucre.adapters.db.repositories import SqlRepository, now, utc
from sucre.domain import parameters
from sucre.domain.decisions import Allocation, Decision, decision_reference
from sucre.domain.errors import invariant
from sucre.domain.parameters import Parameter, ParameterValues

T = TypeVar("T")


def _decision(row: Any) -> Decision:
    return Decision(row.id, row.kind, row.effective_date, row.reference, json.loads(row.payload),
                    utc(row.recorded_at))


class SqlDecisions(SqlRepository):
    # --- the decision log ----------------------------------------------------------------

    def record_decision(self, kind: str, effective_date: dt.date, reference: str,
                        payload: Mapping[str, Any]) -> int:
        result = self.conn.execute(insert(t.decisions).values(
            kind=kind, effective_date=effective_date, reference=decision_reference(reference),
            payload=json.dumps(payload, sort_keys=True, default=str), recorded_at=now()))
        key = result.inserted_primary_key
        invariant(key is not None, "a decision has an id")
        return int(key[0])  # type: ignore[index]

    def decision_count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(t.decisions)).scalar_one())

    def first_decisions(self, count: int) -> list[Decision]:
        return [_decision(r) for r in self.conn.execute(
            select(t.decisions).order_by(t.decisions.c.id).limit(count))]

    def by_id(self, decision_id: int) -> Decision | None:
        row = self.conn.execute(select(t.decisions)
                                .where(t.decisions.c.id == decision_id)).first()
        return None if row is None else _decision(row)

    def dated_until(self, day: dt.date, kind: str | None = None) -> list[Decision]:
        d = t.decisions.c
        query = select(t.decisions).where(d.effective_date <= day)
        if kind is not None:
            query = query.where(d.kind == kind)
        return [_decision(r) for r in self.conn.execute(query.order_by(d.effective_date, d.id))]

    def of_kind(self, kind: str, count: int) -> tuple[list[Decision], int]:
        d = t.decisions.c
        total = int(self.conn.execute(select(func.count()).select_from(t.decisions)
                                      .where(d.kind == kind)).scalar_one())
        return [_decision(r) for r in self.conn.execute(
            select(t.decisions).where(d.kind == kind).order_by(d.id).limit(count))], total

    def basket_decision(self, day: dt.date) -> Decision | None:
        r = t.xsu_rates.c
        latest = select(func.max(r.value_date)).where(r.value_date <= day).scalar_subquery()
        row = self.conn.execute(
            select(t.decisions).join(t.baskets, t.baskets.c.decision_id == t.decisions.c.id)
            .join(t.xsu_rates, r.basket_id == t.baskets.c.id).where(r.value_date == latest)
            .limit(1)).first()
        return None if row is None else _decision(row)

    def parameter_decision(self, name: str, on: dt.date) -> Decision | None:
        p = t.parameters.c
        row = self.conn.execute(
            select(t.decisions).join(t.parameters, p.decision_id == t.decisions.c.id)
            .where(p.name == name, p.effective_date <= on)
            .order_by(p.effective_date.desc(), p.id.desc()).limit(1)).first()
        return None if row is None else _decision(row)

    # --- parameters ----------------------------------------------------------------------

    def parameter(self, name: str, on: dt.date) -> str:
        p = t.parameters.c
        row = self.conn.execute(select(p.value).where(p.name == name, p.effective_date <= on)
                                .order_by(p.effective_date.desc(), p.id.desc())).first()
        return parameters.definition(name).default if row is None else str(row.value)

    def parameter_value(self, definition: Parameter[T], on: dt.date) -> T:
        return definition.read(self.parameter(definition.name, on))

    def parameters_in_force(self, on: dt.date) -> ParameterValues:
        p = t.parameters.c
        rows = self.conn.execute(select(p.name, p.value).where(p.effective_date <= on)
                                 .order_by(p.effective_date, p.id))
        return ParameterValues({str(name): str(value) for name, value in rows.tuples()})

    def add_parameter(self, name: str, value: str, effective_date: dt.date,
                      decision_id: int) -> None:
        self.conn.execute(insert(t.parameters).values(
            name=name, value=value, effective_date=effective_date, decision_id=decision_id))

    # --- allocations and credit lines ----------------------------------------------------

    def allocation_in_force(self, authority_id: int, day: dt.date) -> Allocation:
        a = t.allocations.c
        row = self.conn.execute(select(a.allocation_minor, a.credit_line_minor)
                                .where(a.authority_id == authority_id, a.effective_date <= day)
                                .order_by(a.effective_date.desc(), a.id.desc())).first()
        return Allocation() if row is None else Allocation(int(row[0]), int(row[1]))

    def allocation_decisions(self, day: dt.date) -> dict[int, Decision]:
        a = t.allocations.c
        rows = self.conn.execute(
            select(a.authority_id, t.decisions).join(t.decisions, t.decisions.c.id == a.decision_id)
            .where(a.effective_date <= day).order_by(a.effective_date, a.id))
        return {int(r.authority_id): _decision(r) for r in rows}  # the last one in force wins

    def add_allocation(self, authority_id: int, effective_date: dt.date, allocation: Allocation,
                       decision_id: int) -> None:
        self.conn.execute(insert(t.allocations).values(
            authority_id=authority_id, effective_date=effective_date,
            allocation_minor=allocation.allocation_minor,
            credit_line_minor=allocation.credit_line_minor, decision_id=decision_id))
