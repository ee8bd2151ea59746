"""Hostile input shared by the tests of every edge (CLI, CSV files, HTTP API, services).

Each list is applied, unchanged, to every edge that reads that kind of input, so that one rule
holds everywhere: a new edge adds a test parametrized over the list, never a list of its own.
"""

from __future__ import annotations

import pytest

#: Numbers that no edge may accept, as an amount, a rate, a council share or a quantity: each is
#: refused with a clear error (exit 2 on the CLI, 4xx over HTTP), at once, never rounded,
#: truncated or computed with. ``ids`` keep test names short (one is a megabyte long).
HOSTILE_NUMBERS: list[pytest.ParameterSet] = [
    pytest.param("99.999999999999999999999999999", id="29-digits-rounded-to-100"),
    pytest.param("1e999999", id="exponent-overflow"),
    pytest.param("1e-99999999", id="exponent-huge-fraction"),
    pytest.param("1e2", id="exponent"),
    pytest.param("1E2", id="exponent-upper"),
    pytest.param("1_0", id="underscore"),
    pytest.param("１０", id="full-width-digits"),
    pytest.param("١٠", id="arabic-indic-digits"),
    pytest.param("NaN", id="nan"),
    pytest.param("Infinity", id="infinity"),
    pytest.param("-1", id="minus"),
    pytest.param("+1", id="plus"),
    pytest.param("0x10", id="hex"),
    pytest.param("1" * 10**6, id="a-million-digits"),
    pytest.param("0." + "0" * 10**6 + "1", id="a-million-decimals"),
    pytest.param("", id="empty"),
    pytest.param("   ", id="blank"),
    pytest.param("1.", id="trailing-dot"),
    pytest.param(".5", id="leading-dot"),
    pytest.param("1.2.3", id="two-dots"),
    pytest.param("1,5", id="comma"),
    pytest.param("1 000", id="inner-space"),
    pytest.param("1" * 16, id="16-whole-digits"),
    pytest.param("1.0000000000000", id="13-decimals"),
]

#: Numbers every edge must read alike and accept (as 1): surrounding whitespace is ignored
#: everywhere, as for every text field of sucre, and trailing zero decimals are not precision.
LENIENT_NUMBERS: list[pytest.ParameterSet] = [
    pytest.param(" 1.0 ", id="surrounding-spaces"),
    pytest.param("\t1\t", id="surrounding-tabs"),
    pytest.param("1.000000000000", id="12-zero-decimals"),
    pytest.param("000000000000001", id="leading-zeros"),
]

#: Seconds within which any refusal must come back (the bug was a worker computing for minutes).
REFUSAL_SECONDS_MAX = 2.0
