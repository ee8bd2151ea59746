"""A withdrawing member's settle-out: what its last period's close settled for it, and what is
carried as a claim (issue 11; DOMAIN.md section 1: a withdrawing member submits nothing new and
its open positions are settled at the next close).

From the effective date of its withdrawal a member's orders are refused (``AC04``,
:func:`sucre.domain.members.require_active`); orders it had already had accepted are posted at
the cut-off of the period's close like every other (:mod:`sucre.service.closing`). The
settle-out states, for one settled period, from the close's stored rows and the journal:

* the member's own flows (XSU its orders paid and received), as stored by the close and as
  re-derived from the journal's posted orders;
* its monetary authority's net position, and the member flows of every member that authority
  clears for: a member on a shared authority (the ECCB clears for six) has no position of its
  own: the authority settles one net position, the sum of its members' flows, so the member's
  part is settled by the authority's legs together with the others';
* the authority's settlement instructions (pay, receive, and the financing of its deficit, e.g.
  by the reserve fund, FRCC), each with its status: a pay or receive leg not yet confirmed by a
  pacs.009 is carried as a claim (the council's on the authority, or the authority's on the
  council) until it is; a loan is the lender's claim on the authority (its loan account in the
  journal, with what is outstanding over every period);
* unpaid loans and fund pledges beyond that: sucre keeps none (``none kept``).

:func:`check` states the identities it balances by, to the minor unit; a report that breaks one
is a bug (:class:`~sucre.domain.errors.InvariantBroken`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sucre.domain.confirmations import SettledInstruction, SettledPeriod, SettlementStatus
from sucre.domain.decisions import Decision
from sucre.domain.errors import invariant
from sucre.domain.ledger import Posting
from sucre.domain.members import AuthorityCode, MemberCode, MemberState
from sucre.domain.money import CurrencyCode
from sucre.domain.orders import OrderStatus
from sucre.domain.settlement import InstructionKind, MemberFlows

#: What the report says of records sucre does not keep (unpaid loans, fund pledges).
NONE_KEPT = "none kept"
#: The holder of claims on (and debtor of claims by) the authorities: the council's settlement
#: account at the chamber, named as the chamber is in its clearing system.
COUNCIL = "SUCRE"


@dataclass(frozen=True, slots=True)
class Loan:
    """The financing of the authority's deficit at this close, as the journal booked it."""

    reference: str
    account: str  # the lender's claim on the authority, e.g. frcc:loan:BCB
    amount_minor: int  # drawn at this close
    outstanding_minor: int  # the account's balance owed to the lender, over every period
    currency: CurrencyCode


@dataclass(frozen=True, slots=True)
class Claim:
    """An amount still owed after the close: ``debtor`` owes ``holder``."""

    holder: str
    debtor: str
    kind: InstructionKind
    reference: str
    amount_minor: int
    currency: CurrencyCode


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """A member's withdrawal, as its status history records it: from ``effective_date`` on, by
    ``decision`` (None: a status row converted from a version that kept no decision)."""

    effective_date: dt.date
    decision: Decision | None


@dataclass(frozen=True, slots=True)
class SettleOut:
    member: MemberState
    withdrawal: Withdrawal | None  # its last withdrawal, if it withdrew
    settled: SettledPeriod
    flows: MemberFlows  # stored by the close (settlement_members)
    posted: MemberFlows  # re-derived from the journal's posted orders
    orders: Mapping[OrderStatus, int]  # the member's orders of the period
    authority_members: Mapping[MemberCode, MemberFlows]  # every member of its authority
    closed_xsu_minor: int  # the journal's close entry on the authority's position account
    loans: tuple[Loan, ...]

    @property
    def authority(self) -> AuthorityCode:
        return self.member.authority

    @property
    def authority_net_xsu_minor(self) -> int:
        return self.settled.record.report.positions.get(self.authority, 0)

    @property
    def shared(self) -> bool:
        return len(self.authority_members) > 1

    @property
    def others_net_xsu_minor(self) -> int:
        return sum(f.net_xsu_minor for m, f in self.authority_members.items()
                   if m != self.member.code)

    @property
    def instructions(self) -> tuple[SettledInstruction, ...]:
        return tuple(s for s in self.settled.instructions
                     if s.instruction.authority == self.authority)

    def xsu_of(self, kind: InstructionKind) -> int:
        return sum(s.instruction.xsu_minor for s in self.instructions
                   if s.instruction.kind is kind)

    @property
    def claims(self) -> tuple[Claim, ...]:
        """What the close left owed: legs not confirmed paid, and loans (the lender's)."""
        found = []
        for s in self.instructions:
            ins = s.instruction
            if s.status is SettlementStatus.CONFIRMED:
                continue
            holder: str
            debtor: str
            if ins.kind is InstructionKind.RECEIVE:
                holder, debtor = ins.authority, COUNCIL
            elif ins.kind is InstructionKind.PAY:
                holder, debtor = COUNCIL, ins.authority
            else:
                holder, debtor = self._lender(s.reference), ins.authority
            found.append(Claim(holder, debtor, ins.kind, s.reference, ins.amount_minor,
                               ins.currency))
        return tuple(found)

    def _lender(self, reference: str) -> str:
        return next(loan.account for loan in self.loans if loan.reference == reference)

    def legs_minor(self) -> dict[CurrencyCode, tuple[int, int]]:
        """Per currency: (settled, carried) of the authority's legs; their sum is its legs'."""
        carried = {c.reference for c in self.claims}
        totals: dict[CurrencyCode, tuple[int, int]] = {}
        for s in self.instructions:
            settled, still = totals.get(s.instruction.currency, (0, 0))
            amount = s.instruction.amount_minor
            totals[s.instruction.currency] = ((settled, still + amount)
                                              if s.reference in carried
                                              else (settled + amount, still))
        return totals


def loans_of(settled: SettledPeriod, financing: Sequence[Posting],
             outstanding: Mapping[str, int]) -> tuple[Loan, ...]:
    """Each finance instruction with the journal's financing entry that booked it: the close
    appends one entry per finance leg with an amount, in the instructions' order
    (:func:`sucre.domain.settlement.settlement_entries`)."""
    legs = [s for s in settled.instructions
            if s.instruction.kind is InstructionKind.FINANCE and s.instruction.amount_minor]
    invariant(len(legs) == len(financing), "one financing entry per finance leg")
    loans = []
    for leg, booked in zip(legs, financing, strict=True):
        invariant(-booked.amount_minor == leg.instruction.amount_minor
                  and booked.currency == leg.instruction.currency,
                  f"the journal booked {leg.reference} as the close issued it")
        loans.append(Loan(leg.reference, booked.account, -booked.amount_minor,
                          -outstanding.get(booked.account, 0), booked.currency))
    return tuple(loans)


def check(out: SettleOut) -> SettleOut:
    """The identities a settle-out balances by, to the minor unit (XSU, then the settlement
    currency); a broken one is a bug in sucre, never the user's."""
    member = out.member.code
    invariant(out.flows == out.posted,
              f"{member}'s flows stored by the close are the journal's posted orders")
    invariant(out.authority_members.get(member, MemberFlows(0, 0)) == out.flows,
              f"{member} is counted once among {out.authority}'s members")
    invariant(out.flows.net_xsu_minor + out.others_net_xsu_minor
              == out.authority_net_xsu_minor,
              f"{out.authority}'s net position is the sum of its members' flows")
    invariant(out.authority_net_xsu_minor + out.xsu_of(InstructionKind.PAY)
              + out.xsu_of(InstructionKind.FINANCE) - out.xsu_of(InstructionKind.RECEIVE) == 0,
              f"{out.authority}'s legs settle its net position exactly")
    invariant(out.closed_xsu_minor == -out.authority_net_xsu_minor,
              f"the close brought {out.authority}'s position back to zero")
    invariant(not out.orders.get(OrderStatus.ACCEPTED, 0),
              f"every order of {member} accepted before the close was settled by it")
    for currency, (settled, carried) in out.legs_minor().items():
        invariant(settled + carried == sum(s.instruction.amount_minor for s in out.instructions
                                           if s.instruction.currency == currency),
                  f"{out.authority}'s legs in {currency} are settled or carried, once")
    own_loans = {s.reference for s in out.instructions
                 if s.instruction.kind is InstructionKind.FINANCE and s.instruction.amount_minor}
    invariant(own_loans == {loan.reference for loan in out.loans},
              f"{out.authority}'s loans are those of its finance legs")
    return out
