"""An authority's position in a clearing period, and the credit-limit rule, stated once.

Each authority has one position per period: its limit (allocation + credit line, fixed when the
period opens) and four running sums in XSU minor units, debits and credits each *pending*
(reserved by an accepted order awaiting the receiving side's decision) or *posted* (in the
journal). The rule every order passes before it is accepted::

    net_debit = debit_posted + debit_pending - credit_posted
    headroom  = limit - net_debit
    an order of amount a is within the limit  iff  a <= headroom

Pending credits do not count towards the headroom: the receiving side may still reject them.

The database applies the same rule set-based, in one conditional UPDATE per reservation
(:meth:`sucre.adapters.db.repositories.positions.SqlPositions.reserve`);
``tests/service/test_rules_agree.py`` proves on SQLite and PostgreSQL that it accepts exactly
the orders :func:`within_limit` accepts and leaves the rows equal to :func:`reserve` and
:func:`reserve_credit`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sucre.domain.errors import invariant
from sucre.domain.members import AuthorityCode


@dataclass(frozen=True, slots=True)
class Position:
    """An authority's limit and running sums in a period (XSU minor units, none negative)."""

    limit_minor: int
    debit_posted_minor: int = 0
    debit_pending_minor: int = 0
    credit_posted_minor: int = 0
    credit_pending_minor: int = 0

    def __post_init__(self) -> None:
        invariant(min(self.limit_minor, self.debit_posted_minor, self.debit_pending_minor,
                      self.credit_posted_minor, self.credit_pending_minor) >= 0,
                  "a position's limit and sums are not negative")


#: The fields of :class:`Position`, which are also the columns of its stored row.
POSITION_FIELDS = tuple(Position.__dataclass_fields__)


@dataclass(frozen=True, slots=True)
class AuthorityPosition:
    """An authority's position in a period, with the credit line its limit includes."""

    authority: AuthorityCode
    position: Position
    credit_line_minor: int

    @property
    def limit_minor(self) -> int:
        return self.position.limit_minor

    @property
    def net_posted_minor(self) -> int:
        return net_posted(self.position)

    @property
    def debit_reserved_minor(self) -> int:
        return self.position.debit_pending_minor

    @property
    def credit_reserved_minor(self) -> int:
        return self.position.credit_pending_minor

    @property
    def headroom_minor(self) -> int:
        return headroom(self.position)


def net_posted(position: Position) -> int:
    """The posted net position, credits minus debits: what the authority's XSU account in the
    journal holds (:func:`sucre.domain.ledger.position_account`)."""
    return position.credit_posted_minor - position.debit_posted_minor


def net_debit(position: Position) -> int:
    """What the authority owes on its posted and reserved debits, less its posted credits."""
    return (position.debit_posted_minor + position.debit_pending_minor
            - position.credit_posted_minor)


def headroom(position: Position) -> int:
    """How much more the authority may reserve (negative only if its limit was breached)."""
    return position.limit_minor - net_debit(position)


def within_limit(position: Position, amount_minor: int) -> bool:
    """Whether reserving ``amount_minor`` more keeps the authority within its limit."""
    invariant(amount_minor > 0, "a reservation is of a positive amount")
    return amount_minor <= headroom(position)


def reserve(position: Position, amount_minor: int) -> Position:
    """The debtor's position once an order of ``amount_minor`` is reserved (it must fit)."""
    invariant(within_limit(position, amount_minor), "a reservation fits the debtor's headroom")
    reserved = Position(position.limit_minor, position.debit_posted_minor,
                        position.debit_pending_minor + amount_minor,
                        position.credit_posted_minor, position.credit_pending_minor)
    invariant(headroom(reserved) == headroom(position) - amount_minor,
              "a reservation uses exactly its amount of headroom")
    return reserved


def reserve_credit(position: Position, amount_minor: int) -> Position:
    """The creditor's position once an order of ``amount_minor`` to it is reserved (a pending
    credit: it leaves the creditor's headroom unchanged)."""
    invariant(amount_minor > 0, "a reservation is of a positive amount")
    return Position(position.limit_minor, position.debit_posted_minor,
                    position.debit_pending_minor, position.credit_posted_minor,
                    position.credit_pending_minor + amount_minor)
