"""Build a pacs.008.001.08 from payment orders: the inverse of :mod:`.pacs008`'s mapping table.

The chamber never sends pacs.008 itself; this exists so that participants, demos, benchmarks and
tests have one executable reference of where sucre expects each field, and so that the mapping
can be tested as a round trip (order -> pacs.008 -> order). The result is validated against the
OFFICIAL schema; input that cannot make a valid message is refused with the schema's words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pycountry

from sucre import bounds
from sucre.adapters.iso20022._tree import Builder, Element, serialise
from sucre.adapters.iso20022.pacs008 import (
    CUSTOMS_DOCUMENT_TYPE,
    GOODS_REPORT_TYPE,
    INVOICE_DOCUMENT_CODE,
    QUANTITY_KEY,
    UNIT_KEY,
)
from sucre.adapters.iso20022.parse import PACS_008, InvalidMessage, validate
from sucre.domain.errors import InvalidAmount, InvalidInput, invariant
from sucre.domain.orders import OrderRequest

__all__ = ["OutgoingTransfer", "build_pacs008"]


@dataclass(frozen=True, slots=True)
class OutgoingTransfer:
    """One order to put in a pacs.008; its idempotency key must be a UUIDv4 (it is the UETR)."""

    end_to_end_id: str
    order: OrderRequest
    transaction_id: str | None = None


def build_pacs008(*, message_id: str, created_at: dt.datetime,
                  transfers: Sequence[OutgoingTransfer], with_control_sum: bool = True) -> bytes:
    """A schema-valid pacs.008.001.08 carrying ``transfers`` the way :mod:`.pacs008` reads them."""
    invariant(created_at.tzinfo is not None, "ISO timestamps carry their offset")
    if not 0 < len(transfers) <= bounds.iso_transactions_max:
        raise InvalidInput(f"a pacs.008 carries 1 to {bounds.iso_transactions_max} transfers",
                           field="transfers")
    document = _builder.root("Document")
    message = _sub(document, PACS_008.root_tag)
    header = _sub(message, "GrpHdr")
    _sub(header, "MsgId", message_id)
    _sub(header, "CreDtTm", created_at.isoformat(timespec="seconds"))
    _sub(header, "NbOfTxs", str(len(transfers)))
    if with_control_sum:
        _sub(header, "CtrlSum", str(sum((_decimal(t.order.amount) for t in transfers),
                                        Decimal(0))))
    _builder.path(header, "SttlmInf/SttlmMtd", "CLRG")
    for transfer in transfers:
        _transaction(message, transfer)
    try:
        validate(document, PACS_008)
    except InvalidMessage as error:
        raise InvalidInput(f"these transfers make no valid pacs.008: {error.message}",
                           field="transfers") from None
    return serialise(document)


_builder = Builder(PACS_008.namespace)
_sub = _builder.sub


def _transaction(message: Element, transfer: OutgoingTransfer) -> None:
    order = transfer.order
    tx = _sub(message, "CdtTrfTxInf")
    ids = _sub(tx, "PmtId")
    _sub(ids, "EndToEndId", transfer.end_to_end_id)
    if transfer.transaction_id is not None:
        _sub(ids, "TxId", transfer.transaction_id)
    _sub(ids, "UETR", order.idempotency_key.lower())
    _sub(tx, "IntrBkSttlmAmt", order.amount, Ccy=order.currency)
    _sub(tx, "IntrBkSttlmDt", order.value_date)
    _sub(tx, "ChrgBr", "SLEV")
    _party(tx, "Dbtr", order.importer, order.debtor_member)
    _agent(tx, "DbtrAgt", order.debtor_bank)
    _agent(tx, "CdtrAgt", order.creditor_bank)
    _party(tx, "Cdtr", order.exporter, order.creditor_member)
    _builder.path(tx, "Purp/Cd", "GDDS")
    _goods(tx, order)
    structured = _sub(_sub(tx, "RmtInf"), "Strd")
    _document(structured, "Cd", INVOICE_DOCUMENT_CODE, None, order.invoice_ref)
    _document(structured, "Prtry", CUSTOMS_DOCUMENT_TYPE, "SUCRE", order.customs_ref)


def _party(tx: Element, tag: str, name: str, member: str) -> None:
    party = _sub(tx, tag)
    if name:
        _sub(party, "Nm", name)
    _builder.path(party, "PstlAdr/Ctry", _alpha_2(member))


def _agent(tx: Element, tag: str, bank: str) -> None:
    """A BIC when it looks like one, else the bank's name (FinInstnId needs no element at all)."""
    institution = _sub(_sub(tx, tag), "FinInstnId")
    if bank and len(bank) in (8, 11) and bank.isalnum() and bank.isupper():
        _sub(institution, "BICFI", bank)
    elif bank:
        _sub(institution, "Nm", bank)


def _goods(tx: Element, order: OrderRequest) -> None:
    report = _sub(tx, "RgltryRptg")
    _sub(report, "DbtCdtRptgInd", "BOTH")
    details = _sub(report, "Dtls")
    _sub(details, "Tp", GOODS_REPORT_TYPE)
    _sub(details, "Ctry", _alpha_2(order.origin))
    _sub(details, "Cd", order.hs_code)
    _sub(details, "Inf", f"{QUANTITY_KEY}/{order.quantity}")
    _sub(details, "Inf", f"{UNIT_KEY}/{order.unit}")


def _document(structured: Element, kind: str, code: str, issuer: str | None,
              number: str) -> None:
    referred = _sub(structured, "RfrdDocInf")
    kind_of = _sub(referred, "Tp")
    _sub(_sub(kind_of, "CdOrPrtry"), kind, code)
    if issuer is not None:
        _sub(kind_of, "Issr", issuer)
    _sub(referred, "Nb", number)


def _alpha_2(alpha_3: str) -> str:
    country = pycountry.countries.get(alpha_3=alpha_3.strip().upper())
    if country is None:
        raise InvalidInput(f"{alpha_3!r} is not an ISO 3166-1 alpha-3 code", field="member",
                           reason_code="BE09")
    return str(country.alpha_2)


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise InvalidAmount(f"not a number: {text!r}", field="amount") from None
