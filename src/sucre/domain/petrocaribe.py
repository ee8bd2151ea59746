"""PetroCaribe: concessional oil supply, its financing terms, and the split of a bill.

**Terms** (DOMAIN.md section 7; research/sucre-sources.md section 3.1) are a council decision
(kind ``petrocaribe_terms``) with an effective date and a reference; a later one supersedes the
earlier (:func:`sucre.domain.decisions.subject`), nothing is edited. A :class:`TermsTable` holds:

* the **tiers**: price per barrel thresholds (USD, ``>=``) and the share of the bill financed
  long-term from each; below the lowest threshold (15 USD in both historic tables) nothing is
  financed: the whole bill is cash. One tier may take its threshold from the council parameter
  ``petrocaribe_high_threshold`` (:mod:`sucre.domain.parameters`), where the sources conflict
  (150 or 200 USD for the 70 % tier of 13 July 2008);
* the **regimes** by price band (``>=``): term in years including the grace years, and the
  annual interest rate (below 40 USD: 17 years including 2 of grace at 2 %; from 40 USD: 25
  years including 2 of grace at 1 %);
* the **cash days** (90): the unfinanced part of a bill is due that many days after its value
  date;
* the **instalments per year** of the loans it finances. The sources are silent on it: this is
  a design choice, stated as part of the terms so the council can change it (default 2: one
  instalment every six months).

A **shipment**'s bill is barrels x price per barrel, exactly, in USD cents (a bill that is not a
whole number of cents is refused, never rounded); the financed part is the bill times the
share, rounded half to even to the cent (:func:`sucre.domain.money.round_half_even`, the one
rounding rule), and the cash part is the rest, so the two always add up to the bill.

Accounts (USD; all names built only here), from the supplier's books::

    petrocaribe:sales:<SUPPLIER>           the supplier's oil sales (credited with each bill)
    petrocaribe:receivable:<MEMBER>        cash parts of bills the member still owes (debit)
    petrocaribe:loan:<MEMBER>:<LOAN>       principal a member owes on one loan (debit)
    petrocaribe:cash:<SUPPLIER>            cash the supplier received (cash parts, repayments,
                                           buy-back prices)
    petrocaribe:goods:<SUPPLIER>           goods and services received in repayment, at the
                                           agreed prices
    petrocaribe:interest:<MEMBER>          interest the member paid (cash or goods)
    petrocaribe:discount:<MEMBER>          debt written off by a buy-back at a discount (never
                                           a payment)

A loan account's balance is minus the principal still outstanding: ``sucre verify`` re-derives
it (:func:`sucre.service.petrocaribe.check_loans`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Final

from sucre.domain.decimal_text import parse_decimal
from sucre.domain.errors import InvalidAmount, InvalidDate, InvalidInput, InvalidState, invariant
from sucre.domain.members import MemberCode, member_code
from sucre.domain.money import USD, format_amount, parse_amount, round_half_even

#: The decision kind of a tier table, and of a debt buy-back.
TERMS_KIND: Final = "petrocaribe_terms"
BUYBACK_KIND: Final = "petrocaribe_buyback"
#: The council parameter the tier marked ``high`` takes its threshold from.
HIGH_THRESHOLD: Final = "petrocaribe_high_threshold"
#: The supplier of every PetroCaribe agreement (PDVSA, for Venezuela).
SUPPLIER: Final = MemberCode("VEN")
#: Instalments per year the terms may set (monthly to yearly).
PER_YEAR_CHOICES: Final = (1, 2, 4, 12)
_SHARE_PLACES: Final = 4
_BARREL_PLACES: Final = 3


# --- accounts -------------------------------------------------------------------------------

def sales_account(supplier: MemberCode) -> str:
    return f"petrocaribe:sales:{supplier}"


def receivable_account(member: MemberCode) -> str:
    return f"petrocaribe:receivable:{member}"


def loan_account(member: MemberCode, loan_id: int) -> str:
    return f"petrocaribe:loan:{member}:{loan_id}"


def cash_account(supplier: MemberCode) -> str:
    return f"petrocaribe:cash:{supplier}"


def goods_account(supplier: MemberCode) -> str:
    return f"petrocaribe:goods:{supplier}"


def interest_account(member: MemberCode) -> str:
    return f"petrocaribe:interest:{member}"


def discount_account(member: MemberCode) -> str:
    return f"petrocaribe:discount:{member}"


# --- the terms ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Tier:
    """From ``min_price_minor`` USD cents a barrel on (None: the council parameter
    ``petrocaribe_high_threshold``), ``share`` of the bill is financed."""

    min_price_minor: int | None
    share: Fraction


@dataclass(frozen=True, slots=True)
class Regime:
    """From ``min_price_minor`` on: a loan of ``years`` including ``grace_years`` (interest
    only) at ``rate`` a year."""

    min_price_minor: int
    years: int
    grace_years: int
    rate: Fraction


@dataclass(frozen=True, slots=True)
class Terms:
    """The terms one price gets on one day (``decision_id``: the tier table in force)."""

    share: Fraction
    years: int
    grace_years: int
    rate: Fraction
    cash_days: int
    per_year: int
    decision_id: int
    reference: str


@dataclass(frozen=True, slots=True)
class TermsTable:
    tiers: tuple[Tier, ...]
    regimes: tuple[Regime, ...]
    cash_days: int = 90
    per_year: int = 2

    def __post_init__(self) -> None:
        self._check_tiers()
        self._check_regimes()
        if not 0 <= self.cash_days <= 3650:
            raise InvalidInput("cash days are from 0 to 3650", field="cash_days")
        if self.per_year not in PER_YEAR_CHOICES:
            raise InvalidInput(f"instalments per year are one of {PER_YEAR_CHOICES}",
                               field="per_year")

    def _check_tiers(self) -> None:
        if not self.tiers:
            raise InvalidInput("a tier table has at least one tier", field="tiers")
        fixed = [t.min_price_minor for t in self.tiers if t.min_price_minor is not None]
        if any(t.min_price_minor is None for t in self.tiers[:-1]):
            raise InvalidInput("only the last tier takes its threshold from the council "
                               "parameter (high)", field="tiers")
        if fixed != sorted(set(fixed)) or (fixed and fixed[0] <= 0):
            raise InvalidInput("tier thresholds are positive and strictly increasing",
                               field="tiers")
        shares = [t.share for t in self.tiers]
        if any(not 0 < s <= 1 for s in shares) or shares != sorted(shares):
            raise InvalidInput("tier shares are in (0, 1] and do not decrease as the price "
                               "rises", field="tiers")

    def _check_regimes(self) -> None:
        if not self.regimes or self.regimes[0].min_price_minor != 0:
            raise InvalidInput("the first regime starts at price 0 (every price has one)",
                               field="regimes")
        starts = [r.min_price_minor for r in self.regimes]
        if starts != sorted(set(starts)):
            raise InvalidInput("regime thresholds are strictly increasing", field="regimes")
        for regime in self.regimes:
            if not 0 <= regime.grace_years < regime.years <= 50:
                raise InvalidInput("a regime's years (up to 50) exceed its grace years",
                                   field="regimes")
            if not 0 <= regime.rate < 1:
                raise InvalidInput("a regime's rate is from 0 to 1 (excluded)", field="regimes")

    @property
    def uses_parameter(self) -> bool:
        return self.tiers[-1].min_price_minor is None

    def thresholds(self, high_threshold_minor: int) -> list[tuple[int, Fraction]]:
        """The tiers with the council's threshold put in; it must exceed the tier below."""
        resolved = [(high_threshold_minor if t.min_price_minor is None else t.min_price_minor,
                     t.share) for t in self.tiers]
        if len(resolved) > 1 and resolved[-1][0] <= resolved[-2][0]:
            raise InvalidState(f"{HIGH_THRESHOLD} ({format_amount(high_threshold_minor, USD)}) "
                               "must exceed the tier below it "
                               f"({format_amount(resolved[-2][0], USD)})", field=HIGH_THRESHOLD)
        return resolved

    def share(self, price_minor: int, high_threshold_minor: int) -> Fraction:
        """The financed share at ``price_minor`` cents a barrel: the highest tier whose
        threshold it reaches (``>=``); 0 below the lowest."""
        share = Fraction(0)
        for threshold, tier_share in self.thresholds(high_threshold_minor):
            if price_minor >= threshold:
                share = tier_share
        return share

    def regime(self, price_minor: int) -> Regime:
        found = self.regimes[0]
        for regime in self.regimes:
            if price_minor >= regime.min_price_minor:
                found = regime
        return found

    def terms(self, price_minor: int, high_threshold_minor: int, decision_id: int,
              reference: str) -> Terms:
        regime = self.regime(price_minor)
        return Terms(self.share(price_minor, high_threshold_minor), regime.years,
                     regime.grace_years, regime.rate, self.cash_days, self.per_year,
                     decision_id, reference)


def _share_text(value: Fraction) -> str:
    """A share or rate as a decimal string (``0.05``): every one here has a finite decimal."""
    scaled = value * 10**_SHARE_PLACES
    invariant(scaled.denominator == 1, "shares and rates have at most four decimals")
    whole, frac = divmod(int(scaled), 10**_SHARE_PLACES)
    text = f"{whole}.{frac:0{_SHARE_PLACES}d}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def decimal_text(value: Fraction) -> str:
    """A share or a rate as JSON shows it: ``"0.3"`` -> ``"0.30"`` (two decimals at least)."""
    text = _share_text(value)
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def _fraction(text: object, field: str, what: str) -> Fraction:
    parsed = parse_decimal(str(text), field=field, what=what)
    if parsed.places > _SHARE_PLACES:
        raise InvalidInput(f"{what} has at most {_SHARE_PLACES} decimals", field=field)
    return parsed.fraction()


def price_minor(text: str | int, *, field: str = "price") -> int:
    """A price per barrel in USD with at most two decimals, above zero, in cents."""
    return parse_amount(str(text), USD, field=field)


def _threshold(text: object, field: str) -> int:
    return parse_amount(str(text), USD, field=field, allow_zero=True)


def _whole(value: object, field: str) -> int:
    parsed = parse_decimal(str(value), field=field, what="a whole number").scaled(0)
    if parsed is None or parsed > 10**6:
        raise InvalidInput(f"{field} is a whole number", field=field)
    return parsed


def table_json(table: TermsTable) -> dict[str, Any]:
    """A tier table as its decision records it (shares and rates as decimal strings)."""
    return {
        "tiers": [{"min_price": None if t.min_price_minor is None
                   else format_amount(t.min_price_minor, USD),
                   **({"min_price_parameter": HIGH_THRESHOLD} if t.min_price_minor is None
                      else {}),
                   "share": decimal_text(t.share)} for t in table.tiers],
        "regimes": [{"min_price": format_amount(r.min_price_minor, USD), "years": r.years,
                     "grace_years": r.grace_years, "rate": decimal_text(r.rate)}
                    for r in table.regimes],
        "cash_days": table.cash_days, "instalments_per_year": table.per_year}


def table_of(payload: Mapping[str, Any]) -> TermsTable:
    """The tier table a decision recorded (or a data file ships): the inverse of
    :func:`table_json`, checked."""
    try:
        tiers = tuple(Tier(None if t.get("min_price") is None
                           else _threshold(t["min_price"], "tiers"),
                           _fraction(t["share"], "tiers", "a share")) for t in payload["tiers"])
        regimes = tuple(Regime(_threshold(r["min_price"], "regimes"),
                               _whole(r["years"], "regimes"), _whole(r["grace_years"], "regimes"),
                               _fraction(r["rate"], "regimes", "a rate"))
                        for r in payload["regimes"])
        return TermsTable(tiers, regimes, _whole(payload.get("cash_days", 90), "cash_days"),
                          _whole(payload.get("instalments_per_year", 2), "per_year"))
    except (KeyError, TypeError, AttributeError) as error:
        raise InvalidInput(f"not a tier table: {error!s:.80}", field="tiers") from None


def parse_tiers(text: str) -> tuple[Tier, ...]:
    """``15=0.05,20=0.10,...,100=0.60,high=0.70``: thresholds (USD a barrel, ``>=``) and
    shares; ``high`` takes the council parameter ``petrocaribe_high_threshold``."""
    tiers = []
    for item in text.split(","):
        price, sep, share = item.partition("=")
        if not sep:
            raise InvalidInput(f"a tier is PRICE=SHARE, not {item.strip()[:40]!r}",
                               field="tiers")
        threshold = None if price.strip().lower() == "high" else _threshold(price, "tiers")
        tiers.append(Tier(threshold, _fraction(share, "tiers", "a share")))
    return tuple(tiers)


def parse_regimes(text: str) -> tuple[Regime, ...]:
    """``0=17/2/0.02,40=25/2/0.01``: from a price on, years/grace years/annual rate."""
    regimes = []
    for item in text.split(","):
        price, sep, rest = item.partition("=")
        parts = rest.split("/")
        if not sep or len(parts) != 3:
            raise InvalidInput(f"a regime is PRICE=YEARS/GRACE/RATE, not {item.strip()[:40]!r}",
                               field="regimes")
        regimes.append(Regime(_threshold(price, "regimes"), _whole(parts[0], "regimes"),
                              _whole(parts[1], "regimes"),
                              _fraction(parts[2], "regimes", "a rate")))
    return tuple(regimes)


def buyback_payload(member: str, loans: str | Sequence[int] | None, price: str
                    ) -> dict[str, Any]:
    """A buy-back decision's payload, checked: the member, the loans (``all`` of its open ones,
    or ids as a list or as ``1,2,3``) and the price paid in USD (cents)."""
    if isinstance(loans, str):
        text = loans.strip().lower()
        if text in ("", "all"):
            loans = None
        else:
            ids = []
            for item in text.split(","):
                number = parse_decimal(item, field="loans", what="a loan id").scaled(0)
                if not number:
                    raise InvalidInput(f"not a loan id: {item.strip()[:20]!r}", field="loans")
                ids.append(number)
            loans = ids
    return {"member": member_code(member), "price_minor": parse_amount(price, USD, field="price"),
            "loans": "all" if not loans else sorted({int(i) for i in loans})}


def terms_json(terms: Terms, price: int) -> dict[str, Any]:
    """``sucre petrocaribe terms --json``."""
    return {"price": format_amount(price, USD), "financed_share": decimal_text(terms.share),
            "years": terms.years, "grace_years": terms.grace_years,
            "rate": decimal_text(terms.rate), "cash_days": terms.cash_days,
            "instalments_per_year": terms.per_year,
            "decision": {"id": terms.decision_id, "reference": terms.reference}}


# --- a shipment's bill ----------------------------------------------------------------------

def barrels(text: str, *, field: str = "barrels") -> Fraction:
    """Barrels shipped: decimal text above zero with at most three decimals."""
    parsed = parse_decimal(text, field=field, what="a number of barrels", error=InvalidAmount)
    if parsed.places > _BARREL_PLACES and parsed.scaled(_BARREL_PLACES) is None:
        raise InvalidAmount(f"barrels have at most {_BARREL_PLACES} decimals", field=field)
    if parsed.units == 0:
        raise InvalidAmount("barrels must be more than zero", field=field, reason_code="AM01")
    return parsed.fraction()


def bill_minor(quantity: Fraction, price: int) -> int:
    """Barrels x price, exactly, in cents; refused (never rounded) when not whole cents."""
    bill = quantity * price
    if bill.denominator != 1:
        raise InvalidAmount(f"{quantity} barrels at {format_amount(price, USD)} USD make "
                            f"{float(bill) / 100:.5f} USD, not a whole number of cents: "
                            "give the barrels the bill was made for", field="barrels")
    return int(bill)


def split(bill: int, share: Fraction) -> tuple[int, int]:
    """(cash part, financed part) of a bill: financed = bill x share rounded half to even to
    the cent (the one rule), cash = the rest; they add up to the bill."""
    invariant(bill > 0 and 0 <= share <= 1, "a bill is positive and a share in [0, 1]")
    financed = round_half_even(bill * share)
    return bill - financed, financed


#: Shipments are dated from the Caracas Energy Accord's year on and well within the calendar
#: (a loan runs up to 50 years after its value date).
FIRST_VALUE_DATE: Final = dt.date(2000, 1, 1)
LAST_VALUE_DATE: Final = dt.date(2199, 12, 31)


def value_date(day: dt.date) -> dt.date:
    if not FIRST_VALUE_DATE <= day <= LAST_VALUE_DATE:
        raise InvalidDate(f"a shipment's value date is from {FIRST_VALUE_DATE} to "
                          f"{LAST_VALUE_DATE}, not {day}", field="value_date")
    return day


def cash_due(value_date: dt.date, terms: Terms) -> dt.date:
    return value_date + dt.timedelta(days=terms.cash_days)


def resolved_tiers(table: TermsTable, high_threshold_minor: int) -> Sequence[tuple[int, Fraction]]:
    """The tiers as in force with the council's threshold (for reports)."""
    return table.thresholds(high_threshold_minor)


# --- records --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Agreement:
    """A supply agreement between the supplier and a beneficiary member state."""

    code: str
    supplier: MemberCode
    beneficiary: MemberCode
    signed_on: dt.date
    reference: str
    id: int = 0


@dataclass(frozen=True, slots=True)
class Shipment:
    """A cargo shipped under an agreement, its bill and how it was split (cents)."""

    agreement: str
    cargo_id: str
    member: MemberCode
    value_date: dt.date
    barrels: str
    price_minor: int
    bill_minor: int
    cash_minor: int
    financed_minor: int
    share: Fraction
    cash_due: dt.date
    decision_id: int
    id: int = 0

    def __post_init__(self) -> None:
        invariant(self.cash_minor + self.financed_minor == self.bill_minor,
                  "a shipment's cash and financed parts add up to its bill")


@dataclass(frozen=True, slots=True)
class Loan:
    """The financed part of one shipment, owed by ``member`` on the terms of its day."""

    id: int
    cargo_id: str
    member: MemberCode
    principal_minor: int
    start_date: dt.date
    years: int
    grace_years: int
    rate: Fraction
    per_year: int
    decision_id: int


class MovementKind:
    """What an event on a member's PetroCaribe debt is (stored as this text)."""

    BILL = "bill"  # a shipment billed: its cash part receivable and its loan
    CASH_PART = "cash_part"  # the cash part of a bill, paid
    REPAYMENT = "repayment"  # a loan repaid in cash
    EARLY = "early"  # a loan repaid in full before its term (interest not yet due waived)
    GOODS = "goods"  # a loan repaid in goods or services at agreed prices
    BUYBACK = "buyback"  # loans retired at a discount by council decision
    ALL = (BILL, CASH_PART, REPAYMENT, EARLY, GOODS, BUYBACK)


@dataclass(frozen=True, slots=True)
class Movement:
    """An event on a member's debt, booked by one journal entry: a shipment's bill
    (``amount_minor``: the bill), or money or goods received (cash, goods at their agreed
    value, a buy-back's price) and the discount a buy-back wrote off."""

    kind: str
    member: MemberCode
    value_date: dt.date
    amount_minor: int
    reference: str
    loan_id: int | None = None
    cargo_id: str | None = None
    discount_minor: int = 0
    decision_id: int | None = None
    entry_id: int | None = None
    id: int = 0


@dataclass(frozen=True, slots=True)
class Delivery:
    """Goods delivered in repayment of a loan (``loan_id``), or of the loans of one agreement
    (``agreement``; ``loan_id`` None), as checked and credited."""

    reference: str
    loan_id: int | None
    member: MemberCode
    value_date: dt.date
    hs_code: str
    quantity: str
    unit: str
    unit_price_minor: int
    value_minor: int
    exporter: str
    importer: str
    certificate: str
    certificate_exporter: str
    certificate_country: MemberCode
    invoice_id: str
    movement_id: int = 0
    id: int = 0
    agreement: str | None = None
