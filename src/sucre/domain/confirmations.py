"""Confirming that the hard-currency legs of a settled period were paid.

A period's close (:mod:`sucre.domain.settlement`) issues settlement instructions: each net debtor
*pays* its net debit into the council's settlement account, each net creditor *receives* its net
credit from it, in the settlement currency at the period's rate. The money moves outside sucre
(between central banks' reserve accounts); a payment message (pacs.009, see
:mod:`sucre.service.messaging`) then tells the chamber that one leg was paid, and the chamber
records a confirmation if, and only if, the leg is exactly the instruction.

Instruction references
    Every instruction has one reference, ``<period>/<KIND>/<authority>``, e.g. ``2026-H2/PAY/BCC``
    or ``2026-H2/RECEIVE/BCB`` (at most 31 characters: period codes have at most 10, authority
    codes 12, so it fits the 35 of an ISO ``Max35Text``). It is derived from the period and the
    instruction, not stored with them; the settlement report shows it, and it is read
    case-insensitively.

How a leg names the instruction it pays
    * the **reference**, in the leg's end-to-end identification (in pacs.009, ``EndToEndId``: the
      field an MT202's "related reference" maps to). It names the period, so no date rule has
      to guess which period a payment belongs to (periods can be daily and settle on the same
      day; and a close may run before a period's last day);
    * the **direction**: a PAY leg goes from the authority to the chamber, a RECEIVE leg from the
      chamber to the authority. Parties are identified by their code as members of the chamber
      (the authority's code, :data:`CHAMBER_ID` for the chamber), case-insensitively;
    * the **amount and currency**, which must equal the instruction's exactly.

Judgement of one leg, in this order (the first failure is the leg's reason):

=====  ==========================================================================================
FF01   no UETR (it is the confirmation's identity, unique across all confirmations)
RC01   the reference is not ``<period>/PAY|RECEIVE/<authority>``; a party is neither the chamber
       nor a known authority; the parties are not the reference's (wrong authority or direction)
DUPL   the UETR already confirmed another leg (a leg equal to the confirmed one is a replay:
       accepted again, nothing recorded)
RC01   no such instruction: the period is unknown or not settled, or has no such leg
AM03   the currency is not the instruction's
AM12   the amount has more decimals than the currency (AM09 when it differs from the amount)
DT01   the settlement date is not a date
DUPL   the instruction is already confirmed (by another UETR)
=====  ==========================================================================================

The party checks come before the instruction is looked up, so a leg can only ever learn about
instructions of the parties it names (an operator sending legs of its own authority learns
nothing about another authority's). The settlement date is recorded as given, only checked to be
a date: a close may run before its period's last day, and a deadline for payment is a council
parameter sucre does not enforce yet. Financing of a deficit (kind ``finance``, e.g. by the FRCC;
see :mod:`sucre.domain.financing`) is a book transfer made by the close itself: it is not paid
by a message and cannot be confirmed.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sucre.domain.decisions import PeriodDecisions
from sucre.domain.errors import (
    IdempotencyConflict,
    InvalidAmount,
    InvalidCurrency,
    InvalidDate,
    InvalidInput,
    SucreError,
    UnknownParty,
    invariant,
)
from sucre.domain.members import AuthorityCode
from sucre.domain.money import CurrencyCode, format_amount, parse_amount
from sucre.domain.periods import ClearingPeriod
from sucre.domain.settlement import Instruction, InstructionKind, SettlementRecord

#: The chamber's identifier as a member of its own clearing system (``ClrSysMmbId/MmbId``).
CHAMBER_ID = "SUCRE"

#: Instruction kinds that are paid by a message between institutions (FINANCE is a book entry).
PAYABLE_KINDS = (InstructionKind.PAY, InstructionKind.RECEIVE)

REFERENCE_CHARS_MAX = 35  # ISO Max35Text: the reference travels as an EndToEndId
_SEPARATOR = "/"


class SettlementStatus(enum.StrEnum):
    """What the settlement report says of each instruction (``settlement_status``)."""

    PENDING = "pending"  # payable, not confirmed yet
    CONFIRMED = "confirmed"  # a payment message confirmed it
    INTERNAL = "internal"  # booked by the close itself (financing): nothing to confirm


@dataclass(frozen=True, slots=True)
class InstructionRef:
    period_code: str
    kind: InstructionKind
    authority: AuthorityCode

    @property
    def text(self) -> str:
        return instruction_reference(self.period_code, self.kind, self.authority)


def instruction_reference(period_code: str, kind: InstructionKind,
                          authority: AuthorityCode) -> str:
    """``2026-H2/PAY/BCC``: the one name of a settlement instruction."""
    reference = _SEPARATOR.join((period_code, kind.value.upper(), authority))
    invariant(len(reference) <= REFERENCE_CHARS_MAX,
              "period and authority codes are short enough for an ISO Max35Text reference")
    return reference


def parse_reference(text: str, *, field: str) -> InstructionRef:
    """The payable instruction a reference names (RC01 when it names none)."""
    parts = text.strip().upper().split(_SEPARATOR)  # period and authority codes are upper case
    kinds = {k.value.upper(): k for k in PAYABLE_KINDS}
    if len(parts) != 3 or parts[1] not in kinds or not parts[0] or not parts[2]:
        raise UnknownParty(
            f"{text!r} is not a settlement instruction reference (<period>/PAY/<authority> or "
            "<period>/RECEIVE/<authority>)", field=field)
    return InstructionRef(parts[0], kinds[parts[1]], AuthorityCode(parts[2]))


def settlement_status(reference: str, kind: InstructionKind, confirmed: Collection[str]
                      ) -> SettlementStatus:
    """``internal`` for what the close booked itself, else ``confirmed`` once a payment message
    confirmed the reference, ``pending`` until then."""
    if kind not in PAYABLE_KINDS:
        return SettlementStatus.INTERNAL
    return SettlementStatus.CONFIRMED if reference in confirmed else SettlementStatus.PENDING


@dataclass(frozen=True, slots=True)
class SettledInstruction:
    """An instruction of a settled period with its reference and its status today."""

    instruction: Instruction
    reference: str
    status: SettlementStatus


@dataclass(frozen=True, slots=True)
class SettledPeriod:
    """A settled period's report as handed out: the record of its close, and each instruction
    (in the close's order) with its reference and settlement status."""

    period: ClearingPeriod
    record: SettlementRecord
    instructions: tuple[SettledInstruction, ...]
    #: The basket and calendar decisions its figures come from (read when it is handed out).
    behind: PeriodDecisions = PeriodDecisions()


def settled_period(period: ClearingPeriod, record: SettlementRecord,
                   confirmed: Collection[str], behind: PeriodDecisions | None = None
                   ) -> SettledPeriod:
    """The report of ``period`` with the instructions whose references are ``confirmed``."""
    instructions = []
    for ins in record.report.instructions:
        reference = instruction_reference(period.code, ins.kind, ins.authority)
        instructions.append(SettledInstruction(
            ins, reference, settlement_status(reference, ins.kind, confirmed)))
    return SettledPeriod(period, record, tuple(instructions), behind or PeriodDecisions())


@dataclass(frozen=True, slots=True)
class PayableInstruction:
    """A pay or receive instruction of a settled period, as the close issued it."""

    period_id: int
    reference: InstructionRef
    amount_minor: int
    currency: CurrencyCode


@dataclass(frozen=True, slots=True)
class PaidLeg:
    """One reported payment, as text from the message; ``where`` prefixes error fields."""

    message_id: str
    uetr: str | None
    reference: str
    debtor: str
    creditor: str
    amount: str
    currency: str
    settlement_date: str
    where: str  # e.g. "CdtTrfTxInf[2]"


@dataclass(frozen=True, slots=True)
class Confirmation:
    """A leg recorded as paying an instruction."""

    period_id: int
    reference: str
    uetr: str
    message_id: str
    amount_minor: int
    currency: CurrencyCode
    settlement_date: dt.date


@dataclass(frozen=True, slots=True)
class Ledger:
    """What a judgement reads: the instructions named and the confirmations recorded so far."""

    authorities: frozenset[AuthorityCode]
    instructions: Mapping[str, PayableInstruction]  # by reference text
    settled_periods: frozenset[str]  # codes of the settled periods among those named
    by_reference: Mapping[str, Confirmation]
    by_uetr: Mapping[str, Confirmation]


@dataclass(frozen=True, slots=True)
class Judgement:
    """A leg's fate: a new confirmation, a replay of a recorded one, or the reason for refusal."""

    confirmation: Confirmation | None
    replayed: bool
    error: SucreError | None

    def __post_init__(self) -> None:
        invariant((self.confirmation is None) == (self.error is not None),
                  "a leg is confirmed (new or replayed) or refused, not both")
        invariant(not (self.replayed and self.error), "only a confirmation is replayed")


def judge(leg: PaidLeg, ledger: Ledger) -> Judgement:
    """Judge one leg against the ledger (see the module docstring for the order of checks)."""
    try:
        return _judge(leg, ledger)
    except SucreError as error:
        return Judgement(None, False, error)


def _judge(leg: PaidLeg, ledger: Ledger) -> Judgement:
    if leg.uetr is None:
        raise InvalidInput("the UETR is required: it identifies the confirmation",
                           field=f"{leg.where}/PmtId/UETR")
    ref = parse_reference(leg.reference, field=f"{leg.where}/PmtId/EndToEndId")
    _check_parties(leg, ref, ledger.authorities)
    known = ledger.by_uetr.get(leg.uetr)
    if known is not None:
        if _same_leg(known, ref, leg):
            return Judgement(known, True, None)
        raise IdempotencyConflict(
            f"UETR {leg.uetr} already confirmed {known.reference} "
            f"({format_amount(known.amount_minor, known.currency)} {known.currency}) in "
            f"message {known.message_id}", field=f"{leg.where}/PmtId/UETR")
    instruction = _instruction(ref, ledger, f"{leg.where}/PmtId/EndToEndId")
    amount_minor = _amount(leg, instruction)
    day = _date(leg)
    earlier = ledger.by_reference.get(ref.text)
    if earlier is not None:
        raise IdempotencyConflict(
            f"{ref.text} is already confirmed, by UETR {earlier.uetr} in message "
            f"{earlier.message_id}", field=f"{leg.where}/PmtId/EndToEndId")
    return Judgement(Confirmation(instruction.period_id, ref.text, leg.uetr, leg.message_id,
                                  amount_minor, instruction.currency, day), False, None)


def party_code(text: str) -> str:
    """A party identifier as compared with authority codes and :data:`CHAMBER_ID`."""
    return text.strip().upper()


def _check_parties(leg: PaidLeg, ref: InstructionRef,
                   authorities: frozenset[AuthorityCode]) -> None:
    for side, text in (("Dbtr", leg.debtor), ("Cdtr", leg.creditor)):
        code = party_code(text)
        if code != CHAMBER_ID and code not in authorities:
            raise UnknownParty(f"{text!r} is neither the chamber ({CHAMBER_ID}) nor a monetary "
                               "authority", field=f"{leg.where}/{side}/FinInstnId")
    expected = ((ref.authority, CHAMBER_ID) if ref.kind is InstructionKind.PAY
                else (CHAMBER_ID, ref.authority))
    found = (party_code(leg.debtor), party_code(leg.creditor))
    if found != expected:
        raise UnknownParty(
            f"{ref.text} is paid by {expected[0]} to {expected[1]}, not by {found[0]} to "
            f"{found[1]}", field=f"{leg.where}/Dbtr/FinInstnId")


def _same_leg(known: Confirmation, ref: InstructionRef, leg: PaidLeg) -> bool:
    if known.reference != ref.text or known.currency != leg.currency.strip().upper():
        return False
    try:
        amount_minor = parse_amount(leg.amount, known.currency, allow_zero=True)
    except InvalidAmount:
        return False
    return amount_minor == known.amount_minor


def _instruction(ref: InstructionRef, ledger: Ledger, field: str) -> PayableInstruction:
    found = ledger.instructions.get(ref.text)
    if found is not None:
        return found
    why = ("" if ref.period_code in ledger.settled_periods
           else f": no settled period {ref.period_code}")
    raise UnknownParty(f"no settlement instruction {ref.text}{why}", field=field)


def _amount(leg: PaidLeg, instruction: PayableInstruction) -> int:
    field = f"{leg.where}/IntrBkSttlmAmt"
    if leg.currency.strip().upper() != instruction.currency:
        raise InvalidCurrency(f"{instruction.reference.text} is settled in "
                              f"{instruction.currency}, not {leg.currency}", field=field)
    amount_minor = parse_amount(leg.amount, instruction.currency, field=field)
    if amount_minor != instruction.amount_minor:
        due = format_amount(instruction.amount_minor, instruction.currency)
        raise InvalidAmount(f"{leg.amount} {leg.currency} differs from the "
                            f"{due} {instruction.currency} of {instruction.reference.text}",
                            field=field, reason_code="AM09")
    return amount_minor


def _date(leg: PaidLeg) -> dt.date:
    try:
        return dt.date.fromisoformat(leg.settlement_date.strip())
    except ValueError:
        raise InvalidDate(f"{leg.settlement_date!r} is not a date YYYY-MM-DD",
                          field=f"{leg.where}/IntrBkSttlmDt") from None
