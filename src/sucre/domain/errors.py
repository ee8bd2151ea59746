"""The one error tree of sucre.

Every error a user can cause is a :class:`SucreError`. Each carries the field it is about (where one
applies), a human message, and an ISO 20022 ExternalStatusReason code, so that the CLI, the API and
the pacs.002 builder translate errors in one place each::

    SucreError
    ├── InvalidInput              FF01  malformed value, bad format (field named)
    │   ├── InvalidAmount         AM12  negative, non-numeric, over-precise
    │   │   ├── ZeroAmount        AM01
    │   │   └── AmountTooLarge    AM02
    │   ├── InvalidCurrency       AM03  unknown or not the authority's
    │   ├── InvalidDate           DT01  outside the open period, no fixing
    │   ├── LimitExceeded         (FF01) a bound of sucre.bounds (batch, file, rows)
    │   │   ├── MessageTooLarge   (FF01) an ISO 20022 message over an iso_* bound [iso20022]
    │   │   ├── BodyTooLarge      (FF01) an HTTP request body over its bound (413) [api]
    │   │   └── BodyTooSlow       (FF01) a body not received within the client timeout [api]
    │   ├── BadRows               (FF01) every bad row of an input file, each with its line
    │   │   └── CsvRowErrors      (FF01) of an invoice file [invoice_csv]
    │   ├── BadIdempotencyKey     CH21  Idempotency-Key header missing (FF01: malformed)
    │   └── InvalidMessage        FF01  an ISO 20022 message refused whole [iso20022]
    │       └── UnsafeMessage     FF01  DTD, entities: XML that only attacks use [iso20022]
    ├── UnknownParty              RC01/BE09  unknown member state, authority or order
    │   └── NotFound              NARR  a named record that does not exist or is not theirs
    ├── PartyNotActive            AG01  member suspended, AC04 withdrawn
    ├── IdempotencyConflict       DUPL  same key, different body
    ├── NotAuthenticated          AUTH  no API key, or a malformed, unknown or revoked one
    ├── AccessDenied              AG01  the role (or authority) may not do this
    │   └── OwnProposal           AG01  four eyes: a key approving its own proposal
    ├── InvalidState              (no ISO code) period or order in the wrong state
    └── InsufficientPosition      AM04  the order would breach allocation + credit line; a
                                        fund's tranche its balance or its project's budget

Classes marked [...] live beside the edge that raises them (``sucre.adapters.iso20022.parse``,
``sucre.adapters.invoice_csv``, ``sucre.entrypoints.api.errors``); every subclass of ``SucreError``
anywhere in sucre is drawn here (tests/unit/test_error_tree.py checks the drawing against the code).

:class:`InvariantBroken` is not a ``SucreError``: it means sucre itself is wrong, and it crashes.
"""

from __future__ import annotations

from collections.abc import Sequence

#: One bad row of an input file: (line number, field, reason).
ErrorRow = tuple[int, str, str]
_ROWS_IN_MESSAGE = 20


class SucreError(Exception):
    """Base of every error a caller can cause; never raised for a bug in sucre."""

    reason_code: str = "NARR"

    def __init__(self, message: str, *, field: str | None = None, reason_code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if reason_code is not None:
            self.reason_code = reason_code

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{where}{self.message} [{self.reason_code}]"


class InvalidInput(SucreError):
    reason_code = "FF01"


class InvalidAmount(InvalidInput):
    reason_code = "AM12"


class ZeroAmount(InvalidAmount):
    reason_code = "AM01"


class AmountTooLarge(InvalidAmount):
    reason_code = "AM02"


class InvalidCurrency(InvalidInput):
    reason_code = "AM03"


class InvalidDate(InvalidInput):
    reason_code = "DT01"


class LimitExceeded(InvalidInput):
    """A bound from :mod:`sucre.bounds` was passed (file too large, batch too big)."""


class BadRows(InvalidInput):
    """Bad rows of an input file: ``errors`` lists every one as (line, field, reason)."""

    def __init__(self, source: str, errors: Sequence[ErrorRow], *, truncated: bool = False):
        self.errors: list[ErrorRow] = sorted(errors)
        self.truncated = truncated
        shown = "; ".join(f"line {line}: {field}: {reason}"
                          for line, field, reason in self.errors[:_ROWS_IN_MESSAGE])
        more = len(self.errors) - _ROWS_IN_MESSAGE
        tail = f"; and {more} more" if more > 0 else ""
        stopped = " (reading stopped there)" if truncated else ""
        super().__init__(f"{source}: {len(self.errors)} bad row(s){stopped}: {shown}{tail}",
                         field="file")


class UnknownParty(SucreError):
    reason_code = "RC01"


class NotFound(UnknownParty):
    """A record the caller named (an order, a set-off run) does not exist, or is not theirs."""

    reason_code = "NARR"


class PartyNotActive(SucreError):
    reason_code = "AG01"


class IdempotencyConflict(SucreError):
    reason_code = "DUPL"


class NotAuthenticated(SucreError):
    """No API key, or one that is malformed, unknown or revoked (HTTP 401).

    ``AUTH`` is sucre's own code: no ISO ExternalStatusReason describes a transport credential.
    """

    reason_code = "AUTH"


class AccessDenied(SucreError):
    """The principal's role (or authority) may not do this (HTTP 403); AG01 TransactionForbidden."""

    reason_code = "AG01"


class OwnProposal(AccessDenied):
    """Four eyes (:mod:`sucre.domain.four_eyes`): the key, or the API client, that proposed an
    action tries to approve it (HTTP 403; the CLI exits 2)."""


class BadIdempotencyKey(InvalidInput):
    """The ``Idempotency-Key`` header is missing (CH21) or malformed (FF01) (HTTP 400)."""

    reason_code = "CH21"


class InvalidState(SucreError):
    reason_code = "NARR"


class InsufficientPosition(SucreError):
    reason_code = "AM04"


class InvariantBroken(AssertionError):
    """sucre broke one of its own invariants: a bug, never a user error. Always raised."""


def invariant(condition: bool, message: str) -> None:
    """Assert an invariant in every build (``assert`` vanishes under ``python -O``)."""
    if not condition:
        raise InvariantBroken(message)
