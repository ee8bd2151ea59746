"""pacs.009.001.08 -> settlement legs, against sucre's usage guideline XSD."""

from __future__ import annotations

import pytest

from sucre.adapters.iso20022 import pacs009
from sucre.adapters.iso20022.parse import InvalidMessage
from sucre.domain.errors import InvalidInput
from tests.iso20022.samples import order, pacs008, swap
from tests.iso20022.samples import pacs009 as build


def legs(data: bytes) -> list[pacs009.SettlementLeg]:
    return pacs009.legs_from_pacs009(pacs009.read_pacs009(data))


def test_legs_are_read_with_bic_or_authority_code() -> None:
    first, second = legs(build(("NET-VEN", "BCV", "BCCUCUHH", "1500000.00"),
                               ("NET-BOL", "BCBOBOLP", "ECCB", "250.75"), ctrl_sum="1500250.75"))
    assert (first.end_to_end_id, first.debtor_agent_bic_or_authority,
            first.creditor_agent_bic_or_authority, first.amount, first.currency,
            first.settlement_date) == ("NET-VEN", "BCV", "BCCUCUHH", "1500000.00", "XSU",
                                       "2025-06-30")
    assert second.debtor_agent_bic_or_authority == "BCBOBOLP"
    assert second.creditor_agent_bic_or_authority == "ECCB"
    assert first.message_id == "ALBA-SETTLE-2025H1" and first.uetr is not None


def test_group_settlement_date_applies() -> None:
    (leg,) = legs(build(("NET-1", "BCV", "ECCB", "1.00"), group_date="2025-12-31"))
    assert leg.settlement_date == "2025-12-31"


@pytest.mark.parametrize(("data", "code"), [
    (build(("A", "BCV", "ECCB", "1.00"), nb_of_txs=2), "AM18"),
    (build(("A", "BCV", "ECCB", "1.00"), ctrl_sum="2.00"), "AM10"),
    (build(("A", "BCV", "ECCB", "1.00"), ("A", "ECCB", "BCV", "1.00")), "DUPL"),
    (build(("A", "BCV", "ECCB", "1.000001")), "FF01"),
])
def test_business_and_schema_refusals(data: bytes, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        legs(data)
    assert caught.value.reason_code == code


def test_unidentified_institution_is_refused() -> None:
    data = swap(build(("A", "BCV", "ECCB", "1.00")),
                "<ClrSysMmbId><MmbId>BCV</MmbId></ClrSysMmbId>", "<Nm>Banco Central</Nm>")
    with pytest.raises(InvalidMessage) as caught:
        legs(data)
    assert caught.value.reason_code == "RC01"
    assert caught.value.field == "CdtTrfTxInf[1]/Dbtr/FinInstnId"


def test_elements_outside_the_usage_guideline_are_refused() -> None:
    data = swap(build(("A", "BCV", "ECCB", "1.00")), "<Dbtr>",
                "<UltmtDbtr><FinInstnId><BICFI>BCVEVECA</BICFI></FinInstnId></UltmtDbtr><Dbtr>")
    with pytest.raises(InvalidMessage, match="UltmtDbtr"):
        legs(data)


def test_a_pacs008_is_not_a_pacs009() -> None:
    with pytest.raises(InvalidMessage, match="namespace"):
        legs(pacs008(order()))
