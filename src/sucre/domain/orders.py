"""Payment orders: what an importer's central bank submits to the Central Clearing Chamber.

Lifecycle::

    received --validate--> (bad input: error, nothing written)
             --limit check--> rejected (AM04, kept: an id that failed stays failed)
             --reserve--> accepted --confirm/cut-off--> settled into the period
                                   --reject by receiving side--> rejected (reservation released)

Validation here is pure: the service gives it the members, authorities, the value date's rates and
its period, and re-checks the period's state under a lock before writing.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from json.encoder import encode_basestring_ascii

from sucre import bounds
from sucre.domain.decimal_text import parse_decimal
from sucre.domain.errors import (
    InvalidAmount,
    InvalidCurrency,
    InvalidDate,
    InvalidInput,
    UnknownParty,
    invariant,
)
from sucre.domain.members import (
    AuthorityCode,
    MemberCode,
    MemberState,
    MonetaryAuthority,
    lookup_member,
    member_code,
    require_may_pay,
    require_may_receive,
)
from sucre.domain.money import XSU, CurrencyCode, currency, parse_amount
from sucre.domain.periods import ClearingPeriod, PeriodState
from sucre.domain.rates import DailyRates
from sucre.domain.reasons import REJECTION_REASONS
from sucre.domain.text import stored_text


class OrderStatus(enum.StrEnum):
    ACCEPTED = "accepted"  # reserved against the debtor's limit, awaiting the receiving side
    SETTLED = "settled"  # posted to the journal of its period
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A payment order as submitted: text at the edge, validated by :func:`validate_order`."""

    idempotency_key: str
    debtor_member: str  # importer's state, ISO alpha-3
    creditor_member: str  # exporter's state
    amount: str
    currency: str
    value_date: str
    hs_code: str
    quantity: str
    unit: str
    origin: str
    invoice_ref: str
    customs_ref: str
    debtor_bank: str = ""
    creditor_bank: str = ""
    importer: str = ""
    exporter: str = ""

    def body_hash(self) -> str:
        """Fingerprint of everything but the key: a replay must carry the same body.

        SHA-256 of the stripped fields as ``json.dumps(body, sort_keys=True,
        separators=(",", ":"))`` writes them (ASCII, escaped). Hashes are stored with the orders,
        so this text must never change; it is built directly because ``asdict`` and
        ``json.dumps`` were half the cost of validating an order.
        """
        canonical = ",".join([prefix + encode_basestring_ascii(getattr(self, name).strip())
                              for prefix, name in _BODY_FIELDS])
        return hashlib.sha256(("{" + canonical + "}").encode()).hexdigest()


#: ``('"name":', name)`` for every field but the key, in JSON's ``sort_keys`` order.
_BODY_FIELDS = tuple((f'"{name}":', name) for name in sorted(
    f.name for f in fields(OrderRequest) if f.name != "idempotency_key"))


@dataclass(frozen=True, slots=True)
class Goods:
    hs_code: str
    quantity: Decimal
    unit: str
    origin: MemberCode


@dataclass(frozen=True, slots=True)
class PaymentOrder:
    """A validated order, valued in XSU at its value date's published rate."""

    idempotency_key: str
    body_hash: str
    debtor_member: MemberCode
    creditor_member: MemberCode
    debtor_authority: AuthorityCode
    creditor_authority: AuthorityCode
    amount_minor: int
    currency: CurrencyCode
    xsu_minor: int
    value_date: dt.date
    period_id: int
    goods: Goods
    invoice_ref: str
    customs_ref: str
    debtor_bank: str
    creditor_bank: str
    importer: str
    exporter: str

    def __post_init__(self) -> None:
        invariant(self.amount_minor > 0 and self.xsu_minor > 0, "an order moves a positive amount")
        invariant(self.debtor_authority != self.creditor_authority,
                  "an order crosses two authorities")


@dataclass(frozen=True, slots=True)
class Verdict:
    """What clearing made of an order: its status and, if it was refused, why."""

    status: OrderStatus
    reason_code: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class StoredOrder:
    """An order as stored: what a replay answers with and a decision judges."""

    id: int
    idempotency_key: str
    body_hash: str
    status: OrderStatus
    reason_code: str | None
    reason: str | None
    period_id: int
    debtor_authority_id: int
    creditor_authority_id: int
    xsu_minor: int


@dataclass(frozen=True, slots=True)
class OrderView:
    """A stored order as its parties read it: the order, what clearing made of it, the code of
    its period and when it was received (in UTC)."""

    order: PaymentOrder
    stored: StoredOrder
    period: str
    received_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ClearingContext:
    """What validation needs to know about the world, read by the service."""

    members: Mapping[MemberCode, MemberState]
    authorities: Mapping[AuthorityCode, MonetaryAuthority]
    rates_on: Callable[[dt.date], DailyRates | None]
    period_on: Callable[[dt.date], ClearingPeriod | None]
    #: The members and their status on a value date (None: ``members`` as they are).
    members_on: Callable[[dt.date], Mapping[MemberCode, MemberState]] | None = None


def validate_order(request: OrderRequest, context: ClearingContext) -> PaymentOrder:
    """Check every field of ``request``; return the order to reserve, or raise the first error."""
    key = order_key(request.idempotency_key)
    debtor = _member(request.debtor_member, context, "debtor_member")
    creditor = _member(request.creditor_member, context, "creditor_member")
    if debtor.authority == creditor.authority:
        raise InvalidInput(
            f"{debtor.code} and {creditor.code} are both served by {debtor.authority}: "
            "a payment inside one authority is settled at home, not through the chamber",
            field="creditor_member", reason_code="AC01")
    code = _order_currency(request.currency, context.authorities[debtor.authority])
    amount_minor = parse_amount(request.amount, code, field="amount")
    value_date = _date(request.value_date)
    _require_statuses(debtor.code, creditor.code, value_date, context)
    period = _open_period(value_date, context)
    rates = context.rates_on(value_date)
    if rates is None:
        raise InvalidDate(f"no XSU rate published for {value_date}", field="value_date")
    xsu_minor = rates.to_xsu(amount_minor, code)
    if xsu_minor <= 0:
        raise InvalidAmount("amount is worth less than 0.01 XSU", field="amount",
                            reason_code="AM01")
    chars = bounds.text_chars_max  # of the free-text fields: references, banks, traders
    return PaymentOrder(
        idempotency_key=key, body_hash=request.body_hash(),
        debtor_member=debtor.code, creditor_member=creditor.code,
        debtor_authority=debtor.authority, creditor_authority=creditor.authority,
        amount_minor=amount_minor, currency=code, xsu_minor=xsu_minor, value_date=value_date,
        period_id=period.id, goods=_goods(request, creditor),
        invoice_ref=stored_text(request.invoice_ref, "invoice_ref", chars_max=chars, required=True),
        customs_ref=stored_text(request.customs_ref, "customs_ref", chars_max=chars, required=True),
        debtor_bank=stored_text(request.debtor_bank, "debtor_bank", chars_max=chars),
        creditor_bank=stored_text(request.creditor_bank, "creditor_bank", chars_max=chars),
        importer=stored_text(request.importer, "importer", chars_max=chars),
        exporter=stored_text(request.exporter, "exporter", chars_max=chars),
    )



def order_key(text: str) -> str:
    """An order's idempotency key, checked (it is looked up before the rest is validated)."""
    return stored_text(text, "idempotency_key", required=True,
                       chars_max=bounds.order_key_chars_max)


def rejection_reason(text: str) -> str:
    """The ISO ExternalStatusReason code a receiving side gives when it rejects an order."""
    code = text.strip().upper()
    if not (len(code) == 4 and code.isascii() and code.isalnum()):
        raise InvalidInput(f"{text!r} is not an ISO reason code (4 letters or digits)",
                           field="reason_code")
    if code not in REJECTION_REASONS:
        raise InvalidInput(f"{code} is not an ISO 20022 reason code for rejecting an order "
                           f"(one of {', '.join(sorted(REJECTION_REASONS))})",
                           field="reason_code")
    return code


def _member(text: str, context: ClearingContext, field: str) -> MemberState:
    return lookup_member(context.members, member_code(text, field=field), field=field)


def _require_statuses(debtor: MemberCode, creditor: MemberCode, value_date: dt.date,
                      context: ClearingContext) -> None:
    """The debtor may pay and the creditor be paid by their status on the value date."""
    members = context.members if context.members_on is None else context.members_on(value_date)
    for code, field, require in ((debtor, "debtor_member", require_may_pay),
                                 (creditor, "creditor_member", require_may_receive)):
        member = members.get(code)
        if member is None:
            raise UnknownParty(f"{code} was not a member of the bloc on {value_date}",
                               field=field)
        require(member, field=field)


def _order_currency(text: str, debtor_authority: MonetaryAuthority) -> CurrencyCode:
    code = currency(text)
    if code not in (debtor_authority.currency, XSU):
        raise InvalidCurrency(
            f"{code} is not the currency of {debtor_authority.code} "
            f"({debtor_authority.currency}) nor XSU", field="currency")
    return code


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidDate(f"{text!r} is not a date (YYYY-MM-DD)", field="value_date") from None


def _open_period(value_date: dt.date, context: ClearingContext) -> ClearingPeriod:
    period = context.period_on(value_date)
    if period is None or period.state is not PeriodState.OPEN:
        state = "no period" if period is None else f"period {period.code} is {period.state}"
        raise InvalidDate(f"{value_date} is outside the open period ({state})",
                          field="value_date")
    return period


def parse_quantity(text: str, *, field: str) -> Decimal:
    """A quantity of goods: positive decimal text by the one rule, so it fits its column."""
    number = parse_decimal(text, field=field, what="a quantity")
    if number.units == 0:
        raise InvalidInput("quantity must be a positive number", field=field)
    return Decimal(number.text)  # exact: building a Decimal from text never rounds


def _goods(request: OrderRequest, exporter: MemberState) -> Goods:
    hs_code = request.hs_code.strip().replace(".", "")
    if not (hs_code.isdigit() and 6 <= len(hs_code) <= 10):
        raise InvalidInput(f"{request.hs_code!r} is not an HS code (6 to 10 digits)",
                           field="hs_code")
    quantity = parse_quantity(request.quantity, field="quantity")
    unit = stored_text(request.unit, "unit", required=True,
                       chars_max=bounds.order_unit_chars_max)
    origin = member_code(request.origin, field="origin")
    if origin != exporter.code:
        raise InvalidInput(
            f"goods of origin {origin} cannot be paid to an exporter in {exporter.code}: "
            "only goods originating in the exporting member are cleared", field="origin")
    return Goods(hs_code, quantity, unit, origin)
