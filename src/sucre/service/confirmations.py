"""Use case: record that hard-currency settlement legs were paid (rules in
:mod:`sucre.domain.confirmations`; the pacs.009 entry point is :mod:`sucre.service.messaging`).

All legs of one message are judged and the accepted ones recorded in one transaction. The rows
read are those of the periods the legs name; their ``settlements`` rows are locked first (in
period order), so two messages confirming legs of one period run one after the other and the
second sees what the first recorded (DUPL, not a constraint error). A rejected leg writes
nothing; a replayed one (same UETR, same leg) is answered again and writes nothing either.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError

from sucre.adapters.db.engine import retry_transient
from sucre.domain.confirmations import Judgement, Ledger, PaidLeg, judge
from sucre.domain.errors import invariant
from sucre.domain.periods import PeriodState
from sucre.service.unit_of_work import UnitOfWork

#: Runs of one message's judgement: a second run only when a concurrent message took a UETR
#: that the first run saw free (a unique-constraint race the period locks do not cover).
_ATTEMPTS_MAX = 2


@retry_transient
def confirm_legs(uow: UnitOfWork, legs: Sequence[PaidLeg]) -> list[Judgement]:
    """Judge every leg, in order; record the accepted ones together. One judgement per leg."""
    for attempt in range(1, _ATTEMPTS_MAX + 1):
        try:
            with uow:
                judgements = _confirm(uow, legs)
                uow.commit()
                return judgements
        except IntegrityError:
            if attempt == _ATTEMPTS_MAX:
                raise
    invariant(False, "confirm_legs returns or raises within its attempts")
    return []  # pragma: no cover


def _confirm(uow: UnitOfWork, legs: Sequence[PaidLeg]) -> list[Judgement]:
    ledger = _ledger(uow, legs)
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
    uow.settlements.add_confirmations(new)
    invariant(len(judgements) == len(legs), "one judgement per leg")
    return judgements


def _ledger(uow: UnitOfWork, legs: Sequence[PaidLeg]) -> Ledger:
    """Instructions and confirmations of the periods the legs name, their settlements locked."""
    codes = {leg.reference.strip().upper().split("/", 1)[0] for leg in legs}
    periods = [p for p in uow.periods.all() if p.code in codes and p.state is PeriodState.SETTLED]
    period_ids = {p.id for p in periods}
    uow.settlements.lock(period_ids)
    instructions = {i.reference.text: i for i in uow.settlements.payable(periods)}
    return Ledger(frozenset(uow.members.authorities()), instructions,
                  frozenset(p.code for p in periods), uow.settlements.confirmations_of(period_ids),
                  uow.settlements.confirmations_by_uetr(
                      {leg.uetr for leg in legs if leg.uetr is not None}))
