"""Council parameters: one typed definition each, validated in one place.

The council sets these by decision, from an effective date on (DOMAIN.md: every **parameter**);
a parameter nobody decided yet has its default. Each :class:`Parameter` names its parser (the
project's exact parsers: :mod:`sucre.domain.decimal_text`, :func:`sucre.domain.money.currency`,
:func:`sucre.domain.periods.calendar_kind`, the financing registry), what it accepts, its default
and what it means. The registry stores a decided value as text (``parameters.value``) and reads it
back typed through the same definition; the API's list of names and the CLI's help are built from
:data:`DEFINITIONS`.

Adding a parameter is one definition below, appended to :data:`DEFINITIONS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Final, Generic, TypeVar

from sucre import bounds
from sucre.domain.decimal_text import parse_decimal
from sucre.domain.errors import InvalidInput, invariant
from sucre.domain.financing import POLICIES, FinancingPolicy
from sucre.domain.money import USD, CurrencyCode, currency, parse_amount
from sucre.domain.periods import CalendarKind, calendar_kind
from sucre.domain.text import stored_text

T = TypeVar("T")


@dataclass(frozen=True)  # not slots: Parameter[T](...) sets __orig_class__, which fails on them
class Parameter(Generic[T]):
    """One council parameter: how a decision's text becomes its typed value."""

    name: str
    parse: Callable[[str], T]  # a new decision's text; InvalidInput when it is not acceptable
    accepts: Callable[[], str]  # what ``parse`` accepts, in words (for help and errors)
    default: str  # as stored text: what is in force before any decision
    description: str
    #: Reads stored text when that is more lenient than ``parse`` (values recorded under an
    #: older, looser rule must still read back); ``parse`` when None.
    load: Callable[[str], T] | None = None

    def read(self, stored: str) -> T:
        """The typed value of text stored by a decision (or of the default)."""
        return (self.load or self.parse)(stored)


def _share(name: str) -> Callable[[str], Fraction]:
    def parse(text: str) -> Fraction:
        share = parse_decimal(text, field="value", what=f"a number for {name}").fraction()
        if not 0 < share <= 1:
            raise InvalidInput(f"{name} must be in (0, 1]", field="value")
        return share
    return parse


def _stored_share(text: str) -> Fraction:
    # Shares decided before decimal_text was the one syntax were checked with Fraction (which
    # also reads "1/2"), and closes read them with Fraction: they still do.
    return Fraction(text.strip())


def _council_share(name: str, *, lowest: Fraction, below_one: bool) -> Callable[[str], Fraction]:
    """A share the council votes by: a decimal (``0.5``) or a ratio of two whole numbers
    (``2/3``, which no decimal states exactly), from ``lowest`` to 1 (1 itself excluded when
    ``below_one``: a majority share is one the yes votes must *exceed*)."""
    def parse(text: str) -> Fraction:
        top, slash, bottom = text.strip().partition("/")
        what = f"a number or ratio for {name}"
        share = parse_decimal(top, field="value", what=what).fraction()
        if slash:
            divisor = parse_decimal(bottom, field="value", what=what).fraction()
            if divisor == 0 or share.denominator != 1 or divisor.denominator != 1:
                raise InvalidInput(f"{name}: a ratio is of two whole numbers, the second not 0",
                                   field="value")
            share /= divisor
        if not (lowest <= share < 1 if below_one else lowest <= share <= 1):
            raise InvalidInput(f"{name} must be from {lowest} to 1"
                               f"{' (1 excluded)' if below_one else ''}", field="value")
        return share
    return parse


def _currency(text: str) -> CurrencyCode:
    return currency(text, field="value")


def _financing(text: str) -> FinancingPolicy:
    return POLICIES.get(text, field="value")


def _xsu_minor_units(text: str) -> int:
    minor = parse_decimal(text, field="value", what="a whole number of XSU minor units").scaled(0)
    if minor is None or minor > bounds.amount_minor_max:
        raise InvalidInput(f"not a whole number of XSU minor units up to "
                           f"{bounds.amount_minor_max}: {text.strip()[:40]!r}", field="value")
    return minor


CALENDAR: Final = Parameter[CalendarKind](
    "calendar", calendar_kind, lambda: ", ".join(k.value for k in CalendarKind),
    CalendarKind.SEMESTER.value, "Length of a clearing period (the treaty's is a semester).")
SETTLEMENT_CURRENCY: Final = Parameter[CurrencyCode](
    "settlement_currency", _currency, lambda: "an ISO 4217 code sucre knows", USD,
    "Hard currency net positions are settled in.")
CORRIDOR_ALERT_SHARE: Final = Parameter[Fraction](
    "corridor_alert_share", _share("corridor_alert_share"), lambda: "a number in (0, 1]", "0.5",
    "A corridor above this share of a period's gross value is flagged.", _stored_share)
FIXING_DEVIATION_MAX: Final = Parameter[Fraction](
    "fixing_deviation_max", _share("fixing_deviation_max"), lambda: "a number in (0, 1]", "0.25",
    "An official fixing further than this from the market rate is flagged.", _stored_share)
DEFICIT_FINANCING: Final = Parameter[FinancingPolicy](
    "deficit_financing", _financing, lambda: ", ".join(POLICIES.names()), "none",
    "Policy financing net debtors' deficits at the close (frcc: the reserve fund, up to each "
    "credit line).")

# The council's own voting rule (domain/proposals.py: tally). Two thirds of the members in good
# standing make a quorum: of ten, seven, so the six states the ECCB serves cannot meet it alone
# (with Bolivia suspended since 8 Nov 2025 nine are in good standing, and six of nine meet it);
# a proposal passes with more yes than no votes (abstentions count for the quorum only), the
# usual simple majority of one vote per state. Admissions and withdrawals need the consensus
# of the other members instead (the treaty's rule, not a parameter).
VOTE_QUORUM: Final = Parameter[Fraction](
    "vote_quorum", _council_share("vote_quorum", lowest=Fraction(1, 100), below_one=False),
    lambda: "a number or ratio from 0.01 to 1, e.g. 2/3", "2/3",
    "Share of the members in good standing that must vote (yes, no or abstain) for a council "
    "vote to count.")
VOTE_MAJORITY: Final = Parameter[Fraction](
    "vote_majority", _council_share("vote_majority", lowest=Fraction(1, 2), below_one=True),
    lambda: "a number or ratio from 0.5 to 1, 1 excluded", "1/2",
    "Share of the yes and no votes that the yes votes must exceed for a proposal to pass.")
#: Default: 5,000,000.00 XSU, a quarter of the smallest published allocation (Cuba's 20 million
#: XSU, DOMAIN.md section 3) and under 5 % of the 112 million first allocated bloc-wide: a raise
#: that size shifts a material share of the bloc's credit, so it takes a second council key; the
#: routine adjustments of one authority's limit below it stay one decision.
FOUR_EYES_LIMIT_RAISE_MINOR: Final = Parameter[int](
    "four_eyes_limit_raise_minor", _xsu_minor_units,
    lambda: "a whole number of XSU minor units (cents), 0 or more", "500000000",
    "An allocation raising an authority's limit (allocation + credit line) by more than this "
    "is proposed by one council key and approved by another (four eyes); 0: every raise.")

def _high_threshold(text: str) -> int:
    cents = parse_amount(text, USD, field="value")
    if cents <= 10_000:
        raise InvalidInput("petrocaribe_high_threshold is a price per barrel in USD above "
                           "100.00 (the 60 % tier starts at 100)", field="value")
    return cents


#: The threshold of the top PetroCaribe tier from 13 July 2008 (70 % financed), where the
#: sources conflict (research/sucre-sources.md section 3.1): Stabroek News, reporting the V
#: Extraordinary Summit in Maracaibo a week after it (20 Jul 2008), gives US$150; US$200 comes
#: from later blog reprints of Chavez's words. The default takes 150, the contemporaneous press
#: report of the summit; the council sets 200 (or another price) by decision if it reads the
#: record otherwise. Read on a shipment's value date (domain/petrocaribe.py).
PETROCARIBE_HIGH_THRESHOLD: Final = Parameter[int](
    "petrocaribe_high_threshold", _high_threshold,
    lambda: "a price per barrel in USD above 100.00, e.g. 150.00 or 200.00", "150.00",
    "From this oil price a barrel on, the top PetroCaribe tier (70 % financed since 13 Jul "
    "2008) applies; the sources say 150 or 200.")

#: Every council parameter, once.
DEFINITIONS: Final[tuple[Parameter[Any], ...]] = (
    CALENDAR, SETTLEMENT_CURRENCY, CORRIDOR_ALERT_SHARE, FIXING_DEVIATION_MAX, DEFICIT_FINANCING,
    VOTE_QUORUM, VOTE_MAJORITY, FOUR_EYES_LIMIT_RAISE_MINOR, PETROCARIBE_HIGH_THRESHOLD)
NAMES: Final = tuple(p.name for p in DEFINITIONS)
_BY_NAME: Final = {p.name: p for p in DEFINITIONS}
invariant(len(_BY_NAME) == len(DEFINITIONS), "one definition per parameter name")


def definition(name: str) -> Parameter[Any]:
    found = _BY_NAME.get(name)
    if found is None:
        raise InvalidInput(f"unknown parameter {name!r} (parameters: {', '.join(NAMES)})",
                           field="name")
    return found


def decided_text(name: str, value: str) -> str:
    """The text to store for a decision setting ``name`` to ``value``, once it is valid."""
    parameter = definition(name)
    text = stored_text(value, "value", chars_max=bounds.parameter_value_chars_max, required=True)
    parameter.parse(text)
    return text


def help_text() -> str:
    """One line per parameter: name, what it accepts, default, meaning (for the CLI)."""
    return "\n".join(f"{p.name} ({p.accepts()}; default {p.default}): {p.description}"
                     for p in DEFINITIONS)


class ParameterValues:
    """The typed value of every parameter in force on one day."""

    def __init__(self, stored: Mapping[str, str]) -> None:
        invariant(set(stored) <= set(NAMES), "stored parameters are defined ones")
        self._values: dict[str, object] = {
            p.name: p.read(stored.get(p.name, p.default)) for p in DEFINITIONS}

    def __getitem__(self, parameter: Parameter[T]) -> T:
        value: T = self._values[parameter.name]  # type: ignore[assignment]
        return value

    def by_name(self) -> dict[str, object]:
        return dict(self._values)
