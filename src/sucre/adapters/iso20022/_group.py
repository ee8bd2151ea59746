"""Checks and identifiers shared by pacs.008 and pacs.009: both carry a GroupHeader93 and a list of
CdtTrfTxInf with a PaymentIdentification7, and the XSD cannot say that the header agrees with the
list. These checks are message-level: one failure rejects the whole message (group status RJCT).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from sucre import bounds
from sucre.adapters.iso20022._tree import Element, Reader, present
from sucre.adapters.iso20022.parse import InvalidMessage, MessageTooLarge, ParsedMessage

#: The only settlement method of a clearing chamber: INDA/INGA/COVE settle elsewhere.
CLEARING_SETTLEMENT_METHOD = "CLRG"


@dataclass(frozen=True, slots=True)
class TransactionIds:
    """What a pacs.002 needs to point back at one transaction of a pacs.008/pacs.009."""

    message_id: str  # GrpHdr/MsgId
    instruction_id: str | None  # PmtId/InstrId
    end_to_end_id: str  # PmtId/EndToEndId
    transaction_id: str | None  # PmtId/TxId
    uetr: str | None  # PmtId/UETR, lower case


def reader_for(message: ParsedMessage) -> Reader:
    return Reader(message.definition.namespace)


def message_id(message: ParsedMessage) -> str:
    return _not_blank(reader_for(message).text(message.message, "GrpHdr/MsgId"), "GrpHdr/MsgId")


def _not_blank(text: str | None, path: str) -> str:
    """The XSD lets a Max35Text be all blanks; an identifier cannot be."""
    if text is None:
        raise InvalidMessage("is blank", field=path)
    return text


def transactions(message: ParsedMessage) -> list[Element]:
    """The CdtTrfTxInf elements, refused beyond ``bounds.iso_transactions_max``."""
    found = reader_for(message).findall(message.message, "CdtTrfTxInf")
    if len(found) > bounds.iso_transactions_max:
        raise MessageTooLarge(
            f"{len(found)} transactions exceed the maximum of {bounds.iso_transactions_max} "
            "per message", field="CdtTrfTxInf")
    return found


def transaction_ids(message: ParsedMessage) -> list[TransactionIds]:
    """Identifiers of every transaction, in message order; works on a business-invalid message
    too, so that its rejection can still name each transaction."""
    reader = reader_for(message)
    msg_id = message_id(message)
    result = []
    for tx in transactions(message):
        uetr = reader.text(tx, "PmtId/UETR")
        result.append(TransactionIds(
            message_id=msg_id,
            instruction_id=reader.text(tx, "PmtId/InstrId"),
            end_to_end_id=_not_blank(reader.text(tx, "PmtId/EndToEndId"),
                                     "CdtTrfTxInf/PmtId/EndToEndId"),
            transaction_id=reader.text(tx, "PmtId/TxId"),
            uetr=None if uetr is None else uetr.lower(),
        ))
    return result


def check_group(message: ParsedMessage) -> None:
    """Header against transactions: count, control sum, total, settlement method, unique ids."""
    reader = reader_for(message)
    header = present(reader.find(message.message, "GrpHdr"), "GrpHdr")
    txs = transactions(message)
    _check_count(reader, header, len(txs))
    # Exact, unlike Decimal arithmetic on free text: the schema already bounded every amount to
    # 18 digits (5 decimals) and CtrlSum to 18, so iso_transactions_max of them sum to at most
    # 22 digits, inside Decimal's 28. Each amount is read again by money.parse_amount, the rule.
    amounts = [Decimal(reader.text(tx, "IntrBkSttlmAmt") or "0") for tx in txs]
    _check_sums(reader, header, txs, amounts)
    method = reader.text(header, "SttlmInf/SttlmMtd")
    if method != CLEARING_SETTLEMENT_METHOD:
        raise InvalidMessage(
            f"settlement method {method} is not handled: the chamber only clears "
            f"({CLEARING_SETTLEMENT_METHOD})", field="GrpHdr/SttlmInf/SttlmMtd")
    _check_unique(transaction_ids(message))


def _check_count(reader: Reader, header: Element, count: int) -> None:
    declared = int(reader.text(header, "NbOfTxs") or "0")
    if declared != count:
        raise InvalidMessage(f"NbOfTxs says {declared} but the message holds {count} "
                             "transactions", field="GrpHdr/NbOfTxs", reason_code="AM18")


def _check_sums(reader: Reader, header: Element, txs: list[Element],
                amounts: list[Decimal]) -> None:
    total = sum(amounts, Decimal(0))
    control = reader.text(header, "CtrlSum")
    if control is not None and Decimal(control) != total:
        raise InvalidMessage(f"CtrlSum {control} differs from the sum of the amounts, {total}",
                             field="GrpHdr/CtrlSum", reason_code="AM10")
    declared_total = reader.text(header, "TtlIntrBkSttlmAmt")
    if declared_total is None:
        return
    currency = reader.attribute(header, "TtlIntrBkSttlmAmt", "Ccy")
    currencies = {reader.attribute(tx, "IntrBkSttlmAmt", "Ccy") for tx in txs}
    if currencies != {currency} or Decimal(declared_total) != total:
        raise InvalidMessage(
            f"TtlIntrBkSttlmAmt {declared_total} {currency} differs from the transactions "
            f"({total} in {', '.join(sorted(c or '?' for c in currencies))})",
            field="GrpHdr/TtlIntrBkSttlmAmt", reason_code="AM10")


def _check_unique(ids: list[TransactionIds]) -> None:
    """Duplicates inside one message are refused by name: two payments or one sent twice?"""
    for path, values in (
        ("PmtId/EndToEndId", [i.end_to_end_id for i in ids]),
        ("PmtId/UETR", [i.uetr for i in ids if i.uetr is not None]),
        ("PmtId/TxId", [i.transaction_id for i in ids if i.transaction_id is not None]),
    ):
        repeated = sorted(v for v, n in Counter(values).items() if n > 1)
        if repeated:
            shown = ", ".join(repr(v) for v in repeated[:5])
            raise InvalidMessage(f"duplicate {path.split('/')[-1]} in one message: {shown}",
                                 field=f"CdtTrfTxInf/{path}", reason_code="DUPL")
