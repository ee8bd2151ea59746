"""The settlements repository (:class:`sucre.service.unit_of_work.Settlements`) over SQLAlchemy.

A settled period's record is typed rows (``settlements`` and its ``settlement_*`` tables,
:mod:`sucre.adapters.db.tables`), written once by the close; the confirmations of its payable
instructions are added as pacs.009 messages report them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import insert, select

from sucre import bounds
from sucre.adapters.db import tables as t
from sucre.adapters.db.repositories import SqlRepository, fraction_text, now, parse_fraction
from sucre.domain.confirmations import (
    PAYABLE_KINDS,
    Confirmation,
    InstructionRef,
    PayableInstruction,
    instruction_reference,
)
from sucre.domain.members import AuthorityCode, MemberCode
from sucre.domain.money import CurrencyCode
from sucre.domain.periods import ClearingPeriod
from sucre.domain.settlement import (
    CorridorShare,
    Instruction,
    InstructionKind,
    MemberFlows,
    SettlementRecord,
    SettlementReport,
    corridor_share,
)


class SqlSettlements(SqlRepository):
    def add(self, period: ClearingPeriod, record: SettlementRecord) -> None:
        """Store the record of ``period``'s close (once: the period is its key)."""
        report = record.report
        self.conn.execute(insert(t.settlements).values(
            period_id=period.id, settled_at=now(), gross_xsu_minor=report.gross_xsu_minor,
            net_xsu_minor=report.net_xsu_minor, bilateral_xsu_minor=report.bilateral_xsu_minor,
            settlement_currency=report.settlement_currency,
            settlement_rate=fraction_text(report.settlement_rate),
            accepted_orders=record.accepted_orders, rejected_orders=record.rejected_orders))
        rows: list[tuple[Any, list[dict[str, Any]]]] = [
            (t.settlement_instructions, [
                {"period_id": period.id, "line": line, "kind": i.kind.value,
                 "reference": instruction_reference(period.code, i.kind, i.authority),
                 "authority": i.authority, "xsu_minor": i.xsu_minor,
                 "amount_minor": i.amount_minor, "currency": i.currency}
                for line, i in enumerate(report.instructions, start=1)]),
            (t.settlement_positions, [
                {"period_id": period.id, "authority": a, "net_xsu_minor": n}
                for a, n in report.positions.items()]),
            (t.settlement_members, [
                {"period_id": period.id, "member": m, "paid_xsu_minor": f.paid_xsu_minor,
                 "received_xsu_minor": f.received_xsu_minor}
                for m, f in record.members.items()]),
            (t.settlement_corridors, [
                {"period_id": period.id, "line": line, "debtor": c.corridor[0],
                 "creditor": c.corridor[1], "gross_xsu_minor": c.gross_xsu_minor,
                 "alert": c.alert} for line, c in enumerate(report.corridors, start=1)]),
        ]
        for table, values in rows:
            if values:
                self.conn.execute(insert(table), values)

    def record(self, period_id: int) -> SettlementRecord | None:
        """The record of a period's close (None: not settled)."""
        s = self.conn.execute(select(t.settlements).where(
            t.settlements.c.period_id == period_id)).first()
        if s is None:
            return None
        gross = int(s.gross_xsu_minor)
        report = SettlementReport(
            period_id=period_id, gross_xsu_minor=gross, net_xsu_minor=int(s.net_xsu_minor),
            bilateral_xsu_minor=int(s.bilateral_xsu_minor),
            positions={AuthorityCode(r.authority): int(r.net_xsu_minor)
                       for r in self._rows(t.settlement_positions, period_id)},
            instructions=tuple(
                Instruction(InstructionKind(r.kind), AuthorityCode(r.authority),
                            int(r.xsu_minor), int(r.amount_minor), CurrencyCode(r.currency))
                for r in self._rows(t.settlement_instructions, period_id)),
            corridors=tuple(
                CorridorShare((AuthorityCode(r.debtor), AuthorityCode(r.creditor)),
                              int(r.gross_xsu_minor),
                              corridor_share(int(r.gross_xsu_minor), gross), bool(r.alert))
                for r in self._rows(t.settlement_corridors, period_id)),
            settlement_currency=CurrencyCode(s.settlement_currency),
            settlement_rate=parse_fraction(s.settlement_rate))
        members = {MemberCode(r.member): MemberFlows(int(r.paid_xsu_minor),
                                                     int(r.received_xsu_minor))
                   for r in self._rows(t.settlement_members, period_id)}
        return SettlementRecord(report, members, int(s.accepted_orders),
                                int(s.rejected_orders))

    def _rows(self, table: Any, period_id: int) -> Sequence[Any]:
        """A period's rows of one of the record's tables, in the close's order (by ``line``)
        or by their key."""
        return self.conn.execute(select(table).where(table.c.period_id == period_id)
                                 .order_by(*table.primary_key.columns)).all()

    def lock(self, period_ids: Collection[int]) -> None:
        """Lock the settlement rows of some periods, in period order: two messages confirming
        legs of one period run one after the other."""
        s = t.settlements.c
        self.conn.execute(select(s.period_id).where(s.period_id.in_(sorted(period_ids)))
                          .order_by(s.period_id).with_for_update()).all()

    def payable(self, periods: Collection[ClearingPeriod]) -> list[PayableInstruction]:
        """The pay and receive instructions of settled periods (FINANCE is no payment)."""
        codes = {p.id: p.code for p in periods}
        i = t.settlement_instructions.c
        rows = self.conn.execute(select(t.settlement_instructions).where(
            i.period_id.in_(sorted(codes)), i.kind.in_([k.value for k in PAYABLE_KINDS]))
            .order_by(i.period_id, i.line))
        return [PayableInstruction(
            int(r.period_id),
            InstructionRef(codes[r.period_id], InstructionKind(r.kind), AuthorityCode(r.authority)),
            int(r.amount_minor), CurrencyCode(r.currency)) for r in rows]

    # --- confirmations of payable instructions ---------------------------------------------

    def confirmed_references(self, period_id: int) -> set[str]:
        c = t.settlement_confirmations.c
        return set(self.conn.execute(select(c.reference).where(c.period_id == period_id))
                   .scalars())

    def confirmations_of(self, period_ids: Collection[int]) -> dict[str, Confirmation]:
        """The confirmations recorded for some periods, by reference."""
        return self._confirmations(t.settlement_confirmations.c.period_id.in_(sorted(period_ids)))

    def confirmations_by_uetr(self, uetrs: Collection[str]) -> dict[str, Confirmation]:
        """The confirmations recorded under some UETRs, by UETR."""
        ordered, found = sorted(uetrs), {}
        step = bounds.db_keys_per_query_max
        for start in range(0, len(ordered), step):
            chunk = self._confirmations(
                t.settlement_confirmations.c.uetr.in_(ordered[start:start + step]))
            found.update({x.uetr: x for x in chunk.values()})
        return found

    def _confirmations(self, where: Any) -> dict[str, Confirmation]:
        rows = self.conn.execute(select(t.settlement_confirmations).where(where))
        return {r.reference: Confirmation(int(r.period_id), r.reference, r.uetr, r.message_id,
                                          int(r.amount_minor), CurrencyCode(r.currency),
                                          r.settlement_date) for r in rows}

    def add_confirmations(self, confirmations: Sequence[Confirmation]) -> None:
        if not confirmations:
            return
        stamp = now()
        self.conn.execute(insert(t.settlement_confirmations), [
            {"period_id": c.period_id, "reference": c.reference, "uetr": c.uetr,
             "message_id": c.message_id, "amount_minor": c.amount_minor,
             "currency": c.currency, "settlement_date": c.settlement_date,
             "confirmed_at": stamp} for c in confirmations])
