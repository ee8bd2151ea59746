"""The PetroCaribe repository (:class:`sucre.service.unit_of_work.Petrocaribe`) over
SQLAlchemy: agreements, shipments, loans and their schedules, movements and their credits,
deliveries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from fractions import Fraction
from typing import Any

from sqlalchemy import func, insert, select

from sucre.adapters.db import tables as t
from sucre.adapters.db.repositories import SqlRepository, now
from sucre.domain.errors import invariant
from sucre.domain.loans import Credited, Instalment
from sucre.domain.members import MemberCode
from sucre.domain.petrocaribe import (
    Agreement,
    Delivery,
    Loan,
    Movement,
    Shipment,
    decimal_text,
)


def _new_id(result: Any) -> int:
    key = result.inserted_primary_key
    invariant(key is not None, "an inserted row has an id")
    return int(key[0])


def _agreement(row: Any) -> Agreement:
    return Agreement(row.code, MemberCode(row.supplier), MemberCode(row.beneficiary),
                     row.signed_on, row.reference, row.id)


_SHIPMENT_COLUMNS = (t.petrocaribe_shipments, t.petrocaribe_agreements.c.code.label("agreement"))


def _shipment(row: Any) -> Shipment:
    return Shipment(row.agreement, row.cargo_id, MemberCode(row.member), row.value_date,
                    row.barrels, row.price_minor, row.bill_minor, row.cash_minor,
                    row.financed_minor, Fraction(row.share), row.cash_due, row.decision_id,
                    row.id)


def _loan(row: Any) -> Loan:
    return Loan(row.id, row.cargo_id, MemberCode(row.member), row.principal_minor,
                row.start_date, row.years, row.grace_years, Fraction(row.rate), row.per_year,
                row.decision_id)


def _movement(row: Any) -> Movement:
    return Movement(row.kind, MemberCode(row.member), row.value_date, row.amount_minor,
                    row.reference, row.loan_id, row.cargo_id, row.discount_minor,
                    row.decision_id, row.entry_id, row.id)


def _delivery(row: Any) -> Delivery:
    return Delivery(row.reference, row.loan_id, MemberCode(row.member), row.value_date,
                    row.hs_code, row.quantity, row.unit, row.unit_price_minor, row.value_minor,
                    row.exporter, row.importer, row.certificate, row.certificate_exporter,
                    MemberCode(row.certificate_country), row.invoice_id, row.movement_id, row.id,
                    row.agreement)


class SqlPetrocaribe(SqlRepository):
    # --- agreements ---------------------------------------------------------------------------
    def add_agreement(self, agreement: Agreement) -> int:
        return _new_id(self.conn.execute(insert(t.petrocaribe_agreements).values(
            code=agreement.code, supplier=agreement.supplier, beneficiary=agreement.beneficiary,
            signed_on=agreement.signed_on, reference=agreement.reference, created_at=now())))

    def agreement(self, code: str) -> Agreement | None:
        row = self.conn.execute(select(t.petrocaribe_agreements).where(
            t.petrocaribe_agreements.c.code == code)).first()
        return None if row is None else _agreement(row)

    def agreements(self) -> list[Agreement]:
        return [_agreement(r) for r in self.conn.execute(
            select(t.petrocaribe_agreements).order_by(t.petrocaribe_agreements.c.id))]

    # --- shipments and loans ------------------------------------------------------------------
    def add_shipment(self, shipment: Shipment, agreement_id: int) -> int:
        return _new_id(self.conn.execute(insert(t.petrocaribe_shipments).values(
            agreement_id=agreement_id, cargo_id=shipment.cargo_id, member=shipment.member,
            value_date=shipment.value_date, barrels=shipment.barrels,
            price_minor=shipment.price_minor, bill_minor=shipment.bill_minor,
            cash_minor=shipment.cash_minor, financed_minor=shipment.financed_minor,
            share=decimal_text(shipment.share), cash_due=shipment.cash_due,
            decision_id=shipment.decision_id, created_at=now())))

    def _shipments(self) -> Any:
        s, a = t.petrocaribe_shipments, t.petrocaribe_agreements
        return select(*_SHIPMENT_COLUMNS).join(a, a.c.id == s.c.agreement_id).order_by(s.c.id)

    def shipment(self, cargo_id: str) -> Shipment | None:
        row = self.conn.execute(self._shipments().where(
            t.petrocaribe_shipments.c.cargo_id == cargo_id)).first()
        return None if row is None else _shipment(row)

    def shipments(self, members: Collection[MemberCode] | None = None) -> list[Shipment]:
        query = self._shipments()
        if members is not None:
            query = query.where(t.petrocaribe_shipments.c.member.in_(list(members)))
        return [_shipment(r) for r in self.conn.execute(query)]

    def add_loan(self, loan: Loan, shipment_id: int, instalments: Sequence[Instalment]) -> int:
        loan_id = _new_id(self.conn.execute(insert(t.petrocaribe_loans).values(
            shipment_id=shipment_id, member=loan.member, principal_minor=loan.principal_minor,
            start_date=loan.start_date, years=loan.years, grace_years=loan.grace_years,
            rate=decimal_text(loan.rate), per_year=loan.per_year, decision_id=loan.decision_id,
            created_at=now())))
        self.conn.execute(insert(t.petrocaribe_instalments), [
            {"loan_id": loan_id, "number": i.number, "due_date": i.due_date,
             "principal_minor": i.principal_minor, "interest_minor": i.interest_minor}
            for i in instalments])
        return loan_id

    def _loans(self) -> Any:
        loan, s = t.petrocaribe_loans, t.petrocaribe_shipments
        return (select(loan, s.c.cargo_id).join(s, s.c.id == loan.c.shipment_id)
                .order_by(loan.c.id))

    def loan(self, loan_id: int, *, lock: bool = False) -> Loan | None:
        query = self._loans().where(t.petrocaribe_loans.c.id == loan_id)
        if lock:
            query = query.with_for_update(of=t.petrocaribe_loans)
        row = self.conn.execute(query).first()
        return None if row is None else _loan(row)

    def loans(self, members: Collection[MemberCode] | None = None, *, lock: bool = False
              ) -> list[Loan]:
        query = self._loans()
        if members is not None:
            query = query.where(t.petrocaribe_loans.c.member.in_(list(members)))
        if lock:
            query = query.with_for_update(of=t.petrocaribe_loans)
        return [_loan(r) for r in self.conn.execute(query)]

    def instalments(self, loan_ids: Collection[int]) -> dict[int, list[Instalment]]:
        i = t.petrocaribe_instalments.c
        found: dict[int, list[Instalment]] = {loan_id: [] for loan_id in loan_ids}
        for row in self.conn.execute(select(t.petrocaribe_instalments).where(
                i.loan_id.in_(list(loan_ids))).order_by(i.loan_id, i.number)):
            found[row.loan_id].append(Instalment(row.number, row.due_date, row.principal_minor,
                                                 row.interest_minor))
        return found

    def credits(self, loan_ids: Collection[int]) -> dict[int, list[Credited]]:
        c = t.petrocaribe_credits.c
        found: dict[int, list[Credited]] = {loan_id: [] for loan_id in loan_ids}
        for row in self.conn.execute(select(t.petrocaribe_credits).where(
                c.loan_id.in_(list(loan_ids))).order_by(c.movement_id, c.number)):
            found[row.loan_id].append(Credited(row.number, row.interest_minor,
                                               row.principal_minor, row.waived_minor))
        return found

    # --- movements ----------------------------------------------------------------------------
    def add_movement(self, movement: Movement, credits: Mapping[int, Sequence[Credited]]
                     ) -> int:
        shipment_id = None
        if movement.cargo_id is not None:
            shipment_id = self.conn.execute(select(t.petrocaribe_shipments.c.id).where(
                t.petrocaribe_shipments.c.cargo_id == movement.cargo_id)).scalar_one()
        invariant(movement.entry_id is not None, "a movement is booked by its entry")
        movement_id = _new_id(self.conn.execute(insert(t.petrocaribe_movements).values(
            kind=movement.kind, member=movement.member, loan_id=movement.loan_id,
            shipment_id=shipment_id, value_date=movement.value_date,
            amount_minor=movement.amount_minor, discount_minor=movement.discount_minor,
            reference=movement.reference, decision_id=movement.decision_id,
            entry_id=movement.entry_id, created_at=now())))
        rows = [{"movement_id": movement_id, "loan_id": loan_id, "number": c.number,
                 "interest_minor": c.interest_minor, "principal_minor": c.principal_minor,
                 "waived_minor": c.waived_minor}
                for loan_id, lines in credits.items() for c in lines]
        if rows:
            self.conn.execute(insert(t.petrocaribe_credits), rows)
        return movement_id

    def movements(self, members: Collection[MemberCode] | None = None) -> list[Movement]:
        m, s = t.petrocaribe_movements, t.petrocaribe_shipments
        query = (select(m, s.c.cargo_id).outerjoin(s, s.c.id == m.c.shipment_id)
                 .order_by(m.c.id))
        if members is not None:
            query = query.where(m.c.member.in_(list(members)))
        return [_movement(r) for r in self.conn.execute(query)]

    def cash_paid(self) -> dict[str, int]:
        """Per cargo id: the cash part paid so far."""
        m, s = t.petrocaribe_movements.c, t.petrocaribe_shipments.c
        rows = self.conn.execute(
            select(s.cargo_id, func.sum(m.amount_minor))
            .select_from(t.petrocaribe_movements.join(
                t.petrocaribe_shipments, s.id == m.shipment_id))
            .where(m.kind == "cash_part").group_by(s.cargo_id)).tuples()
        return {cargo: int(total) for cargo, total in rows}

    def reference_taken(self, kind: str, reference: str) -> bool:
        m = t.petrocaribe_movements.c
        return self.conn.execute(select(m.id).where(m.kind == kind, m.reference == reference)
                                 ).first() is not None

    # --- deliveries ---------------------------------------------------------------------------
    def add_delivery(self, delivery: Delivery, exporter_id: int) -> int:
        agreement_id = None if delivery.agreement is None else self.conn.execute(
            select(t.petrocaribe_agreements.c.id).where(
                t.petrocaribe_agreements.c.code == delivery.agreement)).scalar_one()
        return _new_id(self.conn.execute(insert(t.petrocaribe_deliveries).values(
            reference=delivery.reference, movement_id=delivery.movement_id,
            loan_id=delivery.loan_id, agreement_id=agreement_id, member=delivery.member,
            value_date=delivery.value_date,
            hs_code=delivery.hs_code, quantity=delivery.quantity, unit=delivery.unit,
            unit_price_minor=delivery.unit_price_minor, value_minor=delivery.value_minor,
            exporter_id=exporter_id, importer=delivery.importer,
            certificate=delivery.certificate,
            certificate_exporter=delivery.certificate_exporter,
            certificate_country=delivery.certificate_country, invoice_id=delivery.invoice_id,
            created_at=now())))

    def _deliveries(self) -> Any:
        d, f, a = t.petrocaribe_deliveries, t.firms, t.petrocaribe_agreements
        return (select(d, f.c.code.label("exporter"), a.c.code.label("agreement"))
                .join(f, f.c.id == d.c.exporter_id)
                .outerjoin(a, a.c.id == d.c.agreement_id).order_by(d.c.id))

    def delivery(self, reference: str) -> Delivery | None:
        row = self.conn.execute(self._deliveries().where(
            t.petrocaribe_deliveries.c.reference == reference)).first()
        return None if row is None else _delivery(row)

    def deliveries(self, members: Collection[MemberCode] | None = None) -> list[Delivery]:
        query = self._deliveries()
        if members is not None:
            query = query.where(t.petrocaribe_deliveries.c.member.in_(list(members)))
        return [_delivery(r) for r in self.conn.execute(query)]

    def goods_by_hs(self, members: Collection[MemberCode] | None = None
                    ) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for delivery in self.deliveries(members):
            totals[delivery.hs_code] += delivery.value_minor
        return dict(totals)
