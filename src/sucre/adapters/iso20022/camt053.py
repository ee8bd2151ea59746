"""camt.053.001.08 (Bank to Customer Statement): one authority's XSU account over one period.

The chamber is the account servicer; each monetary authority holds one XSU account with it and
receives, per period, a statement it can reconcile against its own books:

* balances ``OPBD`` (opening booked, dated the first day) and ``CLBD`` (closing booked, dated the
  last day), each a non-negative amount with ``CdtDbtInd`` CRDT (in favour of the authority) or
  DBIT;
* one ``Ntry`` per posting: signed minor units become an amount and CRDT/DBIT; status ``BOOK``;
  booking and value dates; bank transaction code ``PMNT``/``RCDT`` (received credit transfer) or
  ``PMNT``/``ICDT`` (issued) with sub-family ``XBCT`` (cross-border); ``AcctSvcrRef`` the chamber's
  entry id; ``NtryDtls/TxDtls/Refs/{EndToEndId, UETR}`` for matching with the payment sent;
* ``TxsSummry`` with counts and sums per direction, so a reader can check completeness.

Amounts are integer minor units formatted by :func:`sucre.domain.money.format_amount`, never
floats. ``opening + sum(entries) == closing`` is an invariant: a statement that does not add up is
a bug in the ledger, not something to send. A reference longer than an EndToEndId (Max35Text, e.g.
a 64-character API idempotency key) is given in ``AddtlTxInf`` and the EndToEndId is
``NOTPROVIDED``, the ISO convention, rather than cut. Dates are UTC calendar days. Every statement
is validated against the OFFICIAL camt.053.001.08 XSD before it is returned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sucre import bounds
from sucre.adapters.iso20022._tree import Builder, Element, serialise, xml_text
from sucre.adapters.iso20022.parse import CAMT_053, InvalidMessage, MessageTooLarge, validate
from sucre.domain.errors import invariant
from sucre.domain.money import CurrencyCode, format_amount

__all__ = ["AccountStatement", "StatementEntry", "build_camt053"]

_ID_CHARS_MAX = 35
_INFO_CHARS_MAX = 500
NOT_PROVIDED = "NOTPROVIDED"


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One posting on the account: positive credits the authority, negative debits it."""

    amount_minor: int
    booking_date: dt.date
    value_date: dt.date
    reference: str  # EndToEndId of the order or of the settlement leg
    description: str
    uetr: str | None = None
    entry_id: str | None = None  # the chamber's own reference (AcctSvcrRef)


@dataclass(frozen=True, slots=True)
class AccountStatement:
    """What one statement says; the service reads it from the ledger for one authority."""

    message_id: str
    statement_id: str
    created_at: dt.datetime
    account_id: str  # e.g. "XSU-BCV"
    account_owner: str  # the authority's name
    currency: CurrencyCode
    period_start: dt.date
    period_end: dt.date
    opening_balance_minor: int  # positive: in favour of the authority
    closing_balance_minor: int
    entries: Sequence[StatementEntry]
    sequence_number: int | None = None  # ElctrncSeqNb: statements of this account, counted


def build_camt053(statement: AccountStatement) -> bytes:
    """The camt.053.001.08 document for ``statement``, validated against the official XSD."""
    _check(statement)
    document = _builder.root("Document")
    message = _sub(document, CAMT_053.root_tag)
    header = _sub(message, "GrpHdr")
    _sub(header, "MsgId", statement.message_id)
    _sub(header, "CreDtTm", _timestamp(statement.created_at))
    body = _sub(message, "Stmt")
    _sub(body, "Id", statement.statement_id)
    if statement.sequence_number is not None:
        _sub(body, "ElctrncSeqNb", str(statement.sequence_number))
    _sub(body, "CreDtTm", _timestamp(statement.created_at))
    period = _sub(body, "FrToDt")
    _sub(period, "FrDtTm", _timestamp(_utc(statement.period_start, dt.time.min)))
    _sub(period, "ToDtTm", _timestamp(_utc(statement.period_end, dt.time(23, 59, 59))))
    _account(body, statement)
    _balance(body, "OPBD", statement.opening_balance_minor, statement.currency,
             statement.period_start)
    _balance(body, "CLBD", statement.closing_balance_minor, statement.currency,
             statement.period_end)
    _summary(body, statement)
    for entry in statement.entries:
        _entry(body, entry, statement.currency)
    try:
        validate(document, CAMT_053)
    except InvalidMessage as error:
        invariant(False, f"sucre built an invalid camt.053: {error}")
    return serialise(document)


def _check(statement: AccountStatement) -> None:
    if len(statement.entries) > bounds.iso_statement_entries_max:
        raise MessageTooLarge(
            f"{len(statement.entries)} entries exceed the maximum of "
            f"{bounds.iso_statement_entries_max} per statement", field="entries")
    invariant(statement.created_at.tzinfo is not None, "ISO timestamps carry their offset")
    invariant(statement.period_start <= statement.period_end, "a period ends after it starts")
    for value in (statement.message_id, statement.statement_id):
        invariant(0 < len(value) <= _ID_CHARS_MAX, "ISO identifiers are Max35Text")
    invariant(0 < len(statement.account_id) <= 34, "an account id is Max34Text")
    moved = sum(entry.amount_minor for entry in statement.entries)
    invariant(statement.opening_balance_minor + moved == statement.closing_balance_minor,
              "opening balance plus entries equals closing balance")
    for entry in statement.entries:
        invariant(entry.amount_minor != 0, "an entry moves a non-zero amount")
        invariant(statement.period_start <= entry.booking_date <= statement.period_end,
                  "entries are booked inside the statement's period")


_builder = Builder(CAMT_053.namespace)
_sub = _builder.sub


def _account(body: Element, statement: AccountStatement) -> None:
    account = _sub(body, "Acct")
    _builder.path(account, "Id/Othr/Id", statement.account_id)
    _sub(account, "Ccy", statement.currency)
    owner = xml_text(statement.account_owner)[:140]
    if owner:
        _sub(_sub(account, "Ownr"), "Nm", owner)


def _balance(body: Element, code: str, minor: int, currency: CurrencyCode,
             date: dt.date) -> None:
    balance = _sub(body, "Bal")
    _builder.path(balance, "Tp/CdOrPrtry/Cd", code)
    _sub(balance, "Amt", format_amount(abs(minor), currency), Ccy=currency)
    _sub(balance, "CdtDbtInd", _direction(minor))
    _builder.path(balance, "Dt/Dt", date.isoformat())


def _summary(body: Element, statement: AccountStatement) -> None:
    credits = [e.amount_minor for e in statement.entries if e.amount_minor > 0]
    debits = [-e.amount_minor for e in statement.entries if e.amount_minor < 0]
    net = sum(credits) - sum(debits)
    code = statement.currency
    summary = _sub(body, "TxsSummry")
    total = _sub(summary, "TtlNtries")
    _sub(total, "NbOfNtries", str(len(statement.entries)))
    _sub(total, "Sum", format_amount(sum(credits) + sum(debits), code))
    net_entry = _sub(total, "TtlNetNtry")
    _sub(net_entry, "Amt", format_amount(abs(net), code))
    _sub(net_entry, "CdtDbtInd", _direction(net))
    for tag, amounts in (("TtlCdtNtries", credits), ("TtlDbtNtries", debits)):
        side = _sub(summary, tag)
        _sub(side, "NbOfNtries", str(len(amounts)))
        _sub(side, "Sum", format_amount(sum(amounts), code))


def _entry(body: Element, entry: StatementEntry, currency: CurrencyCode) -> None:
    node = _sub(body, "Ntry")
    _sub(node, "Amt", format_amount(abs(entry.amount_minor), currency), Ccy=currency)
    _sub(node, "CdtDbtInd", _direction(entry.amount_minor))
    _builder.path(node, "Sts/Cd", "BOOK")
    _builder.path(node, "BookgDt/Dt", entry.booking_date.isoformat())
    _builder.path(node, "ValDt/Dt", entry.value_date.isoformat())
    if entry.entry_id:
        _sub(node, "AcctSvcrRef", entry.entry_id)
    domain = _sub(_sub(node, "BkTxCd"), "Domn")
    _sub(domain, "Cd", "PMNT")
    family = _sub(domain, "Fmly")
    _sub(family, "Cd", "RCDT" if entry.amount_minor > 0 else "ICDT")
    _sub(family, "SubFmlyCd", "XBCT")
    details = _sub(_sub(node, "NtryDtls"), "TxDtls")
    references = _sub(details, "Refs")
    reference = entry.reference.strip()
    fits = 0 < len(reference) <= _ID_CHARS_MAX
    _sub(references, "EndToEndId", reference if fits else NOT_PROVIDED)
    if entry.uetr is not None:
        _sub(references, "UETR", entry.uetr)
    if not fits and reference:
        _sub(details, "AddtlTxInf", xml_text(f"Reference: {reference}")[:_INFO_CHARS_MAX])
    description = xml_text(entry.description)[:_INFO_CHARS_MAX]
    if description:
        _sub(node, "AddtlNtryInf", description)


def _direction(minor: int) -> str:
    """Zero is reported as a credit balance, the usual convention."""
    return "DBIT" if minor < 0 else "CRDT"


def _utc(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=dt.UTC)


def _timestamp(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")
