"""Posting an accepted order to the journal, stated once.

An order confirmed by the receiving side becomes one journal entry of kind ``order`` with two XSU
postings of its amount: the debtor authority's position account is debited, the creditor's
credited (:func:`order_entry`). It is balanced by construction (:data:`ORDER_LEGS` sum to zero)
and checked again by :class:`~sucre.domain.ledger.JournalEntry`.

The database posts orders set-based (``SqlJournal.post_accepted_orders`` in
:mod:`sucre.adapters.db.repositories.journal`), building the same rows from the constants
below; ``tests/service/test_rules_agree.py`` proves on SQLite and PostgreSQL that the lines it
writes are exactly those :func:`order_entry` builds.
"""

from __future__ import annotations

import enum

from sucre.domain.errors import invariant
from sucre.domain.ledger import EntryKind, JournalEntry, Posting, position_account
from sucre.domain.members import AuthorityCode
from sucre.domain.money import XSU, CurrencyCode


class Side(enum.StrEnum):
    DEBTOR = "debtor"
    CREDITOR = "creditor"


ORDER_KIND = EntryKind.ORDER
ORDER_CURRENCY: CurrencyCode = XSU
ORDER_MEMO = ""

#: Each side's position account gets ``sign * amount``: the debtor is debited, the creditor
#: credited.
ORDER_LEGS: tuple[tuple[Side, int], ...] = ((Side.DEBTOR, -1), (Side.CREDITOR, 1))
invariant(sum(sign for _, sign in ORDER_LEGS) == 0, "an order's legs balance")


def order_entry(period_id: int, order_id: int, debtor: AuthorityCode, creditor: AuthorityCode,
                xsu_minor: int) -> JournalEntry:
    """The journal entry that posts order ``order_id``: ``xsu_minor`` from the debtor
    authority's position to the creditor's."""
    invariant(xsu_minor > 0, "an order moves a positive amount")
    invariant(debtor != creditor, "an order crosses two authorities")
    party = {Side.DEBTOR: debtor, Side.CREDITOR: creditor}
    return JournalEntry(ORDER_KIND, period_id, tuple(
        Posting(position_account(party[side]), ORDER_CURRENCY, sign * xsu_minor)
        for side, sign in ORDER_LEGS), ORDER_MEMO, order_id)
