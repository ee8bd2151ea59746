"""Use case: record that hard-currency settlement legs were paid (rules in
:mod:`sucre.domain.confirmations`; the pacs.009 entry point is :mod:`sucre.service.messaging`).

All legs of one message are judged and the accepted ones recorded in one transaction. The rows
read are those of the periods the legs name; their ``settlements`` rows are locked first (in
period order), so two messages confirming legs of one period run one after the other and the
second sees what the first recorded (DUPL, not a constraint error). A rejected leg writes
nothing; a replayed one (same UETR, same leg) is answered again and writes nothing either.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError

from sucre import bounds
from sucre.adapters.db import repository as repo
from sucre.adapters.db import tables as t
from sucre.adapters.db.engine import retry_transient
from sucre.domain.confirmations import (
    PAYABLE_KINDS,
    Confirmation,
    InstructionRef,
    Judgement,
    Ledger,
    PaidLeg,
    PayableInstruction,
    SettlementStatus,
    instruction_reference,
    judge,
)
from sucre.domain.errors import invariant
from sucre.domain.members import AuthorityCode
from sucre.domain.money import CurrencyCode
from sucre.domain.periods import PeriodState
from sucre.domain.settlement import InstructionKind

#: Runs of one message's judgement: a second run only when a concurrent message took a UETR
#: that the first run saw free (a unique-constraint race the period locks do not cover).
_ATTEMPTS_MAX = 2


@retry_transient
def confirm_legs(engine: Engine, legs: Sequence[PaidLeg]) -> list[Judgement]:
    """Judge every leg, in order; record the accepted ones together. One judgement per leg."""
    for attempt in range(1, _ATTEMPTS_MAX + 1):
        try:
            with engine.begin() as conn:
                return _confirm(conn, legs)
        except IntegrityError:
            if attempt == _ATTEMPTS_MAX:
                raise
    invariant(False, "confirm_legs returns or raises within its attempts")
    return []  # pragma: no cover


def _confirm(conn: Connection, legs: Sequence[PaidLeg]) -> list[Judgement]:
    ledger = _ledger(conn, legs)
    by_reference, by_uetr = dict(ledger.by_reference), dict(ledger.by_uetr)
    judgements, new = [], []
    for leg in legs:
        judgement = judge(leg, Ledger(ledger.authorities, ledger.instructions,
                                      ledger.settled_periods, by_reference, by_uetr))
        judgements.append(judgement)
        found = judgement.confirmation
        if found is not None and not judgement.replayed:
            new.append(found)
            by_reference[found.reference] = by_uetr[found.uetr] = found
    if new:
        now = repo.now()
        conn.execute(insert(t.settlement_confirmations), [
            {"period_id": c.period_id, "reference": c.reference, "uetr": c.uetr,
             "message_id": c.message_id, "amount_minor": c.amount_minor,
             "currency": c.currency, "settlement_date": c.settlement_date,
             "confirmed_at": now} for c in new])
    invariant(len(judgements) == len(legs), "one judgement per leg")
    return judgements


def _ledger(conn: Connection, legs: Sequence[PaidLeg]) -> Ledger:
    """Instructions and confirmations of the periods the legs name, their settlements locked."""
    codes = {leg.reference.strip().upper().split("/", 1)[0] for leg in legs}
    periods = sorted((p for p in repo.all_periods(conn)
                      if p.code in codes and p.state is PeriodState.SETTLED),
                     key=lambda p: p.id)
    instructions: dict[str, PayableInstruction] = {}
    for period in periods:
        report = conn.execute(select(t.settlements.c.report).where(
            t.settlements.c.period_id == period.id).with_for_update()).scalar_one()
        for instruction in _payable(period.id, period.code, json.loads(report)):
            instructions[instruction.reference.text] = instruction
    c = t.settlement_confirmations.c
    by_reference = _confirmations(conn, c.period_id.in_([p.id for p in periods]))
    uetrs = sorted({leg.uetr for leg in legs if leg.uetr is not None})
    by_uetr: dict[str, Confirmation] = {}
    for start in range(0, len(uetrs), bounds.db_keys_per_query_max):
        found = _confirmations(conn, c.uetr.in_(uetrs[start:start + bounds.db_keys_per_query_max]))
        by_uetr.update({x.uetr: x for x in found.values()})
    return Ledger(frozenset(repo.load_authorities(conn)), instructions,
                  frozenset(p.code for p in periods), by_reference, by_uetr)


def _payable(period_id: int, period_code: str, report: Mapping[str, Any]
             ) -> Iterable[PayableInstruction]:
    for row in report["settlement"]:
        kind = InstructionKind(row["kind"])
        if kind in PAYABLE_KINDS:
            yield PayableInstruction(
                period_id, InstructionRef(period_code, kind, AuthorityCode(row["authority"])),
                int(row["amount_minor"]), CurrencyCode(row["currency"]))


def _confirmations(conn: Connection, where: Any) -> dict[str, Confirmation]:
    rows = conn.execute(select(t.settlement_confirmations).where(where))
    return {r.reference: Confirmation(int(r.period_id), r.reference, r.uetr, r.message_id,
                                      int(r.amount_minor), CurrencyCode(r.currency),
                                      r.settlement_date) for r in rows}


# --- the settlement report ------------------------------------------------------------------

def confirmed_references(conn: Connection, period_id: int) -> set[str]:
    c = t.settlement_confirmations.c
    return set(conn.execute(select(c.reference).where(c.period_id == period_id)).scalars())


def with_settlement_status(document: Mapping[str, Any], confirmed: Collection[str]
                           ) -> dict[str, Any]:
    """The report with each instruction's ``reference`` and ``settlement_status`` added
    (existing keys untouched): ``pending``, ``confirmed``, or ``internal`` for financing."""
    instructions = []
    for row in document["settlement"]:
        kind = InstructionKind(row["kind"])
        reference = instruction_reference(document["period"], kind,
                                          AuthorityCode(row["authority"]))
        status = (SettlementStatus.INTERNAL if kind not in PAYABLE_KINDS
                  else SettlementStatus.CONFIRMED if reference in confirmed
                  else SettlementStatus.PENDING)
        instructions.append({**row, "reference": reference, "settlement_status": status.value})
    return {**document, "settlement": instructions}
