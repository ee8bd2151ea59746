"""The journal repository (:class:`sucre.service.unit_of_work.Journal`) over SQLAlchemy.

Entries are appended, never changed. Orders are posted set-based (one ``INSERT ... SELECT`` per
table and leg) from the constants of :mod:`sucre.domain.posting`; balances, positions and the
period's gross flows are derived from the postings and the orders they posted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import and_, func, insert, literal, select, update

from sucre.adapters.db import tables as t
from sucre.adapters.db.repositories import SqlRepository, now
from sucre.domain import posting
from sucre.domain.errors import invariant
from sucre.domain.ledger import (
    COUNCIL_SETTLEMENT,
    POSITION_PREFIX,
    AccountLine,
    EntryKind,
    JournalEntry,
    Posting,
)
from sucre.domain.members import AuthorityCode, MemberCode
from sucre.domain.money import XSU, CurrencyCode
from sucre.domain.orders import OrderStatus
from sucre.domain.settlement import Corridor, MemberFlows

#: The ``payment_orders`` column of each side of :data:`sucre.domain.posting.ORDER_LEGS`.
_ORDER_PARTY = {posting.Side.DEBTOR: "debtor_authority_id",
                posting.Side.CREDITOR: "creditor_authority_id"}


class SqlJournal(SqlRepository):
    def append(self, entries: Iterable[JournalEntry]) -> list[int]:
        """Append balanced entries (each was checked when built) to the journal; their ids."""
        stamp = now()
        ids: list[int] = []
        for entry in entries:
            result = self.conn.execute(insert(t.journal_entries).values(
                period_id=entry.period_id, kind=entry.kind.value, order_id=entry.order_id,
                memo=entry.memo[:200], created_at=stamp))
            key = result.inserted_primary_key
            invariant(key is not None, "an inserted entry has an id")
            self.conn.execute(insert(t.postings), [
                {"entry_id": key[0], "account": p.account,  # type: ignore[index]
                 "currency": p.currency, "amount_minor": p.amount_minor}
                for p in entry.postings])
            ids.append(int(key[0]))  # type: ignore[index]
        return ids

    def post_accepted_orders(self, period_id: int, order_id: int | None = None,
                             creditor_id: int | None = None) -> int:
        """Post accepted orders (one, those to one creditor, or all of a period), set-based.

        Each order becomes the entry :func:`sucre.domain.posting.order_entry` builds (its
        debtor's position debited, its creditor's credited, in XSU), written here from the same
        constants with one INSERT ... SELECT per table and leg. Returns how many were posted.
        """
        o, a = t.payment_orders.c, t.authorities.c
        selected = and_(o.period_id == period_id, o.status == OrderStatus.ACCEPTED.value)
        if order_id is not None:
            selected = and_(selected, o.id == order_id)
        if creditor_id is not None:
            selected = and_(selected, o.creditor_authority_id == creditor_id)
        self.conn.execute(insert(t.journal_entries).from_select(
            ["period_id", "kind", "order_id", "memo", "created_at"],
            select(o.period_id, literal(posting.ORDER_KIND.value), o.id,
                   literal(posting.ORDER_MEMO), literal(now()))
            .where(selected)))
        for side, sign in posting.ORDER_LEGS:
            self.conn.execute(insert(t.postings).from_select(
                ["entry_id", "account", "currency", "amount_minor"],
                select(t.journal_entries.c.id, literal(POSITION_PREFIX) + a.code,
                       literal(posting.ORDER_CURRENCY), o.xsu_minor * sign)
                .join(t.payment_orders, t.journal_entries.c.order_id == o.id)
                .join(t.authorities, a.id == o[_ORDER_PARTY[side]]).where(selected)))
        self._move_pending_to_posted(period_id, selected)
        posted = self.conn.execute(update(t.payment_orders).where(selected)
                                   .values(status=OrderStatus.SETTLED.value))
        return int(posted.rowcount)

    def _move_pending_to_posted(self, period_id: int, selected: Any) -> None:
        """Move the selected orders' amounts from pending to posted, one UPDATE per authority
        in ``authority_id`` order (the global lock order), whichever side each is on."""
        o, p = t.payment_orders.c, t.positions.c
        moves: dict[int, dict[str, int]] = defaultdict(lambda: {"debit": 0, "credit": 0})
        for side, column in (("debit", "debtor_authority_id"),
                             ("credit", "creditor_authority_id")):
            sums = self.conn.execute(select(o[column], func.sum(o.xsu_minor)).where(selected)
                                     .group_by(o[column])).tuples().all()
            for authority_id, amount in sums:
                moves[int(authority_id)][side] += int(amount)
        for authority_id in sorted(moves):
            debit, credit = moves[authority_id]["debit"], moves[authority_id]["credit"]
            result = self.conn.execute(update(t.positions).where(
                p.period_id == period_id, p.authority_id == authority_id,
                p.debit_pending_minor >= debit, p.credit_pending_minor >= credit)
                .values(debit_pending_minor=p.debit_pending_minor - debit,
                        debit_posted_minor=p.debit_posted_minor + debit,
                        credit_pending_minor=p.credit_pending_minor - credit,
                        credit_posted_minor=p.credit_posted_minor + credit))
            invariant(result.rowcount == 1, "posted amounts were reserved")

    def positions(self, period_id: int, kinds: Sequence[EntryKind] = (EntryKind.ORDER,)
                  ) -> dict[str, int]:
        """XSU balance per account from the entries of a period of the given kinds."""
        p, j = t.postings.c, t.journal_entries.c
        query = (select(p.account, func.sum(p.amount_minor)).join(t.journal_entries)
                 .where(j.period_id == period_id, j.kind.in_([k.value for k in kinds]),
                        p.currency == XSU)
                 .group_by(p.account))
        return {account: int(total) for account, total in self.conn.execute(query).tuples()}

    def totals(self) -> dict[CurrencyCode, int]:
        """The sum of all postings per currency (zero in a balanced journal)."""
        p = t.postings.c
        query = select(p.currency, func.sum(p.amount_minor)).group_by(p.currency)
        return {CurrencyCode(c): int(total) for c, total in self.conn.execute(query).tuples()}

    def balances(self) -> dict[tuple[str, CurrencyCode], int]:
        """Every account's balance per currency."""
        p = t.postings.c
        query = (select(p.account, p.currency, func.sum(p.amount_minor))
                 .group_by(p.account, p.currency))
        return {(acc, CurrencyCode(cur)): int(total)
                for acc, cur, total in self.conn.execute(query).tuples()}

    def account_lines(self, period_id: int, account: str, currency: CurrencyCode
                      ) -> list[AccountLine]:
        """The postings of a period to one account, in entry order, with their orders."""
        j, p, o = t.journal_entries.c, t.postings.c, t.payment_orders.c
        rows = self.conn.execute(
            select(j.id, j.kind, j.memo, j.created_at, p.amount_minor, o.idempotency_key,
                   o.value_date, o.invoice_ref)
            .select_from(t.postings.join(t.journal_entries)
                         .outerjoin(t.payment_orders, o.id == j.order_id))
            .where(j.period_id == period_id, p.account == account, p.currency == currency)
            .order_by(j.id))
        return [AccountLine(int(r.id), EntryKind(r.kind), r.memo, r.created_at,
                            int(r.amount_minor), r.idempotency_key, r.value_date,
                            r.invoice_ref) for r in rows]

    # --- a period's gross flows, from the orders the journal posted --------------------------

    def corridor_gross(self, period_id: int) -> dict[Corridor, int]:
        """Gross XSU per (debtor, creditor authority) over a period's settled orders."""
        o = t.payment_orders.c
        debtor, creditor = t.authorities.alias("d"), t.authorities.alias("c")
        query = (select(debtor.c.code, creditor.c.code, func.sum(o.xsu_minor))
                 .select_from(t.payment_orders)
                 .join(debtor, debtor.c.id == o.debtor_authority_id)
                 .join(creditor, creditor.c.id == o.creditor_authority_id)
                 .where(o.period_id == period_id, o.status == OrderStatus.SETTLED.value)
                 .group_by(debtor.c.code, creditor.c.code))
        return {(AuthorityCode(d), AuthorityCode(c)): int(total)
                for d, c, total in self.conn.execute(query).tuples()}

    def member_flows(self, period_id: int) -> dict[MemberCode, MemberFlows]:
        """XSU paid and received per member state by a period's accepted or settled orders."""
        o = t.payment_orders.c
        sums: dict[str, dict[str, int]] = defaultdict(lambda: {"paid": 0, "received": 0})
        for side, label in ((o.debtor_member, "paid"), (o.creditor_member, "received")):
            query = (select(side, func.sum(o.xsu_minor)).where(
                o.period_id == period_id,
                o.status.in_([OrderStatus.SETTLED.value, OrderStatus.ACCEPTED.value]))
                .group_by(side))
            for member, total in self.conn.execute(query).tuples():
                sums[member][label] += int(total)
        return {MemberCode(m): MemberFlows(s["paid"], s["received"]) for m, s in sums.items()}


    def member_posted(self, period_id: int, member: MemberCode) -> MemberFlows:
        """XSU the journal posted in a period for orders ``member`` paid and was paid."""
        o, j = t.payment_orders.c, t.journal_entries.c
        totals = []
        for side in (o.debtor_member, o.creditor_member):
            query = (select(func.coalesce(func.sum(o.xsu_minor), 0))
                     .select_from(t.journal_entries.join(t.payment_orders, o.id == j.order_id))
                     .where(j.period_id == period_id, j.kind == EntryKind.ORDER.value,
                            side == member))
            totals.append(int(self.conn.execute(query).scalar_one()))
        return MemberFlows(totals[0], totals[1])

    def financing(self, period_id: int) -> list[Posting]:
        """The lender's posting of each financing entry of a period (the account debited with
        the loan), in the order the close appended them."""
        p, j = t.postings.c, t.journal_entries.c
        rows = self.conn.execute(
            select(p.account, p.currency, p.amount_minor).join(t.journal_entries)
            .where(j.period_id == period_id, j.kind == EntryKind.FINANCING.value,
                   p.account != COUNCIL_SETTLEMENT)
            .order_by(j.id, p.id))
        return [Posting(r.account, CurrencyCode(r.currency), int(r.amount_minor)) for r in rows]

    def account_balance(self, account: str, currency: CurrencyCode) -> int:
        """An account's balance in one currency over the whole journal."""
        p = t.postings.c
        return int(self.conn.execute(select(func.coalesce(func.sum(p.amount_minor), 0)).where(
            p.account == account, p.currency == currency)).scalar_one())

    def entry_ids(self, kind: EntryKind) -> set[int]:
        j = t.journal_entries.c
        return {int(i) for i in self.conn.execute(select(j.id).where(j.kind == kind.value))
                .scalars()}

    def entries(self, entry_ids: Collection[int]) -> dict[int, JournalEntry]:
        j, p = t.journal_entries.c, t.postings.c
        postings: dict[int, list[Posting]] = defaultdict(list)
        heads: dict[int, Any] = {}
        for chunk in _chunks(sorted(entry_ids)):
            for row in self.conn.execute(select(j.id, j.kind, j.period_id, j.memo, j.order_id)
                                         .where(j.id.in_(chunk))):
                heads[int(row.id)] = row
            for row in self.conn.execute(select(p.entry_id, p.account, p.currency,
                                                p.amount_minor)
                                         .where(p.entry_id.in_(chunk)).order_by(p.id)):
                postings[int(row.entry_id)].append(Posting(
                    row.account, CurrencyCode(row.currency), int(row.amount_minor)))
        return {i: JournalEntry(EntryKind(h.kind), h.period_id, tuple(postings[i]), h.memo,
                                h.order_id) for i, h in heads.items()}


def _chunks(ids: Sequence[int], size: int = 500) -> Iterable[Sequence[int]]:
    """Ids in slices a statement's parameters can hold."""
    for start in range(0, len(ids), size):
        yield ids[start:start + size]
