"""The double-entry journal: append-only entries whose postings balance per currency.

A posting's amount is signed: positive credits the account, negative debits it. An authority's
XSU position account therefore holds its multilateral net position (credits minus debits), and the
positions of all authorities sum to zero because every entry does.

Accounts are plain names (Beancount style), built only by the functions below::

    position:<AUTH>            XSU   the authority's account at the Central Clearing Chamber
    reserve:<AUTH>             USD   the authority's hard-currency reserves (payer or payee)
    council:settlement         USD   the council's settlement account (zero after each close)

A joint fund of the ALBA Bank names its accounts ``fund:<id>:...`` (:mod:`sucre.domain.funds`).
A financing policy (:mod:`sucre.domain.financing`) names its own loan account per debtor, e.g.
``frcc:loan:<AUTH>`` for the reserve fund (its balance is minus what the authority owes the fund).
PetroCaribe's accounts (``petrocaribe:...``) are named in :mod:`sucre.domain.petrocaribe`.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sucre.domain.errors import invariant
from sucre.domain.members import AuthorityCode
from sucre.domain.money import CurrencyCode

Account = str

COUNCIL_SETTLEMENT: Account = "council:settlement"

#: What every position account's name starts with (the set-based posting in the database builds
#: the names from it too).
POSITION_PREFIX = "position:"


def position_account(authority: AuthorityCode) -> Account:
    return POSITION_PREFIX + authority


def is_position_account(account: Account) -> bool:
    return account.startswith(POSITION_PREFIX)


def reserve_account(authority: AuthorityCode) -> Account:
    return f"reserve:{authority}"


class EntryKind(enum.StrEnum):
    ORDER = "order"  # an accepted order posted into its period
    CLOSE = "close"  # net XSU positions brought back to zero at settlement
    SETTLEMENT = "settlement"  # hard-currency legs of a period's settlement
    FINANCING = "financing"  # a financing policy paying part of a deficit
    FUND = "fund"  # a joint fund's pledge, contribution or tranche (domain/funds.py)
    # PetroCaribe (accounts: domain/petrocaribe.py), outside clearing periods:
    SUPPLY = "supply"  # a shipment's bill: its cash part receivable and its loan
    SUPPLY_CASH = "supply_cash"  # the cash part of a bill paid
    REPAYMENT = "repayment"  # a loan repaid in cash (early repayment too)
    GOODS = "goods"  # a loan repaid in goods at agreed prices
    BUYBACK = "buyback"  # loans retired at a discount by council decision


@dataclass(frozen=True, slots=True)
class Posting:
    account: Account
    currency: CurrencyCode
    amount_minor: int  # > 0 credits the account, < 0 debits it


@dataclass(frozen=True, slots=True)
class AccountLine:
    """One posting to an account, with its entry and the order it posted (if it was one)."""

    entry_id: int
    kind: EntryKind
    memo: str
    recorded_at: dt.datetime
    amount_minor: int
    order_key: str | None = None
    value_date: dt.date | None = None
    invoice_ref: str | None = None


@dataclass(frozen=True, slots=True)
class JournalEntry:
    kind: EntryKind
    period_id: int | None  # None: outside clearing (a loan, a fund), dated by its own record
    postings: tuple[Posting, ...]
    memo: str = ""
    order_id: int | None = None

    def __post_init__(self) -> None:
        invariant(len(self.postings) >= 2, "an entry has at least two postings")
        invariant(all(p.amount_minor != 0 for p in self.postings), "no empty postings")
        for code, total in sums_by_currency(self.postings).items():
            invariant(total == 0, f"entry {self.memo!r} does not balance in {code}: {total}")


def sums_by_currency(postings: Iterable[Posting]) -> dict[CurrencyCode, int]:
    totals: dict[CurrencyCode, int] = defaultdict(int)
    for posting in postings:
        totals[posting.currency] += posting.amount_minor
    return dict(totals)


def transfer(kind: EntryKind, period_id: int | None, currency: CurrencyCode, amount_minor: int, *,
             debit: Account, credit: Account, memo: str = "",
             order_id: int | None = None) -> JournalEntry:
    """The common two-leg entry: ``amount_minor`` from ``debit`` to ``credit``."""
    invariant(amount_minor > 0, "a transfer moves a positive amount")
    return JournalEntry(kind, period_id, (
        Posting(debit, currency, -amount_minor),
        Posting(credit, currency, amount_minor),
    ), memo, order_id)


def balances(postings: Iterable[Posting]) -> dict[tuple[Account, CurrencyCode], int]:
    """Every account's balance, derived from postings alone."""
    result: dict[tuple[Account, CurrencyCode], int] = defaultdict(int)
    for posting in postings:
        result[(posting.account, posting.currency)] += posting.amount_minor
    return dict(result)


def check_balanced(totals: Mapping[CurrencyCode, int]) -> None:
    """Whole-journal invariant: in every currency, credits equal debits."""
    for code, total in totals.items():
        invariant(total == 0, f"the journal does not balance in {code}: off by {total}")
