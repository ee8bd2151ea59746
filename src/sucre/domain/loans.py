"""Concessional loans: the amortisation schedule, and how a payment is credited to it.

**Schedule** (:func:`schedule`), fixed when the loan is made from the terms in force on the
shipment's value date (:mod:`sucre.domain.petrocaribe`):

* ``years x per_year`` instalments, one every ``12 / per_year`` months from the value date (a
  day missing in a short month is its last day);
* the first ``grace_years x per_year`` instalments are interest only (the grace);
* the others repay equal parts of the principal, ``principal // count`` each; **the remainder
  (fewer cents than there are instalments) is added to the last instalment**;
* each instalment's interest is the principal outstanding over its period (as scheduled)
  times ``rate / per_year``, **rounded half to even to the cent once per instalment**
  (:func:`sucre.domain.money.round_half_even`, the one rounding rule). Interest is not
  capitalised and is booked when it is paid (in cash or in goods), never before.

**Crediting a payment** (:func:`credit`), cash or goods alike: to the oldest instalment not yet
settled first, and within an instalment **interest first, then principal**; a payment that
settles every instalment due runs on into the next ones (paying ahead). A payment above what
the loan still owes is refused.

**Early repayment** and a **buy-back** settle the loan whole on a day (:func:`payoff`): every
instalment due on or before that day in full (interest and principal), and the principal of the
later ones; the interest of instalments falling due after that day is not owed (it is
*waived*, recorded per instalment, never paid). A buy-back records the interest it retires as
waived too: it was not paid, the discount wrote it off.

**Arrears** on an as-of date: what instalments whose due date is before that day still owe.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from sucre.domain.errors import InvalidAmount, invariant
from sucre.domain.money import USD, format_amount, round_half_even


@dataclass(frozen=True, slots=True)
class Instalment:
    number: int  # from 1
    due_date: dt.date
    principal_minor: int
    interest_minor: int


@dataclass(frozen=True, slots=True)
class Credited:
    """What one movement credited to one instalment (interest, principal, interest waived)."""

    number: int
    interest_minor: int = 0
    principal_minor: int = 0
    waived_minor: int = 0

    @property
    def paid_minor(self) -> int:
        return self.interest_minor + self.principal_minor


@dataclass(frozen=True, slots=True)
class InstalmentStatus:
    """An instalment and what has been credited to it so far."""

    instalment: Instalment
    interest_paid: int = 0
    principal_paid: int = 0
    interest_waived: int = 0

    def __post_init__(self) -> None:
        invariant(0 <= self.principal_paid <= self.instalment.principal_minor
                  and 0 <= self.interest_paid + self.interest_waived
                  <= self.instalment.interest_minor, "an instalment is never over-credited")

    @property
    def interest_owed(self) -> int:
        return self.instalment.interest_minor - self.interest_paid - self.interest_waived

    @property
    def principal_owed(self) -> int:
        return self.instalment.principal_minor - self.principal_paid

    @property
    def owed(self) -> int:
        return self.interest_owed + self.principal_owed


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def schedule(principal: int, start: dt.date, *, years: int, grace_years: int, rate: Fraction,
             per_year: int) -> tuple[Instalment, ...]:
    """The instalments of a loan of ``principal`` cents made on ``start`` (see the module)."""
    invariant(principal > 0 and 0 <= grace_years < years and per_year in (1, 2, 4, 12)
              and 0 <= rate < 1, "a loan's terms are those a tier table accepts")
    count = years * per_year
    grace = grace_years * per_year
    repaying = count - grace
    part, remainder = divmod(principal, repaying)
    months = 12 // per_year
    outstanding = principal
    instalments = []
    for number in range(1, count + 1):
        interest = round_half_even(outstanding * rate / per_year)
        if number <= grace:
            repaid = 0
        else:
            repaid = part + (remainder if number == count else 0)
        instalments.append(Instalment(number, add_months(start, months * number), repaid,
                                      interest))
        outstanding -= repaid
    invariant(outstanding == 0 and sum(i.principal_minor for i in instalments) == principal,
              "a schedule repays its principal exactly")
    return tuple(instalments)


def status(instalments: Sequence[Instalment], credited: Sequence[Credited]
           ) -> list[InstalmentStatus]:
    """Each instalment with what every movement so far credited to it."""
    paid: dict[int, list[int]] = {i.number: [0, 0, 0] for i in instalments}
    for line in credited:
        invariant(line.number in paid, "a credit names an instalment of its loan")
        totals = paid[line.number]
        totals[0] += line.interest_minor
        totals[1] += line.principal_minor
        totals[2] += line.waived_minor
    return [InstalmentStatus(i, *paid[i.number]) for i in instalments]


def owed(statuses: Sequence[InstalmentStatus]) -> int:
    return sum(s.owed for s in statuses)


def principal_outstanding(statuses: Sequence[InstalmentStatus]) -> int:
    return sum(s.principal_owed for s in statuses)


def credit(statuses: Sequence[InstalmentStatus], amount: int, *, field: str = "amount"
           ) -> list[Credited]:
    """Credit ``amount`` cents to the oldest instalments, interest first (see the module)."""
    invariant(amount > 0, "a credited amount is positive")
    total = owed(statuses)
    if amount > total:
        raise InvalidAmount(f"{format_amount(amount, USD)} USD is more than the loan still owes "
                            f"({format_amount(total, USD)} USD)", field=field)
    left = amount
    lines = []
    for line in statuses:
        if not left:
            break
        interest = min(left, line.interest_owed)
        principal = min(left - interest, line.principal_owed)
        if interest or principal:
            lines.append(Credited(line.instalment.number, interest, principal))
            left -= interest + principal
    invariant(left == 0 and sum(c.paid_minor for c in lines) == amount,
              "a payment is credited whole")
    return lines


def payoff(statuses: Sequence[InstalmentStatus], day: dt.date) -> list[Credited]:
    """What settles the loan whole on ``day``: instalments due by then in full, the principal
    of later ones, their interest waived."""
    lines = []
    for line in statuses:
        if not line.owed:
            continue
        if line.instalment.due_date <= day:
            lines.append(Credited(line.instalment.number, line.interest_owed,
                                  line.principal_owed))
        else:
            lines.append(Credited(line.instalment.number, 0, line.principal_owed,
                                  line.interest_owed))
    return lines


def arrears(statuses: Sequence[InstalmentStatus], as_of: dt.date) -> list[InstalmentStatus]:
    """Instalments past due on ``as_of`` (due before it) that still owe something."""
    return [s for s in statuses if s.instalment.due_date < as_of and s.owed]
