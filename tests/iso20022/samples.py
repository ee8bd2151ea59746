"""Samples for the ISO 20022 adapter tests: orders and the pacs.008 that carries them."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from typing import Any

from sucre.adapters.iso20022.pacs008_build import OutgoingTransfer, build_pacs008
from sucre.domain.orders import OrderRequest

CREATED_AT = dt.datetime(2025, 3, 10, 9, 30, tzinfo=dt.UTC)

BASE_ORDER = OrderRequest(
    idempotency_key="",
    debtor_member="VEN",
    creditor_member="CUB",
    amount="1250.50",
    currency="VES",
    value_date="2025-03-10",
    hs_code="090111",
    quantity="1000",
    unit="KGM",
    origin="CUB",
    invoice_ref="INV-2025-001",
    customs_ref="DUA-778812",
    debtor_bank="BCVEVECA",
    creditor_bank="BCCUCUHH",
    importer="Importadora del Sur C.A.",
    exporter="Cubaexport S.A.",
)


def order(**changes: Any) -> OrderRequest:
    """An order with a fresh UUIDv4 key (the UETR), changed where asked."""
    changes.setdefault("idempotency_key", str(uuid.uuid4()))
    return replace(BASE_ORDER, **changes)


def pacs008(*orders: OrderRequest, message_id: str = "BCV-20250310-0001") -> bytes:
    transfers = [OutgoingTransfer(f"E2E-{i}", o, f"TX-{i}") for i, o in enumerate(orders, 1)]
    return build_pacs008(message_id=message_id, created_at=CREATED_AT, transfers=transfers)


def swap(data: bytes, old: str, new: str, count: int = 1) -> bytes:
    """Replace ``old`` by ``new`` in a message, failing loudly if the sample changed shape."""
    assert old.encode() in data, f"{old!r} not in sample"
    return data.replace(old.encode(), new.encode(), count)


def pacs009(*legs: tuple[str, str, str, str], group_date: str | None = None,
            nb_of_txs: int | None = None, ctrl_sum: str | None = None, currency: str = "XSU",
            message_id: str = "ALBA-SETTLE-2025H1", settlement_date: str = "2025-06-30",
            uetrs: list[str] | None = None) -> bytes:
    """A pacs.009.001.08 with one CdtTrfTxInf per (end_to_end_id, debtor, creditor, amount):
    a debtor/creditor of 8 or 11 characters is a BIC, otherwise a clearing member id. Each leg
    gets a fresh UETR unless ``uetrs`` gives them."""
    def institution(value: str) -> str:
        if len(value) in (8, 11):
            return f"<FinInstnId><BICFI>{value}</BICFI></FinInstnId>"
        return f"<FinInstnId><ClrSysMmbId><MmbId>{value}</MmbId></ClrSysMmbId></FinInstnId>"

    keys = uetrs if uetrs is not None else [str(uuid.uuid4()) for _ in legs]
    transactions = "".join(
        f"<CdtTrfTxInf><PmtId><EndToEndId>{e2e}</EndToEndId><UETR>{uetr}</UETR></PmtId>"
        f'<IntrBkSttlmAmt Ccy="{currency}">{amount}</IntrBkSttlmAmt>'
        + ("" if group_date else f"<IntrBkSttlmDt>{settlement_date}</IntrBkSttlmDt>")
        + f"<Dbtr>{institution(debtor)}</Dbtr><Cdtr>{institution(creditor)}</Cdtr>"
        "</CdtTrfTxInf>"
        for (e2e, debtor, creditor, amount), uetr in zip(legs, keys, strict=True))
    header = (
        f"<MsgId>{message_id}</MsgId><CreDtTm>{CREATED_AT.isoformat()}</CreDtTm>"
        f"<NbOfTxs>{len(legs) if nb_of_txs is None else nb_of_txs}</NbOfTxs>"
        + ("" if ctrl_sum is None else f"<CtrlSum>{ctrl_sum}</CtrlSum>")
        + ("" if group_date is None else f"<IntrBkSttlmDt>{group_date}</IntrBkSttlmDt>")
        + "<SttlmInf><SttlmMtd>CLRG</SttlmMtd></SttlmInf>")
    return (f'<?xml version="1.0" encoding="UTF-8"?>'
            f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.009.001.08"><FICdtTrf>'
            f"<GrpHdr>{header}</GrpHdr>{transactions}</FICdtTrf></Document>").encode()
