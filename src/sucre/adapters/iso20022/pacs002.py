"""pacs.002.001.10 (FI to FI Payment Status Report): the chamber's answer to a pacs.008/pacs.009.

One report answers one original message: ``OrgnlGrpInfAndSts`` names it (``OrgnlMsgId``,
``OrgnlMsgNmId``) with a group status, and one ``TxInfAndSts`` per transaction gives its status
and, when rejected, the ISO ExternalStatusReason code of the
:class:`~sucre.domain.errors.SucreError` that caused it. This module is the one place where
errors become pacs.002 reasons.

Group status: the status shared by every transaction, ``PART`` when they differ, and ``RJCT``
(with a reason, no transactions listed) for a message rejected as a whole by
:func:`build_message_rejection`.

Every report built is validated against sucre's usage guideline XSD before it is returned
(``xsd/pacs.002.001.10.sucre-usage.xsd``, NOT official; see :mod:`.parse`): an invalid report is a
bug in sucre and crashes rather than reaching a central bank.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sucre import bounds
from sucre.adapters.iso20022._group import TransactionIds
from sucre.adapters.iso20022._tree import Builder, Element, serialise, xml_text
from sucre.adapters.iso20022.parse import PACS_002, InvalidMessage, validate
from sucre.domain.errors import SucreError, invariant

__all__ = ["TransactionOutcome", "TransactionStatus", "accepted", "build_message_rejection",
           "build_pacs002", "rejected"]

_REASON_TEXT_CHARS_MAX = 105  # Max105Text
_ID_CHARS_MAX = 35  # Max35Text


class TransactionStatus(enum.StrEnum):
    ACCEPTED_SETTLEMENT_IN_PROCESS = "ACSP"  # reserved against limits, awaiting settlement
    ACCEPTED_SETTLEMENT_COMPLETED = "ACSC"  # settled into its period
    REJECTED = "RJCT"
    PENDING = "PDNG"


@dataclass(frozen=True, slots=True)
class TransactionOutcome:
    """What happened to one original transaction."""

    ids: TransactionIds
    status: TransactionStatus
    reason_code: str | None = None  # ExternalStatusReason1Code, e.g. AM04
    reason_text: str | None = None

    def __post_init__(self) -> None:
        invariant((self.status is TransactionStatus.REJECTED) == (self.reason_code is not None),
                  "a rejection carries a reason code, and only a rejection does")
        invariant(self.reason_code is None or 1 <= len(self.reason_code) <= 4,
                  "ExternalStatusReason codes have 1 to 4 characters")


def accepted(ids: TransactionIds, status: TransactionStatus = (
        TransactionStatus.ACCEPTED_SETTLEMENT_IN_PROCESS)) -> TransactionOutcome:
    return TransactionOutcome(ids, status)


def rejected(ids: TransactionIds, error: SucreError) -> TransactionOutcome:
    """A rejection whose reason is the error's ISO code and its text (field and message)."""
    return TransactionOutcome(ids, TransactionStatus.REJECTED, error.reason_code,
                              _describe(error))


def build_pacs002(*, message_id: str, created_at: dt.datetime, original_message_id: str,
                  original_message_name_id: str,
                  outcomes: Sequence[TransactionOutcome]) -> bytes:
    """A status report for every transaction of one original message."""
    invariant(0 < len(outcomes) <= bounds.iso_transactions_max,
              "a report answers between 1 and iso_transactions_max transactions")
    counts = Counter(outcome.status for outcome in outcomes)
    group_status = next(iter(counts)).value if len(counts) == 1 else "PART"
    document, report, group = _skeleton(message_id, created_at, original_message_id,
                                        original_message_name_id)
    _sub(group, "OrgnlNbOfTxs", str(len(outcomes)))
    _sub(group, "GrpSts", group_status)
    for status in TransactionStatus:
        if counts[status]:
            per_status = _sub(group, "NbOfTxsPerSts")
            _sub(per_status, "DtldNbOfTxs", str(counts[status]))
            _sub(per_status, "DtldSts", status.value)
    for outcome in outcomes:
        _transaction(report, outcome)
    return _finish(document)


def build_message_rejection(*, message_id: str, created_at: dt.datetime,
                            original_message_id: str, original_message_name_id: str,
                            error: SucreError) -> bytes:
    """A group-level RJCT for a message refused as a whole (bad count, duplicate ids ...)."""
    document, _, group = _skeleton(message_id, created_at, original_message_id,
                                   original_message_name_id)
    _sub(group, "GrpSts", TransactionStatus.REJECTED.value)
    _reason(group, error.reason_code, _describe(error))
    return _finish(document)


_builder = Builder(PACS_002.namespace)
_sub = _builder.sub


def _skeleton(message_id: str, created_at: dt.datetime, original_message_id: str,
              original_message_name_id: str) -> tuple[Element, Element, Element]:
    invariant(created_at.tzinfo is not None, "ISO timestamps carry their offset")
    for value in (message_id, original_message_id, original_message_name_id):
        invariant(0 < len(value) <= _ID_CHARS_MAX, "ISO identifiers are Max35Text")
    document = _builder.root("Document")
    report = _sub(document, PACS_002.root_tag)
    header = _sub(report, "GrpHdr")
    _sub(header, "MsgId", message_id)
    _sub(header, "CreDtTm", created_at.isoformat(timespec="seconds"))
    group = _sub(report, "OrgnlGrpInfAndSts")
    _sub(group, "OrgnlMsgId", original_message_id)
    _sub(group, "OrgnlMsgNmId", original_message_name_id)
    return document, report, group


def _transaction(report: Element, outcome: TransactionOutcome) -> None:
    entry = _sub(report, "TxInfAndSts")
    ids = outcome.ids
    if ids.instruction_id is not None:
        _sub(entry, "OrgnlInstrId", ids.instruction_id)
    _sub(entry, "OrgnlEndToEndId", ids.end_to_end_id)
    if ids.transaction_id is not None:
        _sub(entry, "OrgnlTxId", ids.transaction_id)
    if ids.uetr is not None:
        _sub(entry, "OrgnlUETR", ids.uetr)
    _sub(entry, "TxSts", outcome.status.value)
    if outcome.reason_code is not None:
        _reason(entry, outcome.reason_code, outcome.reason_text)


def _reason(parent: Element, code: str, text: str | None) -> None:
    reason = _sub(parent, "StsRsnInf")
    _sub(_sub(reason, "Rsn"), "Cd", code)
    cleaned = xml_text(text or "")
    if cleaned:
        _sub(reason, "AddtlInf", cleaned[:_REASON_TEXT_CHARS_MAX])


def _describe(error: SucreError) -> str:
    """The error without its code (the code has its own element)."""
    return f"{error.field}: {error.message}" if error.field else error.message



def _finish(document: Element) -> bytes:
    try:
        validate(document, PACS_002)
    except InvalidMessage as error:
        invariant(False, f"sucre built an invalid pacs.002: {error}")
    return serialise(document)
