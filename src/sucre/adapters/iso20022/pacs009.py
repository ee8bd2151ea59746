"""pacs.009.001.08 (Financial Institution Credit Transfer) to settlement legs.

A pacs.009 moves funds between institutions themselves: here, it reports a hard-currency leg of a
period's net settlement, paid by a monetary authority to the chamber or by the chamber to an
authority (:mod:`sucre.domain.confirmations`: the ``EndToEndId`` carries the settlement
instruction's reference, e.g. ``2026-H2/PAY/BCC``; authorities and the chamber are identified by
``ClrSysMmbId/MmbId``). It is validated against sucre's usage guideline XSD
(``xsd/pacs.009.001.08.sucre-usage.xsd``, NOT official: no official pacs.009.001.08 XSD is
available offline; see :mod:`.parse`), then checked like pacs.008: NbOfTxs (AM18), CtrlSum
(AM10), settlement method CLRG, unique EndToEndId/UETR/TxId (DUPL).

==============================  ==============================================================
SettlementLeg                   pacs.009.001.08, relative to CdtTrfTxInf
==============================  ==============================================================
end_to_end_id, transaction_id,  ``PmtId/EndToEndId``, ``PmtId/TxId``, ``PmtId/UETR``
uetr
debtor_agent_bic_or_authority   ``Dbtr/FinInstnId``: BICFI, else ClrSysMmbId/MmbId (the
                                authority's code as a member of the chamber), LEI, Othr/Id
creditor_agent_bic_or_authority ``Cdtr/FinInstnId``, same order
amount, currency                ``IntrBkSttlmAmt``, ``@Ccy`` (text, untouched: the
                                settlement currency, e.g. USD)
settlement_date                 ``IntrBkSttlmDt``, else ``GrpHdr/IntrBkSttlmDt``
==============================  ==============================================================

In pacs.009 ``Dbtr``/``Cdtr`` are the institutions whose accounts move; ``DbtrAgt``/``CdtrAgt``
are optional servicers and are not read. A leg the chamber cannot identify is refused for the
whole message: legs of a settlement only make sense together.
"""

from __future__ import annotations

from dataclasses import dataclass

from sucre.adapters.iso20022._group import (
    TransactionIds,
    check_group,
    message_id,
    reader_for,
    transaction_ids,
    transactions,
)
from sucre.adapters.iso20022._tree import Element, Reader
from sucre.adapters.iso20022.parse import PACS_009, InvalidMessage, ParsedMessage, parse_message
from sucre.domain.errors import InvalidDate, invariant

__all__ = ["SettlementLeg", "TransactionIds", "legs_from_pacs009", "message_id",
           "read_pacs009", "transaction_ids"]

_INSTITUTION_PATHS = ("BICFI", "ClrSysMmbId/MmbId", "LEI", "Othr/Id")


@dataclass(frozen=True, slots=True)
class SettlementLeg:
    """One institution-to-institution transfer, as text: the service validates amounts/dates."""

    message_id: str
    end_to_end_id: str
    transaction_id: str | None
    uetr: str | None
    debtor_agent_bic_or_authority: str
    creditor_agent_bic_or_authority: str
    amount: str
    currency: str
    settlement_date: str  # YYYY-MM-DD


def read_pacs009(data: bytes) -> ParsedMessage:
    """Safe-parse and validate untrusted bytes as a pacs.009.001.08 (sucre usage guideline)."""
    return parse_message(data, PACS_009)


def legs_from_pacs009(message: ParsedMessage) -> list[SettlementLeg]:
    """Check the message, then map every CdtTrfTxInf to a leg; any unmappable leg rejects all."""
    invariant(message.definition is PACS_009, "legs_from_pacs009 reads pacs.009 only")
    check_group(message)
    reader = reader_for(message)
    group_date = reader.text(message.message, "GrpHdr/IntrBkSttlmDt")
    legs = []
    for index, (tx, ids) in enumerate(
            zip(transactions(message), transaction_ids(message), strict=True), start=1):
        date = reader.text(tx, "IntrBkSttlmDt") or group_date
        if date is None:
            raise InvalidDate(f"a settlement date is required here or in GrpHdr/IntrBkSttlmDt "
                              f"(EndToEndId {ids.end_to_end_id!r})",
                              field=f"CdtTrfTxInf[{index}]/IntrBkSttlmDt")
        legs.append(SettlementLeg(
            message_id=ids.message_id,
            end_to_end_id=ids.end_to_end_id,
            transaction_id=ids.transaction_id,
            uetr=ids.uetr,
            debtor_agent_bic_or_authority=_institution(reader, tx, "Dbtr", index),
            creditor_agent_bic_or_authority=_institution(reader, tx, "Cdtr", index),
            amount=reader.text(tx, "IntrBkSttlmAmt") or "",
            currency=reader.attribute(tx, "IntrBkSttlmAmt", "Ccy") or "",
            settlement_date=date,
        ))
    return legs


def _institution(reader: Reader, tx: Element, party: str, index: int) -> str:
    for path in _INSTITUTION_PATHS:
        value = reader.text(tx, f"{party}/FinInstnId/{path}")
        if value is not None:
            return value
    raise InvalidMessage(
        f"{party} must be identified by BICFI, ClrSysMmbId/MmbId, LEI or Othr/Id",
        field=f"CdtTrfTxInf[{index}]/{party}/FinInstnId", reason_code="RC01")
