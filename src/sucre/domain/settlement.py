"""Net settlement of a clearing period.

At the close, each authority's multilateral net position (credits minus debits, XSU) is settled in
hard currency at the period's XSU rate: net debtors pay into the council's settlement account, net
creditors are paid from it and surrender their XSU. Part of a deficit may be lent by the
financing policy in force (:mod:`sucre.domain.financing`: the reserve fund, FRCC, within the
authority's credit line; none by default): its loans arrive here already decided.

Identities every report satisfies (asserted here, tested elsewhere)::

    sum(net) = 0
    net_settled = sum(|net|) / 2
    liquidity_saving = 1 - net_settled / gross
    sum(debtor payments) + sum(financing) = sum(creditor receipts)   (in the settlement currency)

Conversion to the settlement currency rounds each debtor's amount once (money.convert); creditor
receipts split the exact total by largest remainder (money.allocate), so the legs balance exactly.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from sucre.domain.errors import invariant
from sucre.domain.financing import Loan
from sucre.domain.ledger import (
    COUNCIL_SETTLEMENT,
    EntryKind,
    JournalEntry,
    Posting,
    position_account,
    reserve_account,
    transfer,
)
from sucre.domain.members import AuthorityCode, MemberCode
from sucre.domain.money import XSU, CurrencyCode, allocate, convert

Corridor = tuple[AuthorityCode, AuthorityCode]  # (debtor, creditor)


class InstructionKind(enum.StrEnum):
    PAY = "pay"  # a net debtor pays the council
    RECEIVE = "receive"  # the council pays a net creditor
    FINANCE = "finance"  # a financing policy pays part of a debtor's deficit on its behalf


@dataclass(frozen=True, slots=True)
class Instruction:
    kind: InstructionKind
    authority: AuthorityCode
    xsu_minor: int
    amount_minor: int
    currency: CurrencyCode
    loan: Loan | None = None  # FINANCE only: how the close books it


@dataclass(frozen=True, slots=True)
class CorridorShare:
    corridor: Corridor
    gross_xsu_minor: int
    share: Fraction
    alert: bool


@dataclass(frozen=True, slots=True)
class SettlementReport:
    period_id: int
    gross_xsu_minor: int
    net_xsu_minor: int
    bilateral_xsu_minor: int
    positions: Mapping[AuthorityCode, int]
    instructions: tuple[Instruction, ...]
    corridors: tuple[CorridorShare, ...]
    settlement_currency: CurrencyCode
    settlement_rate: Fraction  # units of settlement currency per XSU

    @property
    def liquidity_saving(self) -> Fraction:
        if self.gross_xsu_minor == 0:
            return Fraction(0)
        return 1 - Fraction(self.net_xsu_minor, self.gross_xsu_minor)

    @property
    def bilateral_saving(self) -> Fraction:
        if self.gross_xsu_minor == 0:
            return Fraction(0)
        return 1 - Fraction(self.bilateral_xsu_minor, self.gross_xsu_minor)


@dataclass(frozen=True, slots=True)
class MemberFlows:
    """XSU a member state's orders paid and received in a period (the ECCB's members apart)."""

    paid_xsu_minor: int
    received_xsu_minor: int

    @property
    def net_xsu_minor(self) -> int:
        return self.received_xsu_minor - self.paid_xsu_minor


@dataclass(frozen=True, slots=True)
class SettlementRecord:
    """What a close records once and never changes: the settlement, each member state's flows,
    and the period's orders counted (accepted ones all settled by then)."""

    report: SettlementReport
    members: Mapping[MemberCode, MemberFlows]
    accepted_orders: int
    rejected_orders: int


def corridor_share(gross_xsu_minor: int, total_xsu_minor: int) -> Fraction:
    """A corridor's part of the period's gross flow (0 when nothing flowed)."""
    return Fraction(gross_xsu_minor, total_xsu_minor) if total_xsu_minor else Fraction(0)


def net_positions(corridor_gross: Mapping[Corridor, int]) -> dict[AuthorityCode, int]:
    """Multilateral net position per authority from gross flows per corridor."""
    positions: dict[AuthorityCode, int] = defaultdict(int)
    for (debtor, creditor), amount in corridor_gross.items():
        invariant(amount >= 0 and debtor != creditor, "corridor flows are positive and cross")
        positions[debtor] -= amount
        positions[creditor] += amount
    invariant(sum(positions.values()) == 0, "net positions sum to zero")
    return dict(positions)


def bilateral_net(corridor_gross: Mapping[Corridor, int]) -> int:
    """What bilateral-only netting would settle: per pair, the difference of the two flows."""
    pairs: dict[frozenset[AuthorityCode], int] = defaultdict(int)
    for (debtor, creditor), amount in corridor_gross.items():
        sign = 1 if debtor < creditor else -1
        pairs[frozenset((debtor, creditor))] += sign * amount
    return sum(abs(v) for v in pairs.values())


def corridor_shares(corridor_gross: Mapping[Corridor, int],
                    alert_share: Fraction) -> tuple[CorridorShare, ...]:
    gross = sum(corridor_gross.values())
    shares = [
        CorridorShare(c, amount, corridor_share(amount, gross),
                      gross > 0 and corridor_share(amount, gross) > alert_share)
        for c, amount in corridor_gross.items() if amount > 0
    ]
    return tuple(sorted(shares, key=lambda s: (-s.gross_xsu_minor, s.corridor)))


def settle(period_id: int, corridor_gross: Mapping[Corridor, int], *,
           positions: Mapping[AuthorityCode, int], settlement_currency: CurrencyCode,
           settlement_rate: Fraction, financing: Mapping[AuthorityCode, Loan],
           alert_share: Fraction) -> SettlementReport:
    """Compute the period's settlement from its gross flows and journal positions.

    ``positions`` come from the journal; they must equal the netting of ``corridor_gross``, which
    is how a drift between the two is caught before any money moves. ``financing`` holds the
    loans of the financing policy in force (:mod:`sucre.domain.financing`), each within its
    debtor's deficit.
    """
    netted = {a: n for a, n in net_positions(corridor_gross).items() if n}
    invariant(netted == {a: n for a, n in positions.items() if n},
              "journal positions equal the netting of the period's orders")
    gross = sum(corridor_gross.values())
    net_twice = sum(abs(n) for n in positions.values())
    invariant(net_twice % 2 == 0, "sum of |net| is even because positions sum to zero")
    instructions = _instructions(positions, settlement_currency, settlement_rate, financing)
    return SettlementReport(
        period_id=period_id, gross_xsu_minor=gross, net_xsu_minor=net_twice // 2,
        bilateral_xsu_minor=bilateral_net(corridor_gross), positions=dict(positions),
        instructions=instructions, corridors=corridor_shares(corridor_gross, alert_share),
        settlement_currency=settlement_currency, settlement_rate=settlement_rate)


def _instructions(positions: Mapping[AuthorityCode, int], code: CurrencyCode, rate: Fraction,
                  loans: Mapping[AuthorityCode, Loan]) -> tuple[Instruction, ...]:
    debtors = sorted(a for a, n in positions.items() if n < 0)
    creditors = sorted(a for a, n in positions.items() if n > 0)
    invariant(set(loans) <= set(debtors), "only net debtors are lent to")
    result: list[Instruction] = []
    paid_total = 0
    for authority in debtors:
        deficit_xsu = -positions[authority]
        loan = loans.get(authority)
        financed_xsu = 0 if loan is None else loan.xsu_minor
        invariant(0 <= financed_xsu <= deficit_xsu, "a loan is within its debtor's deficit")
        paid_xsu = deficit_xsu - financed_xsu
        for kind, xsu in ((InstructionKind.PAY, paid_xsu), (InstructionKind.FINANCE, financed_xsu)):
            if xsu > 0:
                amount = convert(xsu, XSU, code, rate)
                result.append(Instruction(kind, authority, xsu, amount, code,
                                          loan if kind is InstructionKind.FINANCE else None))
                paid_total += amount
    receipts = allocate(paid_total, [positions[a] for a in creditors])
    for authority, amount in zip(creditors, receipts, strict=True):
        result.append(Instruction(InstructionKind.RECEIVE, authority, positions[authority],
                                  amount, code))
    return tuple(result)


def settlement_entries(report: SettlementReport) -> tuple[JournalEntry, ...]:
    """The journal entries that carry out a settlement report (balanced per currency)."""
    period = report.period_id
    close_postings = tuple(
        Posting(position_account(a), XSU, -n) for a, n in sorted(report.positions.items()) if n)
    entries: list[JournalEntry] = []
    if close_postings:
        entries.append(JournalEntry(EntryKind.CLOSE, period, close_postings,
                                    "net positions surrendered at settlement"))
    for ins in report.instructions:
        if ins.amount_minor == 0:
            continue
        entries.append(_instruction_entry(period, ins))
    return tuple(entries)


def _instruction_entry(period: int, ins: Instruction) -> JournalEntry:
    code, amount, auth = ins.currency, ins.amount_minor, ins.authority
    if ins.kind is InstructionKind.PAY:
        return transfer(EntryKind.SETTLEMENT, period, code, amount,
                        debit=reserve_account(auth), credit=COUNCIL_SETTLEMENT,
                        memo=f"{auth} pays its net debit")
    if ins.kind is InstructionKind.RECEIVE:
        return transfer(EntryKind.SETTLEMENT, period, code, amount,
                        debit=COUNCIL_SETTLEMENT, credit=reserve_account(auth),
                        memo=f"{auth} receives its net credit")
    invariant(ins.loan is not None, "a finance instruction carries its loan")
    assert ins.loan is not None
    return transfer(EntryKind.FINANCING, period, code, amount,
                    debit=ins.loan.account, credit=COUNCIL_SETTLEMENT, memo=ins.loan.memo)
