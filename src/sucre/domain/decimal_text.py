"""Decimal text: the one syntax of every number a person, a file or a message gives sucre.

Amounts, exchange rates, fixings, basket weights, council shares and goods quantities are written
the same way at every edge (CLI arguments, CSV files, JSON bodies, pacs.009 legs):

* one to ``bounds.decimal_whole_digits_max`` ASCII digits,
* optionally a dot followed by one to ``bounds.decimal_places_max`` ASCII digits,
* and nothing else: no sign (every such number is positive or zero, so ``-1`` is refused rather
  than negated, and ``+1`` rather than guessed), no exponent (``1e2``), no ``_`` separator, no
  digits of other scripts (``１０``), no ``NaN`` or ``Infinity``, no bare dot (``.5``, ``5.``).

Whitespace around the number (what ``str.strip`` removes) is ignored, as for every text field of
sucre, the order body hash included; the HTTP API strips it too before matching :data:`PATTERN`.

Why not ``Decimal(text)``: it accepts all of the above, its default context rounds past 28
digits (``99.999999999999999999999999999`` became 100.00) and an exponent makes the arithmetic
that follows unbounded (``1e-99999999`` as a ``Fraction`` is a 100-million-digit integer). Here
the text is matched against bounded digit counts first; the value is then carried as an integer
of units and a count of places and converted by integer arithmetic, which cannot round.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Final, NamedTuple

from sucre import bounds
from sucre.domain.errors import InvalidInput

#: The syntax above as a regular expression, without anchors: the API's schema builds its pattern
#: from this very string, so the rule is written once. :func:`parse_decimal` checks the same rule
#: with string methods (faster, and it can say which bound was passed); a property test holds
#: the two equal.
PATTERN: Final = (rf"[0-9]{{1,{bounds.decimal_whole_digits_max}}}"
                  rf"(?:\.[0-9]{{1,{bounds.decimal_places_max}}})?")
#: Longest text that can match :data:`PATTERN`.
CHARS_MAX: Final = bounds.decimal_whole_digits_max + 1 + bounds.decimal_places_max

_SHOWN_CHARS = 32
RULE: Final = (f"ASCII digits with an optional '.' and decimals, at most "
               f"{bounds.decimal_whole_digits_max} whole digits and "
               f"{bounds.decimal_places_max} decimals; no sign, exponent or separator")


class ExactDecimal(NamedTuple):
    """The value ``units / 10**places``, exactly, and the text it was read from (stripped).

    A named tuple, not a frozen dataclass: a bulk import builds one per amount, and a tuple is
    built several times faster.
    """

    units: int
    places: int
    text: str

    def fraction(self) -> Fraction:
        return Fraction(self.units, 10**self.places)

    def scaled(self, places: int) -> int | None:
        """The value in units of ``10**-places``, or ``None`` when it has more decimals than that.

        Extra decimals that are all zeros are not "more" (``1.500`` is 150 hundredths).
        """
        if self.places <= places:
            scaled: int = self.units * 10 ** (places - self.places)
            return scaled
        divisor: int = 10 ** (self.places - places)
        whole, rest = divmod(self.units, divisor)
        return None if rest else whole


def shown(text: str) -> str:
    """A user's text for an error message: quoted, escaped and cut (it may be a megabyte)."""
    if len(text) <= _SHOWN_CHARS:
        return repr(text)
    return f"{text[:_SHOWN_CHARS]!r}... ({len(text)} characters)"


def parse_decimal(value: str | Decimal | int, *, field: str, what: str = "a number",
                  error: type[InvalidInput] = InvalidInput,
                  too_large: type[InvalidInput] | None = None) -> ExactDecimal:
    """Read decimal text by the one rule; refuse anything else with ``error`` naming ``field``.

    ``what`` names the kind of number in messages ("not a rate: ..."); ``too_large`` is raised
    instead of ``error`` for well-formed text with too many whole digits (``AmountTooLarge`` for
    an amount). A ``Decimal`` or ``int`` (from code, not from users) is held to the same bounds
    before it is written out as text.
    """
    text = _as_text(value, field=field, what=what, error=error).strip()
    whole, dot, places = text.partition(".")
    if not (_digits(whole) and (not dot or _digits(places))):
        if text[:1] in ("-", "+"):
            raise error(f"{what} must be positive and written without a sign, not {shown(text)}",
                        field=field)
        raise error(f"not {what}: {shown(text)} (decimal text: {RULE})", field=field)
    if len(whole) > bounds.decimal_whole_digits_max:
        raise (too_large or error)(
            f"{shown(text)} has more than {bounds.decimal_whole_digits_max} whole digits",
            field=field)
    if len(places) > bounds.decimal_places_max:
        raise error(f"{shown(text)} has more than {bounds.decimal_places_max} decimals, the "
                    "most sucre reads", field=field)
    return ExactDecimal(int(whole + places), len(places), text)


def _digits(text: str) -> bool:
    """One or more ASCII digits (``str.isdigit`` alone also takes other scripts' digits)."""
    return text.isascii() and text.isdigit()


def _as_text(value: object, *, field: str, what: str, error: type[InvalidInput]) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        sign, digits, exponent = value.as_tuple()
        if (isinstance(exponent, int) and len(digits) <= CHARS_MAX
                and -bounds.decimal_places_max <= exponent
                and len(digits) + exponent <= bounds.decimal_whole_digits_max):
            return ("-" if sign else "") + format(value.copy_abs(), "f")
    elif isinstance(value, int) and not isinstance(value, bool):
        if abs(value) < 10**bounds.decimal_whole_digits_max:
            return str(value)
    else:
        raise error(f"not {what}: a {type(value).__name__} (decimal text: {RULE})", field=field)
    raise error(f"not {what} within bounds: a {type(value).__name__} (decimal text: {RULE})",
                field=field)
