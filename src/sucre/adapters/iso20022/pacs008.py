"""pacs.008.001.08 (FI to FI Customer Credit Transfer) to payment orders: one per CdtTrfTxInf.

A central bank sends the chamber one pacs.008 per batch of its importers' payments. Every field
an :class:`~sucre.domain.orders.OrderRequest` needs has a place that the official v08 schema
allows; where ISO offers a coded slot we use it, and where it offers only a typed free slot we fix
a convention (this table is sucre's usage guideline for pacs.008):

==================  ========================================================================
OrderRequest        pacs.008.001.08, relative to CdtTrfTxInf
==================  ========================================================================
idempotency_key     ``PmtId/UETR`` (lower case). Required by sucre, as CBPR+ and HVPS+ do.
                    Not ``MsgId/EndToEndId``: that can exceed the 64-character key, and the
                    EndToEndId is set by the importer, not guaranteed unique; the UETR is.
debtor_member       ``Dbtr/PstlAdr/Ctry``, else ``Dbtr/CtryOfRes``: the importer's state.
                    ISO alpha-2 in the message, alpha-3 in sucre (pycountry). Not the agent's
                    country: a bank may sit elsewhere than its customer.
creditor_member     ``Cdtr/PstlAdr/Ctry``, else ``Cdtr/CtryOfRes``: the exporter's state.
amount, currency    ``IntrBkSttlmAmt`` and its ``@Ccy`` (``XSU`` passes the schema's [A-Z]{3});
                    the text is passed on untouched, the domain refuses excess decimals.
value_date          ``IntrBkSttlmDt``, else ``GrpHdr/IntrBkSttlmDt``.
hs_code             ``RgltryRptg/Dtls[Tp='GOODS']/Cd`` (Max10Text: HS codes have 6 to 10 digits).
origin              ``RgltryRptg/Dtls[Tp='GOODS']/Ctry`` (alpha-2, converted to alpha-3).
quantity, unit      ``RgltryRptg/Dtls[Tp='GOODS']/Inf``: two lines ``QTY/<decimal>`` and
                    ``UNIT/<code>`` (UN/ECE Rec. 20 codes recommended, e.g. ``KGM``).
invoice_ref         ``RmtInf/Strd/RfrdDocInf[Tp/CdOrPrtry/Cd='CINV']/Nb`` (commercial invoice).
customs_ref         ``RmtInf/Strd/RfrdDocInf[Tp/CdOrPrtry/Prtry='CUSTOMS_DECLARATION']/Nb``
                    (DocumentType6Code has no customs code; ``Tp/Issr`` ``SUCRE`` recommended).
debtor_bank         ``DbtrAgt/FinInstnId``: BICFI, else ClrSysMmbId/MmbId, LEI, Nm, Othr/Id.
creditor_bank       ``CdtrAgt/FinInstnId``, same order.
importer, exporter  ``Dbtr/Nm``, ``Cdtr/Nm``.
==================  ========================================================================

Why regulatory reporting for the goods: ``RgltryRptg`` exists so that central banks receive
balance-of-payments data with the payment, which is what HS code, origin and quantity are; its
``Dtls`` has a typed country (``Ctry``) and a 10-character code (``Cd``) that fit exactly.
``SplmtryData`` would carry anything but is validated by no official schema; ``Purp`` holds only a
code (``GDDS``, recommended, not checked). Why remittance for the documents: ``RfrdDocInf`` is the
ISO place for "documents this payment settles", with the ISO code ``CINV`` for invoices and a
proprietary type for what the code list lacks.

After schema validation, :func:`check_message` refuses the whole message when the header
disagrees with the transactions (NbOfTxs AM18, CtrlSum AM10), when the settlement method is not
CLRG, or when an EndToEndId, UETR or TxId repeats (DUPL). A transaction whose data cannot be
mapped is rejected alone (:func:`map_transactions`), so that pacs.002 can answer per transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import pycountry

from sucre.adapters.iso20022._group import (
    TransactionIds,
    check_group,
    message_id,
    reader_for,
    transaction_ids,
    transactions,
)
from sucre.adapters.iso20022._tree import Element, Reader, present
from sucre.adapters.iso20022.parse import PACS_008, ParsedMessage, parse_message
from sucre.domain.errors import InvalidDate, InvalidInput, invariant
from sucre.domain.orders import OrderRequest

__all__ = [
    "CUSTOMS_DOCUMENT_TYPE",
    "GOODS_REPORT_TYPE",
    "INVOICE_DOCUMENT_CODE",
    "MappedTransaction",
    "TransactionIds",
    "check_message",
    "map_transactions",
    "orders_from_pacs008",
    "read_pacs008",
    "transaction_ids",
]

GOODS_REPORT_TYPE = "GOODS"
INVOICE_DOCUMENT_CODE = "CINV"
CUSTOMS_DOCUMENT_TYPE = "CUSTOMS_DECLARATION"
QUANTITY_KEY = "QTY"
UNIT_KEY = "UNIT"


@dataclass(frozen=True, slots=True)
class MappedTransaction:
    """One CdtTrfTxInf: its ids and either the order it maps to or why it cannot be mapped."""

    ids: TransactionIds
    order: OrderRequest | None
    error: InvalidInput | None

    def __post_init__(self) -> None:
        invariant((self.order is None) != (self.error is None),
                  "a mapped transaction has an order or an error, not both")


__all__ = ["MappedTransaction", "TransactionIds", "check_message", "map_transactions",
           "message_id", "orders_from_pacs008", "read_pacs008", "transaction_ids"]


def read_pacs008(data: bytes) -> ParsedMessage:
    """Safe-parse and schema-validate untrusted bytes as a pacs.008.001.08."""
    return parse_message(data, PACS_008)


def check_message(message: ParsedMessage) -> None:
    """Message-level business checks; raises for the whole message."""
    invariant(message.definition is PACS_008, "check_message reads pacs.008 only")
    check_group(message)


def map_transactions(message: ParsedMessage) -> list[MappedTransaction]:
    """Check the message, then map every transaction; unmappable ones carry their error."""
    check_message(message)
    reader = reader_for(message)
    group_date = reader.text(message.message, "GrpHdr/IntrBkSttlmDt")
    mapped = []
    for index, (tx, ids) in enumerate(
            zip(transactions(message), transaction_ids(message), strict=True), start=1):
        try:
            order = _TransactionMapper(reader, tx, index, ids).order(group_date)
        except InvalidInput as error:
            mapped.append(MappedTransaction(ids, None, error))
        else:
            mapped.append(MappedTransaction(ids, order, None))
    invariant(len(mapped) == len(transactions(message)), "one result per transaction")
    return mapped


def orders_from_pacs008(message: ParsedMessage) -> list[OrderRequest]:
    """All orders of the message, or the first mapping error (all-or-nothing callers)."""
    orders = []
    for mapped in map_transactions(message):
        if mapped.error is not None:
            raise mapped.error
        orders.append(present(mapped.order, "the order of a transaction without error"))
    return orders


@dataclass(frozen=True, slots=True)
class _TransactionMapper:
    reader: Reader
    tx: Element
    index: int
    ids: TransactionIds

    def fail(self, path: str, detail: str, *, reason_code: str | None = None,
             error: type[InvalidInput] = InvalidInput) -> InvalidInput:
        return error(f"{detail} (EndToEndId {self.ids.end_to_end_id!r})",
                     field=f"CdtTrfTxInf[{self.index}]/{path}", reason_code=reason_code)

    def required(self, path: str, what: str) -> str:
        value = self.reader.text(self.tx, path)
        if value is None:
            raise self.fail(path, f"{what} is required")
        return value

    def order(self, group_date: str | None) -> OrderRequest:
        uetr = self.ids.uetr
        if uetr is None:
            raise self.fail("PmtId/UETR", "the UETR is required: it is the order's "
                            "idempotency key")
        value_date = self.reader.text(self.tx, "IntrBkSttlmDt") or group_date
        if value_date is None:
            raise self.fail("IntrBkSttlmDt", "a settlement date is required here or in "
                            "GrpHdr/IntrBkSttlmDt", error=InvalidDate)
        hs_code, origin, quantity, unit = self.goods()
        return OrderRequest(
            idempotency_key=uetr,
            debtor_member=self.party_country("Dbtr"),
            creditor_member=self.party_country("Cdtr"),
            amount=self.required("IntrBkSttlmAmt", "the amount"),
            currency=self.reader.attribute(self.tx, "IntrBkSttlmAmt", "Ccy") or "",
            value_date=value_date,
            hs_code=hs_code, quantity=quantity, unit=unit, origin=origin,
            invoice_ref=self.document(INVOICE_DOCUMENT_CODE, "Cd", "the invoice"),
            customs_ref=self.document(CUSTOMS_DOCUMENT_TYPE, "Prtry", "the customs declaration"),
            debtor_bank=self.institution("DbtrAgt"),
            creditor_bank=self.institution("CdtrAgt"),
            importer=self.reader.text(self.tx, "Dbtr/Nm") or "",
            exporter=self.reader.text(self.tx, "Cdtr/Nm") or "",
        )

    def party_country(self, party: str) -> str:
        alpha_2 = (self.reader.text(self.tx, f"{party}/PstlAdr/Ctry")
                   or self.reader.text(self.tx, f"{party}/CtryOfRes"))
        if alpha_2 is None:
            raise self.fail(f"{party}/PstlAdr/Ctry",
                            f"the country of {party} is required (PstlAdr/Ctry or CtryOfRes)")
        return self.alpha_3(alpha_2, f"{party}/PstlAdr/Ctry")

    def alpha_3(self, alpha_2: str, path: str) -> str:
        country = pycountry.countries.get(alpha_2=alpha_2)
        if country is None:
            raise self.fail(path, f"{alpha_2!r} is not an ISO 3166-1 country code",
                            reason_code="BE09")
        return str(country.alpha_3)

    def goods(self) -> tuple[str, str, str, str]:
        """(hs_code, origin alpha-3, quantity, unit) from the one GOODS regulatory detail."""
        path = f"RgltryRptg/Dtls[Tp='{GOODS_REPORT_TYPE}']"
        details = [d for d in self.reader.findall(self.tx, "RgltryRptg/Dtls")
                   if self.reader.text(d, "Tp") == GOODS_REPORT_TYPE]
        if len(details) != 1:
            raise self.fail(path, f"exactly one goods line is required, found {len(details)}")
        detail = details[0]
        hs_code = self.reader.text(detail, "Cd")
        origin = self.reader.text(detail, "Ctry")
        if hs_code is None or origin is None:
            raise self.fail(path, "the goods line needs Cd (HS code) and Ctry (origin)")
        lines = self.key_values(detail, path)
        if QUANTITY_KEY not in lines or UNIT_KEY not in lines:
            raise self.fail(f"{path}/Inf", f"the goods line needs Inf lines "
                            f"'{QUANTITY_KEY}/<quantity>' and '{UNIT_KEY}/<unit>'")
        return hs_code, self.alpha_3(origin, f"{path}/Ctry"), lines[QUANTITY_KEY], lines[UNIT_KEY]

    def key_values(self, detail: Element, path: str) -> dict[str, str]:
        """``KEY/value`` Inf lines; other lines (other reporting) are ignored, repeats refused."""
        found: dict[str, str] = {}
        for line in self.reader.findall(detail, "Inf"):
            key, _, value = (line.text or "").strip().partition("/")
            if key not in (QUANTITY_KEY, UNIT_KEY):
                continue
            if key in found:
                raise self.fail(f"{path}/Inf", f"{key} is given twice")
            found[key] = value.strip()
        return found

    def document(self, code: str, kind: str, what: str) -> str:
        """The number of the one referred document of a type (Cd or Prtry)."""
        path = f"RmtInf/Strd/RfrdDocInf[Tp/CdOrPrtry/{kind}='{code}']/Nb"
        numbers = [self.reader.text(d, "Nb")
                   for d in self.reader.findall(self.tx, "RmtInf/Strd/RfrdDocInf")
                   if self.reader.text(d, f"Tp/CdOrPrtry/{kind}") == code]
        if len(numbers) != 1 or numbers[0] is None:
            raise self.fail(path, f"exactly one reference to {what} is required, "
                            f"found {len(numbers)}")
        return numbers[0]

    def institution(self, agent: str) -> str:
        for path in ("BICFI", "ClrSysMmbId/MmbId", "LEI", "Nm", "Othr/Id"):
            value = self.reader.text(self.tx, f"{agent}/FinInstnId/{path}")
            if value is not None:
                return value
        return ""
