"""PetroCaribe use cases: terms, agreements, shipments, loans, repayments in cash and goods,
buy-backs, the portfolio, and the check ``sucre verify`` runs.

The rules are the domain's (:mod:`sucre.domain.petrocaribe`: terms and the bill's split;
:mod:`sucre.domain.loans`: the schedule and how a payment is credited; :mod:`sucre.domain.firms`:
the origin check). Every event on a member's debt is one row of ``petrocaribe_movements`` and
one balanced journal entry (USD, no clearing period), so the journal alone re-derives every
loan's outstanding principal (:func:`check_loans`).

**What a member's status allows** (on the day of the act; :mod:`sucre.domain.members`):

* a new agreement or a new shipment needs the beneficiary (and the supplier) **active**: a
  suspended member receives no new credit (AG01), a withdrawn one nothing (AC04);
* repayments in cash or in goods, early repayment and a buy-back are accepted whatever the
  debtor's status: a suspended or withdrawn member still owes its loans, and paying them only
  reduces the debt.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any, ParamSpec, TypeVar

from sqlalchemy.exc import IntegrityError

from sucre import bounds
from sucre.adapters.db.engine import retry_transient
from sucre.domain import loans, parameters
from sucre.domain.decimal_text import parse_decimal
from sucre.domain.decisions import decision_reference
from sucre.domain.errors import (
    IdempotencyConflict,
    InvalidAmount,
    InvalidInput,
    InvalidState,
    NotFound,
    PartyNotActive,
    UnknownParty,
    invariant,
)
from sucre.domain.firms import Certificate, Firm, certificate, check_origin, firm_code, firm_name
from sucre.domain.ledger import EntryKind, JournalEntry, Posting
from sucre.domain.loans import Credited, Instalment, InstalmentStatus
from sucre.domain.members import MemberCode, MemberStatus, member_code, status_on
from sucre.domain.money import USD, format_amount, parse_amount
from sucre.domain.petrocaribe import (
    BUYBACK_KIND,
    SUPPLIER,
    TERMS_KIND,
    Agreement,
    Delivery,
    Loan,
    Movement,
    MovementKind,
    Shipment,
    Terms,
    TermsTable,
    barrels,
    bill_minor,
    cash_account,
    cash_due,
    decimal_text,
    discount_account,
    goods_account,
    interest_account,
    loan_account,
    price_minor,
    receivable_account,
    sales_account,
    split,
    table_json,
    table_of,
)
from sucre.domain.petrocaribe import value_date as petrocaribe_value_date
from sucre.domain.setoff.runs import Invoice
from sucre.domain.text import stored_text
from sucre.service import setoff_runs
from sucre.service.unit_of_work import UnitOfWork

TERMS_DATA = "petrocaribe-terms.json"

P = ParamSpec("P")
R = TypeVar("R")


def _unique(field_name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A use case whose natural key (a cargo id, a delivery's reference, a firm's or an
    agreement's code) another request took between its check and its write: the database's
    unique constraint refuses the write (the block is undone) and the caller is told so, as a
    duplicate, instead of a bare database error."""
    def wrap(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return function(*args, **kwargs)
            except IntegrityError:
                raise InvalidState(f"this {field_name.replace('_', ' ')} was recorded at the "
                                   "same moment by another request", field=field_name,
                                   reason_code="DUPL") from None
        return run
    return wrap
_HS_DIGITS = 6


# --- terms ----------------------------------------------------------------------------------

def shipped_tables() -> list[tuple[dt.date, str, TermsTable]]:
    """The historic tier tables shipped as data (``adapters/data/petrocaribe-terms.json``)."""
    text = resources.files("sucre.adapters").joinpath("data", TERMS_DATA).read_text("utf-8")
    return [(dt.date.fromisoformat(d["effective_date"]), d["reference"], table_of(d["table"]))
            for d in json.loads(text)["decisions"]]


@retry_transient
def load_terms(uow: UnitOfWork) -> int:
    """Record the shipped tier tables as council decisions (``sucre init``); a table already
    recorded (same effective date and reference) is not recorded again. How many were."""
    recorded = 0
    with uow:
        known = {(d.effective_date, d.reference)
                 for d in uow.decisions.dated_until(dt.date.max, TERMS_KIND)}
        for effective, reference, table in shipped_tables():
            if (effective, reference) not in known:
                uow.decisions.record_decision(TERMS_KIND, effective, reference, table_json(table))
                recorded += 1
        uow.commit()
    return recorded


@retry_transient
def decide_terms(uow: UnitOfWork, table: TermsTable, effective_date: dt.date,
                 reference: str) -> int:
    """The council decides a tier table from ``effective_date`` on; it supersedes the one in
    force then (nothing is edited). The decision's id."""
    with uow:
        decision = uow.decisions.record_decision(TERMS_KIND, effective_date, reference,
                                                 table_json(table))
        uow.commit()
    return decision


def _terms(uow: UnitOfWork, price: int, day: dt.date) -> Terms:
    tables = uow.decisions.dated_until(day, TERMS_KIND)
    if not tables:
        raise InvalidState(f"no PetroCaribe tier table is in force on {day} (the first is "
                           "loaded by `sucre init`)", field="date")
    decision = tables[-1]
    high = uow.decisions.parameter_value(parameters.PETROCARIBE_HIGH_THRESHOLD, day)
    return table_of(decision.payload).terms(price, high, decision.id, decision.reference)


def terms_on(uow: UnitOfWork, price: int, day: dt.date) -> Terms:
    """The terms a shipment at ``price`` cents a barrel gets on ``day``."""
    with uow:
        return _terms(uow, price, day)


# --- firms ----------------------------------------------------------------------------------

@retry_transient
@_unique("firm")
def add_firm(uow: UnitOfWork, code: str, name: str, member: str, registered_on: dt.date
             ) -> tuple[Firm, bool]:
    """Register a firm in a member state of the bloc; the same firm again changes nothing
    (returned with False), another firm under a taken code is refused."""
    firm = Firm(firm_code(code), firm_name(name), member_code(member), registered_on)
    with uow:
        if uow.members.history(firm.member) == []:
            raise UnknownParty(f"{firm.member} is not a member of the bloc", field="member")
        known = uow.firms.by_code(firm.code)
        if known is not None:
            if known != firm:
                raise IdempotencyConflict(f"firm {firm.code} is already registered as "
                                          f"{known.name!r} in {known.member} on "
                                          f"{known.registered_on}", field="firm")
            return known, False
        uow.firms.add(firm)
        uow.commit()
    return firm, True


def list_firms(uow: UnitOfWork, member: str | None = None) -> list[Firm]:
    with uow:
        return uow.firms.listed(None if member is None else member_code(member))


# --- agreements -----------------------------------------------------------------------------

def _label(text: str, field_name: str, chars_max: int) -> str:
    value = stored_text(text, field_name, chars_max=chars_max, required=True)
    if any(c.isspace() for c in value):
        raise InvalidInput(f"{field_name} has no spaces", field=field_name)
    return value


def _require_active(uow: UnitOfWork, member: MemberCode, day: dt.date, field_name: str,
                    what: str) -> None:
    history = uow.members.history(member)
    if not history:
        raise UnknownParty(f"{member} is not a member of the bloc", field=field_name)
    current = status_on(history, day)
    if current is None:
        raise PartyNotActive(f"{member} is not yet a member on {day}", field=field_name,
                             reason_code="AG01")
    if current is MemberStatus.WITHDRAWN:
        raise PartyNotActive(f"{member} has withdrawn by {day}: {what}", field=field_name,
                             reason_code="AC04")
    if current is MemberStatus.SUSPENDED:
        raise PartyNotActive(f"{member} is suspended on {day}: {what}", field=field_name,
                             reason_code="AG01")


@retry_transient
@_unique("agreement")
def add_agreement(uow: UnitOfWork, code: str, member: str, signed_on: dt.date,
                  reference: str) -> tuple[Agreement, bool]:
    """A supply agreement between the supplier (Venezuela) and ``member`` (active on
    ``signed_on``); the same agreement again changes nothing (False), another under a taken
    code is refused."""
    agreement = Agreement(firm_code(code, field="agreement"), SUPPLIER, member_code(member),
                          signed_on, decision_reference(reference))
    if agreement.beneficiary == SUPPLIER:
        raise InvalidInput("the supplier does not supply itself", field="member")
    with uow:
        known = uow.petrocaribe.agreement(agreement.code)
        if known is not None:
            if (known.beneficiary, known.signed_on, known.reference) != (
                    agreement.beneficiary, agreement.signed_on, agreement.reference):
                raise IdempotencyConflict(f"agreement {agreement.code} is already recorded with "
                                          f"{known.beneficiary}, signed {known.signed_on}",
                                          field="agreement")
            return known, False
        _require_active(uow, agreement.beneficiary, signed_on, "member",
                        "it signs no new supply agreement")
        _require_active(uow, SUPPLIER, signed_on, "supplier", "it signs no new agreement")
        agreement_id = uow.petrocaribe.add_agreement(agreement)
        uow.commit()
    return Agreement(agreement.code, agreement.supplier, agreement.beneficiary,
                     agreement.signed_on, agreement.reference, agreement_id), True


# --- shipments ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Shipped:
    shipment: Shipment
    terms: Terms
    loan: Loan | None
    schedule: tuple[Instalment, ...]


@retry_transient
@_unique("cargo_id")
def ship(uow: UnitOfWork, agreement_code: str, cargo_id: str, value_date: dt.date,
         barrels_text: str, price_text: str) -> Shipped:
    """Record a cargo shipped under an agreement: its bill (barrels x price, exact), split by
    the terms in force on ``value_date`` into the cash part (due after the cash days) and the
    financed part, which becomes a loan with its schedule; one journal entry books both."""
    cargo = _label(cargo_id, "cargo_id", 64)
    petrocaribe_value_date(value_date)
    quantity = barrels(barrels_text)
    price = price_minor(price_text)
    bill = bill_minor(quantity, price)
    with uow:
        agreement = uow.petrocaribe.agreement(agreement_code.strip().upper())
        if agreement is None:
            raise NotFound(f"no supply agreement {agreement_code.strip()[:32]!r}",
                           field="agreement")
        if uow.petrocaribe.shipment(cargo) is not None:
            raise InvalidState(f"cargo {cargo} is already recorded: a cargo is shipped once",
                               field="cargo_id", reason_code="DUPL")
        if value_date < agreement.signed_on:
            raise InvalidState(f"agreement {agreement.code} was signed on {agreement.signed_on}, "
                               f"after {value_date}", field="value_date")
        _require_active(uow, agreement.beneficiary, value_date, "member",
                        "it receives no new shipment on credit")
        _require_active(uow, SUPPLIER, value_date, "supplier", "it ships nothing new")
        terms = _terms(uow, price, value_date)
        cash, financed = split(bill, terms.share)
        shipment = Shipment(agreement.code, cargo, agreement.beneficiary, value_date,
                            parse_decimal(barrels_text, field="barrels").text, price, bill, cash,
                            financed, terms.share, cash_due(value_date, terms), terms.decision_id)
        shipment_id = uow.petrocaribe.add_shipment(shipment, agreement.id)
        loan: Loan | None = None
        plan: tuple[Instalment, ...] = ()
        if financed:
            plan = loans.schedule(financed, value_date, years=terms.years,
                                  grace_years=terms.grace_years, rate=terms.rate,
                                  per_year=terms.per_year)
            draft = Loan(0, cargo, agreement.beneficiary, financed, value_date, terms.years,
                         terms.grace_years, terms.rate, terms.per_year, terms.decision_id)
            loan_id = uow.petrocaribe.add_loan(draft, shipment_id, plan)
            loan = replace(draft, id=loan_id)
        member = agreement.beneficiary
        postings = [Posting(sales_account(SUPPLIER), USD, bill)]
        if cash:
            postings.append(Posting(receivable_account(member), USD, -cash))
        if loan is not None:
            postings.append(Posting(loan_account(member, loan.id), USD, -financed))
        entry = JournalEntry(EntryKind.SUPPLY, None, tuple(postings),
                             f"PetroCaribe bill {cargo}: {member} cash "
                             f"{format_amount(cash, USD)}, financed {format_amount(financed, USD)}")
        entry_id = uow.journal.append([entry])[0]
        uow.petrocaribe.add_movement(Movement(
            MovementKind.BILL, member, value_date, bill, cargo,
            loan_id=None if loan is None else loan.id, cargo_id=cargo, entry_id=entry_id), {})
        stored = uow.petrocaribe.shipment(cargo)
        invariant(stored is not None, "a recorded shipment reads back")
        assert stored is not None
        uow.commit()
    return Shipped(stored, terms, loan, plan)


# --- payments -------------------------------------------------------------------------------

def _amount(text: str, field_name: str = "amount") -> int:
    return parse_amount(text, USD, field=field_name)


def _reference(text: str) -> str:
    return stored_text(text, "reference", chars_max=bounds.text_chars_max, required=True)


def _scoped_loan(uow: UnitOfWork, loan_id: int, members: Collection[MemberCode] | None,
                 *, lock: bool = False) -> Loan:
    loan = uow.petrocaribe.loan(loan_id, lock=lock)
    if loan is None or (members is not None and loan.member not in members):
        raise NotFound(f"no loan {loan_id}", field="loan")
    return loan


def _statuses(uow: UnitOfWork, loan: Loan) -> list[InstalmentStatus]:
    return loans.status(uow.petrocaribe.instalments([loan.id])[loan.id],
                        uow.petrocaribe.credits([loan.id])[loan.id])


def _fresh_reference(uow: UnitOfWork, kind: str, reference: str) -> None:
    if uow.petrocaribe.reference_taken(kind, reference):
        raise InvalidState(f"a {kind.replace('_', ' ')} with reference {reference!r} is already "
                           "recorded", field="reference", reason_code="DUPL")


@retry_transient
def pay_cash_part(uow: UnitOfWork, cargo_id: str, amount_text: str, day: dt.date,
                  reference: str) -> Movement:
    """The member pays (part of) a bill's cash part."""
    amount = _amount(amount_text)
    ref = _reference(reference)
    with uow:
        shipment = uow.petrocaribe.shipment(cargo_id.strip())
        if shipment is None:
            raise NotFound(f"no cargo {cargo_id.strip()[:64]!r}", field="cargo_id")
        _fresh_reference(uow, MovementKind.CASH_PART, ref)
        unpaid = shipment.cash_minor - uow.petrocaribe.cash_paid().get(shipment.cargo_id, 0)
        if amount > unpaid:
            raise InvalidInput(f"{format_amount(amount, USD)} USD is more than the cash part of "
                               f"{shipment.cargo_id} still unpaid "
                               f"({format_amount(unpaid, USD)})", field="amount")
        entry_id = uow.journal.append([JournalEntry(EntryKind.SUPPLY_CASH, None, (
            Posting(cash_account(SUPPLIER), USD, -amount),
            Posting(receivable_account(shipment.member), USD, amount)),
            f"PetroCaribe cash part of {shipment.cargo_id} paid by {shipment.member}")])[0]
        movement = Movement(MovementKind.CASH_PART, shipment.member, day, amount, ref,
                            cargo_id=shipment.cargo_id, entry_id=entry_id)
        movement_id = uow.petrocaribe.add_movement(movement, {})
        uow.commit()
    return replace(movement, id=movement_id)


@retry_transient
def repay(uow: UnitOfWork, loan_id: int, amount_text: str, day: dt.date, reference: str, *,
          early: bool = False, members: Collection[MemberCode] | None = None) -> Movement:
    """A cash repayment credited to the loan's oldest instalments, interest first
    (:func:`sucre.domain.loans.credit`); ``early``: the amount must be exactly what settles
    the loan on ``day`` (:func:`sucre.domain.loans.payoff`: interest not yet due is waived)."""
    amount = _amount(amount_text)
    ref = _reference(reference)
    kind = MovementKind.EARLY if early else MovementKind.REPAYMENT
    with uow:
        loan = _scoped_loan(uow, loan_id, members, lock=True)
        _fresh_reference(uow, kind, ref)
        statuses = _statuses(uow, loan)
        if early:
            lines = loans.payoff(statuses, day)
            due = sum(c.paid_minor for c in lines)
            if not due:
                raise InvalidState(f"loan {loan.id} is already repaid", field="loan")
            if amount != due:
                raise InvalidInput(f"an early repayment of loan {loan.id} on {day} is exactly "
                                   f"{format_amount(due, USD)} USD (what is due by then and the "
                                   "principal after it; interest not yet due is waived), not "
                                   f"{format_amount(amount, USD)}", field="amount")
        else:
            lines = loans.credit(statuses, amount)
        entry_id = uow.journal.append([_credits_entry(
            EntryKind.REPAYMENT, cash_account(SUPPLIER), loan.member, {loan.id: lines},
            f"PetroCaribe loan {loan.id} ({loan.member}) {'repaid early' if early else 'repaid'}"
            f" in cash: {ref}"[:200])])[0]
        movement = Movement(kind, loan.member, day, amount, ref, loan_id=loan.id,
                            entry_id=entry_id)
        movement_id = uow.petrocaribe.add_movement(movement, {loan.id: lines})
        uow.commit()
    return replace(movement, id=movement_id)


@dataclass(frozen=True, slots=True)
class Goods:
    """A delivery as given (text), before it is checked."""

    reference: str
    hs_code: str
    quantity: str
    unit: str
    unit_price: str
    exporter: str
    importer: str
    certificate: str
    certificate_exporter: str
    certificate_country: str


def _hs_code(text: str) -> str:
    code = text.strip()
    if not (len(code) == _HS_DIGITS and code.isascii() and code.isdigit()):
        raise InvalidInput(f"{text[:20]!r} is not an HS code of {_HS_DIGITS} digits",
                           field="hs_code")
    return code


def _goods_value(quantity_text: str, unit_price: int) -> tuple[str, int]:
    quantity = parse_decimal(quantity_text, field="quantity", what="a quantity")
    if quantity.units == 0:
        raise InvalidInput("quantity must be more than zero", field="quantity")
    value = quantity.fraction() * unit_price
    if value.denominator != 1:
        raise InvalidInput(f"{quantity.text} at {format_amount(unit_price, USD)} USD is not a "
                           "whole number of cents", field="quantity")
    return quantity.text, int(value)


@retry_transient
@_unique("reference")
def deliver(uow: UnitOfWork, loan_id: int | None, goods: Goods, day: dt.date, *,
            agreement: str | None = None,
            members: Collection[MemberCode] | None = None) -> Delivery:
    """Goods delivered in repayment at agreed prices, of one loan or (``agreement``, with
    ``loan_id`` None) of the loans of one supply agreement, oldest loan first: origin-checked
    (:func:`sucre.domain.firms.check_origin`), credited to the oldest instalments (interest
    first), and stored as a trade invoice (the debtor state's exporter -> the supplier's
    importer, in USD, at the agreed value) so that it takes part in set-off. A refusal writes
    nothing."""
    reference = _label(goods.reference, "reference", 64)
    hs_code = _hs_code(goods.hs_code)
    unit = _label(goods.unit, "unit", 8)
    unit_price = _amount(goods.unit_price, "unit_price")
    quantity, value = _goods_value(goods.quantity, unit_price)
    exporter_code = firm_code(goods.exporter, field="exporter")
    importer = _label(goods.importer, "importer", bounds.invoice_label_chars_max)
    cert: Certificate = certificate(goods.certificate, goods.certificate_exporter,
                                    goods.certificate_country)
    if (loan_id is None) == (agreement is None):
        raise InvalidInput("a delivery repays one loan or the loans of one agreement",
                           field="loan")
    with uow:
        member, chosen, what = _repaid_loans(uow, loan_id, agreement, members)
        if uow.petrocaribe.delivery(reference) is not None:
            raise InvalidState(f"delivery {reference} is already recorded", field="reference",
                               reason_code="DUPL")
        exporter = uow.firms.by_code(exporter_code)
        if exporter is not None and exporter.member != member:
            raise InvalidState(f"exporter {exporter.code} is registered in {exporter.member}: "
                               f"a delivery of {exporter.member} cannot repay {what} of "
                               f"{member}", field="loan" if agreement is None else "agreement")
        check_origin(exporter, exporter_code, cert, member, day)
        assert exporter is not None  # check_origin refused an unknown one
        credits = _spread(uow, chosen, value)
        entry_id = uow.journal.append([_credits_entry(
            EntryKind.GOODS, goods_account(SUPPLIER), member, credits,
            f"PetroCaribe {what} ({member}) repaid in goods: {reference} HS {hs_code} "
            f"{quantity} {unit}"[:200])])[0]
        movement_id = uow.petrocaribe.add_movement(Movement(
            MovementKind.GOODS, member, day, value, reference, loan_id=loan_id,
            entry_id=entry_id), credits)
        invoice_id = f"PC-{reference}"[:bounds.invoice_label_chars_max]
        delivery = Delivery(reference, loan_id, member, day, hs_code, quantity, unit,
                            unit_price, value, exporter.code, importer, cert.number,
                            cert.exporter, cert.country, invoice_id, movement_id,
                            agreement=None if agreement is None
                            else firm_code(agreement, field="agreement"))
        firm_id = uow.firms.id_of(exporter.code)
        invariant(firm_id is not None, "a registered firm has an id")
        assert firm_id is not None
        delivery_id = uow.petrocaribe.add_delivery(delivery, firm_id)
        # In USD: `pay-residuals` never turns it into a payment order (an importer pays in its
        # own currency or XSU), which it must not be, the credit to the loan having paid for
        # the goods; set-off may still cancel it against what the exporter owes.
        setoff_runs.store_invoices(uow, [Invoice(
            invoice_id, importer, exporter.code, value, USD, SUPPLIER, member, day,
            hs_code, quantity, unit, cert.number)])
        uow.commit()
    return replace(delivery, id=delivery_id)


def _repaid_loans(uow: UnitOfWork, loan_id: int | None, agreement: str | None,
                  members: Collection[MemberCode] | None) -> tuple[MemberCode, list[Loan], str]:
    """The debtor, the loans a payment may be credited to (locked, oldest first) and their
    name in messages: one loan, or those of one agreement."""
    if loan_id is not None:
        loan = _scoped_loan(uow, loan_id, members, lock=True)
        return loan.member, [loan], f"loan {loan.id}"
    assert agreement is not None
    code = firm_code(agreement, field="agreement")
    found = uow.petrocaribe.agreement(code)
    if found is None or (members is not None and found.beneficiary not in members):
        raise NotFound(f"no supply agreement {code}", field="agreement")
    cargoes = {s.cargo_id for s in uow.petrocaribe.shipments([found.beneficiary])
               if s.agreement == found.code}
    chosen = [loan for loan in uow.petrocaribe.loans([found.beneficiary], lock=True)
              if loan.cargo_id in cargoes]
    return found.beneficiary, chosen, f"the loans of agreement {found.code}"


def _spread(uow: UnitOfWork, chosen: Sequence[Loan], value: int) -> dict[int, list[Credited]]:
    """``value`` credited to the loans in order, each to its oldest instalments, interest
    first; more than they owe together is refused."""
    statuses = {loan.id: _statuses(uow, loan) for loan in chosen}
    total = sum(loans.owed(s) for s in statuses.values())
    if value > total:
        raise InvalidAmount(f"{format_amount(value, USD)} USD is more than "
                            f"{'the loan' if len(chosen) == 1 else 'these loans'} still owe "
                            f"({format_amount(total, USD)} USD)", field="quantity")
    credits: dict[int, list[Credited]] = {}
    left = value
    for loan in chosen:
        part = min(left, loans.owed(statuses[loan.id]))
        if part:
            credits[loan.id] = loans.credit(statuses[loan.id], part)
            left -= part
    invariant(left == 0, "a delivery is credited whole")
    return credits


def _credits_entry(kind: EntryKind, debit: str, member: MemberCode,
                   credits: Mapping[int, Sequence[Credited]], memo: str) -> JournalEntry:
    """One entry: ``debit`` for the whole amount, each loan's principal, the interest."""
    interest = sum(c.interest_minor for lines in credits.values() for c in lines)
    paid = sum(c.paid_minor for lines in credits.values() for c in lines)
    postings = [Posting(debit, USD, -paid)]
    for loan_id, lines in credits.items():
        principal = sum(c.principal_minor for c in lines)
        if principal:
            postings.append(Posting(loan_account(member, loan_id), USD, principal))
    if interest:
        postings.append(Posting(interest_account(member), USD, interest))
    return JournalEntry(kind, None, tuple(postings), memo)


# --- buy-back -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class BuyBack:
    decision_id: int
    movement: Movement
    face_minor: int  # principal outstanding + interest due and unpaid, retired
    loan_ids: tuple[int, ...]


@retry_transient
def buyback(uow: UnitOfWork, payload: Mapping[str, Any], effective_date: dt.date,
            reference: str) -> BuyBack:
    """The council's decision that ``member`` retires some loans (or all of its open ones)
    for ``price`` USD on ``effective_date``: the price is a repayment (cash), the rest of the
    face value (principal outstanding + interest due and unpaid; interest not yet due is
    waived) is booked as a **discount**, never as a payment. The loans close."""
    member = member_code(str(payload["member"]))
    price = int(payload["price_minor"])
    with uow:
        credits = _buyback_credits(uow, member, payload["loans"], effective_date)
        face = sum(c.paid_minor for lines in credits.values() for c in lines)
        if price > face:
            raise InvalidInput(f"the price ({format_amount(price, USD)} USD) exceeds the face "
                               f"value bought back ({format_amount(face, USD)} USD)",
                               field="price")
        decision = uow.decisions.record_decision(BUYBACK_KIND, effective_date, reference, {
            "member": member, "loans": sorted(credits), "price_minor": price,
            "face_minor": face, "discount_minor": face - price})
        postings = [Posting(cash_account(SUPPLIER), USD, -price)] if price else []
        if face - price:
            postings.append(Posting(discount_account(member), USD, -(face - price)))
        interest = 0
        for loan_id, lines in credits.items():
            principal = sum(c.principal_minor for c in lines)
            interest += sum(c.interest_minor for c in lines)
            if principal:
                postings.append(Posting(loan_account(member, loan_id), USD, principal))
        if interest:
            postings.append(Posting(interest_account(member), USD, interest))
        entry_id = uow.journal.append([JournalEntry(
            EntryKind.BUYBACK, None, tuple(postings),
            f"PetroCaribe buy-back of {member}'s loans {sorted(credits)} for "
            f"{format_amount(price, USD)} USD (decision {decision})"[:200])])[0]
        movement = Movement(MovementKind.BUYBACK, member, effective_date, price,
                            decision_reference(reference), discount_minor=face - price,
                            decision_id=decision, entry_id=entry_id)
        # Interest the buy-back retires was never paid: each instalment records it as waived
        # (the journal books it as earned and written off in the discount).
        retired = {loan_id: [Credited(c.number, 0, c.principal_minor,
                                      c.interest_minor + c.waived_minor) for c in lines]
                   for loan_id, lines in credits.items()}
        movement_id = uow.petrocaribe.add_movement(movement, retired)
        uow.commit()
    return BuyBack(decision, replace(movement, id=movement_id), face, tuple(sorted(credits)))


def _buyback_credits(uow: UnitOfWork, member: MemberCode, named: object,
                     day: dt.date) -> dict[int, list[Credited]]:
    """What settles each loan bought back (all of ``member``'s, or those ``named``) on ``day``."""
    if named == "all":
        chosen = list(uow.petrocaribe.loans([member], lock=True))
    else:
        assert isinstance(named, list)
        chosen = [_scoped_loan(uow, int(i), None, lock=True) for i in named]
        other = [loan.id for loan in chosen if loan.member != member]
        if other:
            raise InvalidState(f"loan {other[0]} is not {member}'s", field="loans")
    credits: dict[int, list[Credited]] = {}
    for loan in chosen:
        lines = loans.payoff(_statuses(uow, loan), day)
        if lines:
            credits[loan.id] = lines
    if not credits:
        raise InvalidState(f"{member} has no open loan to buy back"
                           + ("" if named == "all" else " among those named"), field="loans")
    return credits


# --- reading --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class LoanView:
    loan: Loan
    statuses: tuple[InstalmentStatus, ...]
    as_of: dt.date

    @property
    def outstanding(self) -> int:
        return loans.principal_outstanding(self.statuses)

    @property
    def arrears(self) -> list[InstalmentStatus]:
        return loans.arrears(self.statuses, self.as_of)


def loan_view(uow: UnitOfWork, loan_id: int, as_of: dt.date, *,
              members: Collection[MemberCode] | None = None) -> LoanView:
    with uow:
        loan = _scoped_loan(uow, loan_id, members)
        statuses = _statuses(uow, loan)
    return LoanView(loan, tuple(statuses), as_of)


def _status_json(line: InstalmentStatus) -> dict[str, Any]:
    i = line.instalment
    return {"number": i.number, "due_date": i.due_date.isoformat(),
            "principal": format_amount(i.principal_minor, USD),
            "interest": format_amount(i.interest_minor, USD),
            "principal_paid": format_amount(line.principal_paid, USD),
            "interest_paid": format_amount(line.interest_paid, USD),
            "interest_waived": format_amount(line.interest_waived, USD),
            "owed": format_amount(line.owed, USD)}


def loan_json(view: LoanView) -> dict[str, Any]:
    loan = view.loan
    return {"id": loan.id, "cargo_id": loan.cargo_id, "member": loan.member,
            "principal": format_amount(loan.principal_minor, USD),
            "start_date": loan.start_date.isoformat(), "years": loan.years,
            "grace_years": loan.grace_years, "rate": decimal_text(loan.rate),
            "instalments_per_year": loan.per_year, "terms_decision": loan.decision_id,
            "as_of": view.as_of.isoformat(),
            "outstanding": format_amount(view.outstanding, USD),
            "arrears": format_amount(sum(s.owed for s in view.arrears), USD),
            "closed": not loans.owed(view.statuses),
            "instalments": [_status_json(s) for s in view.statuses]}


@dataclass
class _Figures:
    face: int = 0
    outstanding: int = 0
    cash_billed: int = 0
    cash_paid: int = 0
    repaid_cash: int = 0
    repaid_goods: int = 0
    goods_by_hs: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    discount: int = 0
    bought_back: int = 0
    arrears: int = 0
    interest_due: int = 0
    interest_paid: int = 0
    interest_waived: int = 0
    principal_ahead: int = 0
    interest_ahead: int = 0
    loans_open: int = 0
    loans: int = 0

    def add_loan(self, loan: Loan, statuses: Sequence[InstalmentStatus], as_of: dt.date
                 ) -> None:
        self.loans += 1
        self.loans_open += bool(loans.owed(statuses))
        self.face += loan.principal_minor
        self.outstanding += loans.principal_outstanding(statuses)
        self.arrears += sum(s.owed for s in loans.arrears(statuses, as_of))
        for line in statuses:
            self.interest_paid += line.interest_paid
            self.interest_waived += line.interest_waived
            if line.instalment.due_date <= as_of:
                self.interest_due += line.instalment.interest_minor
            else:
                self.principal_ahead += line.principal_owed
                self.interest_ahead += line.interest_owed

    def add_movement(self, movement: Movement) -> None:
        if movement.kind in (MovementKind.REPAYMENT, MovementKind.EARLY):
            self.repaid_cash += movement.amount_minor
        elif movement.kind == MovementKind.GOODS:
            self.repaid_goods += movement.amount_minor
        elif movement.kind == MovementKind.BUYBACK:
            self.bought_back += movement.amount_minor
            self.discount += movement.discount_minor

    def json(self) -> dict[str, Any]:
        def usd(minor: int) -> str:
            return format_amount(minor, USD)
        return {
            "loans": self.loans, "loans_open": self.loans_open, "face_value": usd(self.face),
            "outstanding": usd(self.outstanding),
            "cash_parts": {"billed": usd(self.cash_billed), "paid": usd(self.cash_paid),
                           "unpaid": usd(self.cash_billed - self.cash_paid)},
            "repaid_in_cash": usd(self.repaid_cash), "repaid_in_goods": usd(self.repaid_goods),
            "goods_by_hs_code": {hs: usd(v) for hs, v in sorted(self.goods_by_hs.items())},
            "bought_back_for": usd(self.bought_back), "discount_written_off": usd(self.discount),
            "arrears": usd(self.arrears),
            # accrued: of instalments due by the as-of date; paid: in cash or goods; waived:
            # not paid (not yet due at an early repayment, or retired by a buy-back)
            "interest": {"accrued": usd(self.interest_due), "paid": usd(self.interest_paid),
                         "waived": usd(self.interest_waived)},
            "schedule_ahead": {"principal": usd(self.principal_ahead),
                               "interest": usd(self.interest_ahead)}}


def portfolio(uow: UnitOfWork, as_of: dt.date, member: str | None = None, *,
              members: Collection[MemberCode] | None = None) -> dict[str, Any]:
    """Per member and for the bloc: face value, outstanding, repaid in cash and in goods (by HS
    code), discount written off, arrears, interest accrued (instalments due by ``as_of``),
    paid and waived, the schedule ahead; ``members`` narrows what the caller may see."""
    wanted = None if member is None else member_code(member)
    if wanted is not None and members is not None and wanted not in members:
        raise NotFound(f"no PetroCaribe loans of {wanted} are visible to you", field="member")
    scope = [wanted] if wanted is not None else members
    per: dict[str, _Figures] = defaultdict(_Figures)
    with uow:
        all_loans = uow.petrocaribe.loans(scope)
        schedules = uow.petrocaribe.instalments([loan.id for loan in all_loans])
        credits = uow.petrocaribe.credits([loan.id for loan in all_loans])
        cash_paid = uow.petrocaribe.cash_paid()
        shipments = uow.petrocaribe.shipments(scope)
        movements = uow.petrocaribe.movements(scope)
        deliveries = uow.petrocaribe.deliveries(scope)
    for shipment in shipments:
        per[shipment.member].cash_billed += shipment.cash_minor
        per[shipment.member].cash_paid += cash_paid.get(shipment.cargo_id, 0)
    for loan in all_loans:
        per[loan.member].add_loan(loan, loans.status(schedules[loan.id], credits[loan.id]),
                                  as_of)
    for movement in movements:
        per[movement.member].add_movement(movement)
    for delivery in deliveries:
        per[delivery.member].goods_by_hs[delivery.hs_code] += delivery.value_minor
    bloc = _Figures()
    for figures in per.values():
        for name in ("face", "outstanding", "cash_billed", "cash_paid", "repaid_cash",
                     "repaid_goods", "discount", "bought_back", "arrears", "interest_due",
                     "interest_paid", "interest_waived", "principal_ahead", "interest_ahead",
                     "loans_open", "loans"):
            setattr(bloc, name, getattr(bloc, name) + getattr(figures, name))
        for hs, value in figures.goods_by_hs.items():
            bloc.goods_by_hs[hs] += value
    return {"as_of": as_of.isoformat(), "currency": USD,
            "members": {m: f.json() for m, f in sorted(per.items())},
            "bloc": bloc.json()}


# --- verify ---------------------------------------------------------------------------------

def check_loans(uow: UnitOfWork) -> dict[str, Any]:
    """Re-derive every loan's outstanding principal and every member's unpaid cash parts from
    the journal and compare them with the PetroCaribe tables (``sucre verify``); a mismatch is
    an :class:`~sucre.domain.errors.InvariantBroken`."""
    with uow:
        balances = uow.journal.balances()
        all_loans = uow.petrocaribe.loans()
        ids = [loan.id for loan in all_loans]
        schedules = uow.petrocaribe.instalments(ids)
        credits = uow.petrocaribe.credits(ids)
        shipments = uow.petrocaribe.shipments()
        cash_paid = uow.petrocaribe.cash_paid()
    outstanding = 0
    for loan in all_loans:
        statuses = loans.status(schedules[loan.id], credits[loan.id])
        invariant(sum(i.principal_minor for i in schedules[loan.id]) == loan.principal_minor,
                  f"loan {loan.id}'s schedule repays its principal exactly")
        left = loans.principal_outstanding(statuses)
        journal = -balances.get((loan_account(loan.member, loan.id), USD), 0)
        invariant(journal == left, f"loan {loan.id} ({loan.member}): the journal says "
                  f"{format_amount(journal, USD)} outstanding, the tables "
                  f"{format_amount(left, USD)}")
        outstanding += left
    unpaid: dict[MemberCode, int] = defaultdict(int)
    for shipment in shipments:
        invariant(shipment.cash_minor + shipment.financed_minor == shipment.bill_minor,
                  f"cargo {shipment.cargo_id}: cash + financed = bill")
        unpaid[shipment.member] += shipment.cash_minor - cash_paid.get(shipment.cargo_id, 0)
    for member, amount in unpaid.items():
        journal = -balances.get((receivable_account(member), USD), 0)
        invariant(journal == amount, f"{member}'s unpaid PetroCaribe cash parts: the journal "
                  f"says {format_amount(journal, USD)}, the tables {format_amount(amount, USD)}")
    return {"loans": len(all_loans), "shipments": len(shipments),
            "outstanding": format_amount(outstanding, USD),
            "cash_parts_unpaid": format_amount(sum(unpaid.values()), USD)}


# --- the JSON the CLI prints and the API answers --------------------------------------------

def firm_json(firm: Firm) -> dict[str, Any]:
    return {"code": firm.code, "name": firm.name, "member": firm.member,
            "registered_on": firm.registered_on.isoformat()}


def agreement_json(agreement: Agreement) -> dict[str, Any]:
    return {"code": agreement.code, "supplier": agreement.supplier,
            "beneficiary": agreement.beneficiary, "signed_on": agreement.signed_on.isoformat(),
            "reference": agreement.reference}


def _instalment_json(instalment: Instalment) -> dict[str, Any]:
    return {"number": instalment.number, "due_date": instalment.due_date.isoformat(),
            "principal": format_amount(instalment.principal_minor, USD),
            "interest": format_amount(instalment.interest_minor, USD)}


def shipment_json(shipped: Shipped) -> dict[str, Any]:
    """``sucre petrocaribe shipment --json``: the bill, its split, the loan's schedule."""
    s, terms = shipped.shipment, shipped.terms
    return {"cargo_id": s.cargo_id, "agreement": s.agreement, "member": s.member,
            "value_date": s.value_date.isoformat(), "barrels": s.barrels,
            "price": format_amount(s.price_minor, USD), "bill": format_amount(s.bill_minor, USD),
            "financed_share": decimal_text(s.share),
            "cash": format_amount(s.cash_minor, USD), "cash_due": s.cash_due.isoformat(),
            "financed": format_amount(s.financed_minor, USD),
            "terms": {"years": terms.years, "grace_years": terms.grace_years,
                      "rate": decimal_text(terms.rate), "cash_days": terms.cash_days,
                      "instalments_per_year": terms.per_year,
                      "decision": {"id": terms.decision_id, "reference": terms.reference}},
            "loan": None if shipped.loan is None else shipped.loan.id,
            "schedule": [_instalment_json(i) for i in shipped.schedule]}


def movement_json(movement: Movement) -> dict[str, Any]:
    return {"id": movement.id, "kind": movement.kind, "member": movement.member,
            "value_date": movement.value_date.isoformat(),
            "amount": format_amount(movement.amount_minor, USD),
            "discount": format_amount(movement.discount_minor, USD),
            "reference": movement.reference, "loan": movement.loan_id,
            "cargo_id": movement.cargo_id, "decision": movement.decision_id,
            "entry": movement.entry_id}


def delivery_json(delivery: Delivery) -> dict[str, Any]:
    return {"reference": delivery.reference, "loan": delivery.loan_id,
            "agreement": delivery.agreement, "member": delivery.member,
            "value_date": delivery.value_date.isoformat(),
            "hs_code": delivery.hs_code, "quantity": delivery.quantity, "unit": delivery.unit,
            "unit_price": format_amount(delivery.unit_price_minor, USD),
            "value": format_amount(delivery.value_minor, USD), "exporter": delivery.exporter,
            "importer": delivery.importer,
            "certificate": {"number": delivery.certificate,
                            "exporter": delivery.certificate_exporter,
                            "country": delivery.certificate_country},
            "invoice": delivery.invoice_id}


def buyback_json(done: BuyBack) -> dict[str, Any]:
    return {"decision": done.decision_id, "loans": list(done.loan_ids),
            "face_value": format_amount(done.face_minor, USD),
            "price": format_amount(done.movement.amount_minor, USD),
            "discount": format_amount(done.movement.discount_minor, USD),
            "movement": movement_json(done.movement)}


# --- the demo's story -----------------------------------------------------------------------

#: (member, cargo id, value date, barrels, price per barrel: the average of a real year).
DEMO_SHIPMENTS = (
    ("ATG", "DEMO-ATG-001", dt.date(2026, 7, 15), "150000", "97.00"),  # 2008: about USD 97
    ("DMA", "DEMO-DMA-001", dt.date(2026, 8, 3), "60000", "104.00"),  # 2011: about USD 104
    ("NIC", "DEMO-NIC-001", dt.date(2026, 9, 1), "400000", "49.00"),  # 2015: about USD 49
)
#: Nicaragua repays in rice and black beans; the third delivery's beans are certified as
#: Argentine (the triangulation PDVSA complained of in 2016) and refused.
DEMO_DELIVERIES = (
    ("DEMO-D-RICE", "100630", "2000", "550.00", "NIC"),
    ("DEMO-D-BEANS", "071333", "1500", "1295.00", "NIC"),
    ("DEMO-D-BEANS-ARG", "071333", "800", "1295.00", "ARG"),
)


def demo_story(uow: UnitOfWork, reference: str) -> dict[str, Any]:
    """PetroCaribe in the demo's semester: the tier tables, agreements with Antigua and Barbuda,
    Dominica and Nicaragua, shipments at the prices of 2008, 2011 and 2015, cash parts paid,
    Nicaraguan rice and black beans delivered in repayment (one delivery refused at the origin
    check); the portfolio at the semester's end."""
    load_terms(uow)
    start, end = dt.date(2026, 7, 1), dt.date(2026, 12, 31)
    shipments = []
    for member, cargo, day, quantity, price in DEMO_SHIPMENTS:
        agreement, _ = add_agreement(uow, f"PC-{member}", member, start, reference)
        shipped = ship(uow, agreement.code, cargo, day, quantity, price)
        pay_cash_part(uow, cargo, format_amount(shipped.shipment.cash_minor, USD),
                      shipped.shipment.cash_due, f"{cargo} cash part")
        shipments.append(shipped)
    add_firm(uow, "NIC-ALBALINISA", "Alba de Nicaragua (demo exporter)", "NIC", start)
    loan = shipments[-1].loan
    invariant(loan is not None, "the demo's Nicaraguan shipment is financed")
    assert loan is not None
    refused = ""
    for number, (ref, hs, quantity, price, country) in enumerate(DEMO_DELIVERIES):
        goods = Goods(ref, hs, quantity, "t", price, "NIC-ALBALINISA", "PDVAL", f"CO-{ref}",
                      "NIC-ALBALINISA", country)
        try:
            deliver(uow, loan.id, goods, dt.date(2026, 10, 1) + dt.timedelta(days=30 * number))
        except InvalidState as error:
            refused = f"{ref}: {error.message}"
    return {"shipments": [shipment_json(s) for s in shipments], "refused": refused,
            "portfolio": portfolio(uow, end)}
