"""The positions repository (:class:`sucre.service.unit_of_work.Positions`) over SQLAlchemy.

The credit-limit rule is :mod:`sucre.domain.positions`; a reservation applies it here in one
conditional UPDATE of the locked row (:func:`_within_limit`), so that two concurrent reservations
can never both pass (``tests/service/test_rules_agree.py`` proves both agree).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import insert, select, update

from sucre.adapters.db import tables as t
from sucre.adapters.db.repositories import SqlRepository
from sucre.domain.decisions import Allocation
from sucre.domain.errors import invariant
from sucre.domain.members import AuthorityCode
from sucre.domain.positions import POSITION_FIELDS, AuthorityPosition, Position

invariant(set(POSITION_FIELDS) <= set(t.positions.c.keys()),
          "a Position's fields are columns of its row")


def position_of(row: Mapping[Any, Any]) -> Position:
    """The domain record of a ``positions`` row (or of any mapping with its columns)."""
    return Position(*(int(row[name]) for name in POSITION_FIELDS))


def _net_debit() -> Any:
    """The SQL twin of :func:`sucre.domain.positions.net_debit` on a ``positions`` row."""
    p = t.positions.c
    return p.debit_posted_minor + p.debit_pending_minor - p.credit_posted_minor


def _within_limit(xsu_minor: int) -> Any:
    """The SQL twin of :func:`sucre.domain.positions.within_limit` on a ``positions`` row:
    ``net_debit + amount <= limit`` (``tests/service/test_rules_agree.py`` proves they agree)."""
    invariant(xsu_minor > 0, "a reservation is of a positive amount")
    return _net_debit() + xsu_minor <= t.positions.c.limit_minor


class SqlPositions(SqlRepository):
    def lock_of(self, period_id: int, authority_ids: Iterable[int]) -> None:
        """Lock the position rows of some authorities in a period, in ``authority_id`` order.

        Every transaction that changes more than one position row locks them first, in this
        one global order, so two of them can never wait for each other (two authorities paying
        each other at the same time lock in opposite debtor/creditor order otherwise, and
        PostgreSQL aborts one).
        """
        p = t.positions.c
        wanted = sorted(set(authority_ids))
        self.conn.execute(select(p.authority_id).where(p.period_id == period_id,
                                                       p.authority_id.in_(wanted))
                          .order_by(p.authority_id).with_for_update()).all()

    def lock_all(self, period_id: int) -> dict[int, Position]:
        """Lock every position row of a period (in authority order: no deadlocks), read them."""
        rows = self.conn.execute(select(t.positions).where(t.positions.c.period_id == period_id)
                                 .order_by(t.positions.c.authority_id).with_for_update()).all()
        return {r.authority_id: position_of(r._mapping) for r in rows}

    def reserve(self, period_id: int, debtor_id: int, creditor_id: int, xsu_minor: int
                ) -> bool:
        """Reserve an order against the debtor's limit; False if it would breach it.

        Both rows are locked first (:meth:`lock_of`); the limit is then checked by one
        conditional UPDATE of the locked row. The rule is
        :func:`sucre.domain.positions.within_limit`, and the rows change as
        :func:`~sucre.domain.positions.reserve` and :func:`~sucre.domain.positions.reserve_credit`
        say (pending credits do not count towards the headroom).
        """
        self.lock_of(period_id, (debtor_id, creditor_id))
        p = t.positions.c
        debited = self.conn.execute(update(t.positions).where(
            p.period_id == period_id, p.authority_id == debtor_id, _within_limit(xsu_minor),
        ).values(debit_pending_minor=p.debit_pending_minor + xsu_minor))
        if debited.rowcount == 0:
            return False
        credited = self.conn.execute(update(t.positions).where(
            p.period_id == period_id, p.authority_id == creditor_id,
        ).values(credit_pending_minor=p.credit_pending_minor + xsu_minor))
        invariant(credited.rowcount == 1, "the creditor has a position row in the period")
        return True

    def release(self, period_id: int, debtor_id: int, creditor_id: int, xsu_minor: int) -> None:
        """Release an order's reservation (its rows locked first, in the global order)."""
        self.lock_of(period_id, (debtor_id, creditor_id))
        p = t.positions.c
        for authority_id, column in ((debtor_id, "debit_pending_minor"),
                                     (creditor_id, "credit_pending_minor")):
            result = self.conn.execute(update(t.positions).where(
                p.period_id == period_id, p.authority_id == authority_id,
                p[column] >= xsu_minor).values({column: p[column] - xsu_minor}))
            invariant(result.rowcount == 1, "a released reservation was held")

    def add_pending(self, period_id: int, debits: Mapping[int, int],
                    credits: Mapping[int, int]) -> None:
        """Apply a batch's netted reservations (its rows locked by :meth:`lock_all`)."""
        p = t.positions.c
        for authority_id in sorted(set(debits) | set(credits)):
            self.conn.execute(update(t.positions).where(
                p.period_id == period_id, p.authority_id == authority_id).values(
                debit_pending_minor=p.debit_pending_minor + debits.get(authority_id, 0),
                credit_pending_minor=p.credit_pending_minor + credits.get(authority_id, 0)))

    def in_period(self, period_id: int) -> list[AuthorityPosition]:
        """Every authority's position in a period, by authority code."""
        query = (select(t.positions, t.authorities.c.code)
                 .join(t.authorities, t.authorities.c.id == t.positions.c.authority_id)
                 .where(t.positions.c.period_id == period_id).order_by(t.authorities.c.code))
        return [AuthorityPosition(AuthorityCode(r.code), position_of(r._mapping),
                                  int(r.credit_line_minor)) for r in self.conn.execute(query)]

    def holders(self, period_id: int) -> set[int]:
        """The ids of the authorities holding a position row in the period."""
        return set(self.conn.execute(select(t.positions.c.authority_id).where(
            t.positions.c.period_id == period_id)).scalars())

    def add(self, period_id: int, authority_id: int, allocation: Allocation) -> None:
        """An authority's empty position in a period, its limit set by ``allocation``."""
        self.conn.execute(insert(t.positions).values(
            period_id=period_id, authority_id=authority_id, limit_minor=allocation.limit_minor,
            credit_line_minor=allocation.credit_line_minor,
            debit_pending_minor=0, credit_pending_minor=0,
            debit_posted_minor=0, credit_posted_minor=0))

    def set_limit(self, period_id: int, authority_id: int, allocation: Allocation) -> bool:
        """Set the limit of a position row, unless its net debit already exceeds the new limit
        (False: unchanged, or no such row): one conditional UPDATE, like a reservation's."""
        p = t.positions.c
        changed = self.conn.execute(update(t.positions).where(
            p.period_id == period_id, p.authority_id == authority_id,
            _net_debit() <= allocation.limit_minor,
        ).values(limit_minor=allocation.limit_minor,
                 credit_line_minor=allocation.credit_line_minor))
        return bool(changed.rowcount)
