"""pacs.008.001.08 -> payment orders: round trips, schema refusals and business refusals."""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sucre import bounds
from sucre.adapters.iso20022 import pacs008
from sucre.adapters.iso20022.parse import InvalidMessage, MessageTooLarge
from sucre.domain.errors import InvalidDate, InvalidInput
from sucre.domain.members import AuthorityCode, MemberCode, MemberState, MonetaryAuthority
from sucre.domain.money import CurrencyCode
from sucre.domain.orders import ClearingContext, validate_order
from sucre.domain.periods import ClearingPeriod, PeriodState
from sucre.domain.rates import DailyRates
from tests.iso20022 import samples
from tests.iso20022.samples import order, swap
from tests.iso20022.samples import pacs008 as build


def read(data: bytes) -> list[pacs008.MappedTransaction]:
    return pacs008.map_transactions(pacs008.read_pacs008(data))


def refused(data: bytes, reason_code: str) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        pacs008.orders_from_pacs008(pacs008.read_pacs008(data))
    assert caught.value.reason_code == reason_code, caught.value
    return caught.value


def test_round_trip_gives_back_every_order() -> None:
    orders = [order(), order(currency="XSU", amount="0.01", hs_code="1701999010"),
              order(debtor_member="BOL", creditor_member="NIC", origin="NIC", quantity="12.5",
                    unit="TNE", debtor_bank="Banco Central de Bolivia", creditor_bank="")]
    assert pacs008.orders_from_pacs008(pacs008.read_pacs008(build(*orders))) == orders


def test_transaction_ids_answer_pacs002() -> None:
    first, second = order(), order()
    ids = pacs008.transaction_ids(pacs008.read_pacs008(build(first, second)))
    assert [(i.message_id, i.end_to_end_id, i.transaction_id, i.uetr) for i in ids] == [
        ("BCV-20250310-0001", "E2E-1", "TX-1", first.idempotency_key),
        ("BCV-20250310-0001", "E2E-2", "TX-2", second.idempotency_key),
    ]


@settings(max_examples=40, deadline=None)
@given(amount=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
       name=st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                    min_size=1, max_size=140).filter(lambda s: s.strip() == s),
       quantity=st.integers(min_value=1, max_value=10**6))
def test_round_trip_property(amount: object, name: str, quantity: int) -> None:
    original = order(amount=str(amount), importer=name, quantity=str(quantity))
    assert pacs008.orders_from_pacs008(pacs008.read_pacs008(build(original))) == [original]


def test_group_settlement_date_is_used_when_the_transaction_has_none() -> None:
    data = swap(build(order(value_date="2025-04-01")),
                "<IntrBkSttlmDt>2025-04-01</IntrBkSttlmDt>", "")
    data = swap(data, "<SttlmInf>", "<IntrBkSttlmDt>2025-04-02</IntrBkSttlmDt><SttlmInf>")
    assert [m.order.value_date for m in read(data) if m.order] == ["2025-04-02"]


def test_without_any_settlement_date_the_transaction_is_refused() -> None:
    data = swap(build(order()), "<IntrBkSttlmDt>2025-03-10</IntrBkSttlmDt>", "")
    (mapped,) = read(data)
    assert isinstance(mapped.error, InvalidDate) and mapped.error.reason_code == "DT01"


def test_country_of_residence_stands_in_for_the_address() -> None:
    data = swap(build(order()), "<PstlAdr>\n          <Ctry>VE</Ctry>\n        </PstlAdr>",
                "<CtryOfRes>VE</CtryOfRes>")
    (mapped,) = read(data)
    assert mapped.order is not None and mapped.order.debtor_member == "VEN"


# --- schema refusals -----------------------------------------------------------------------------

def test_six_decimal_amount_is_refused_by_the_schema() -> None:
    data = swap(build(order()), ">1250.50</IntrBkSttlmAmt>", ">1250.123456</IntrBkSttlmAmt>")
    data = swap(data, "<CtrlSum>1250.50</CtrlSum>", "")
    error = refused(data, "FF01")
    assert isinstance(error, InvalidMessage)
    assert "fractional digits" in error.message and "pacs.008.001.08" in error.message


def test_missing_mandatory_element_is_refused_by_the_schema() -> None:
    error = refused(swap(build(order()), "<ChrgBr>SLEV</ChrgBr>", ""), "FF01")
    assert "ChrgBr" in error.message


def test_lower_case_currency_and_bad_bic_are_refused_by_the_schema() -> None:
    refused(swap(build(order()), 'Ccy="VES"', 'Ccy="ves"'), "FF01")
    refused(swap(build(order()), "<BICFI>BCVEVECA</BICFI>", "<BICFI>bcve-VE</BICFI>"), "FF01")


# --- business refusals (schema-valid) ------------------------------------------------------------

def test_wrong_number_of_transactions_is_refused() -> None:
    error = refused(swap(build(order(), order()), "<NbOfTxs>2</NbOfTxs>",
                         "<NbOfTxs>3</NbOfTxs>"), "AM18")
    assert error.field == "GrpHdr/NbOfTxs" and "3" in error.message and "2" in error.message


def test_control_sum_mismatch_is_refused() -> None:
    error = refused(swap(build(order(), order()), "<CtrlSum>2501.00</CtrlSum>",
                         "<CtrlSum>2501.01</CtrlSum>"), "AM10")
    assert error.field == "GrpHdr/CtrlSum"


def test_total_settlement_amount_mismatch_is_refused() -> None:
    data = swap(build(order()), "<CtrlSum>", '<TtlIntrBkSttlmAmt Ccy="VES">9.99'
                '</TtlIntrBkSttlmAmt><CtrlSum>')
    data = swap(data, "<TtlIntrBkSttlmAmt", "<CtrlSum>1250.50</CtrlSum><TtlIntrBkSttlmAmt")
    data = re.sub(rb"<CtrlSum>1250.50</CtrlSum>(?=\s*<SttlmInf>)", b"", data)
    error = refused(data, "AM10")
    assert error.field == "GrpHdr/TtlIntrBkSttlmAmt"


def test_duplicate_end_to_end_id_is_refused_naming_it() -> None:
    data = swap(build(order(), order()), "<EndToEndId>E2E-2</EndToEndId>",
                "<EndToEndId>E2E-1</EndToEndId>")
    error = refused(data, "DUPL")
    assert "'E2E-1'" in error.message and "EndToEndId" in error.message


def test_duplicate_uetr_is_refused() -> None:
    first = order()
    second = order(idempotency_key=first.idempotency_key, invoice_ref="INV-2")
    error = refused(build(first, second), "DUPL")
    assert "UETR" in error.message and first.idempotency_key in error.message


def test_settlement_outside_the_chamber_is_refused() -> None:
    error = refused(swap(build(order()), "<SttlmMtd>CLRG</SttlmMtd>",
                         "<SttlmMtd>INDA</SttlmMtd>"), "FF01")
    assert error.field == "GrpHdr/SttlmInf/SttlmMtd"


def test_too_many_transactions_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    data = build(order(), order(), order())
    monkeypatch.setattr(bounds, "iso_transactions_max", 2)
    with pytest.raises(MessageTooLarge):
        read(data)


def test_blank_end_to_end_id_is_refused() -> None:
    data = swap(build(order()), "<EndToEndId>E2E-1</EndToEndId>", "<EndToEndId> </EndToEndId>")
    with pytest.raises(InvalidMessage, match="blank"):
        read(data)


# --- transactions that cannot be mapped are rejected alone ------------------------------------

def test_missing_uetr_rejects_only_its_transaction() -> None:
    good, bad = order(), order()
    data = swap(build(good, bad), f"<UETR>{bad.idempotency_key}</UETR>", "")
    first, second = read(data)
    assert first.order == good and first.error is None
    assert second.order is None and second.error is not None
    assert second.error.field == "CdtTrfTxInf[2]/PmtId/UETR"
    assert "'E2E-2'" in second.error.message
    with pytest.raises(InvalidInput, match="UETR"):
        pacs008.orders_from_pacs008(pacs008.read_pacs008(data))


@pytest.mark.parametrize(("old", "new", "field", "code"), [
    ("<Tp>GOODS</Tp>", "<Tp>SERVICES</Tp>", "RgltryRptg/Dtls[Tp='GOODS']", "FF01"),
    ("<Inf>UNIT/KGM</Inf>", "", "RgltryRptg/Dtls[Tp='GOODS']/Inf", "FF01"),
    ("<Inf>UNIT/KGM</Inf>", "<Inf>UNIT/KGM</Inf><Inf>UNIT/TNE</Inf>",
     "RgltryRptg/Dtls[Tp='GOODS']/Inf", "FF01"),
    ("<Cd>CINV</Cd>", "<Cd>CREN</Cd>",
     "RmtInf/Strd/RfrdDocInf[Tp/CdOrPrtry/Cd='CINV']/Nb", "FF01"),
    ("<Prtry>CUSTOMS_DECLARATION</Prtry>", "<Prtry>OTHER</Prtry>",
     "RmtInf/Strd/RfrdDocInf[Tp/CdOrPrtry/Prtry='CUSTOMS_DECLARATION']/Nb", "FF01"),
    ("<Ctry>VE</Ctry>", "<Ctry>XX</Ctry>", "Dbtr/PstlAdr/Ctry", "BE09"),
    ("<PstlAdr>\n          <Ctry>CU</Ctry>\n        </PstlAdr>", "", "Cdtr/PstlAdr/Ctry", "FF01"),
])
def test_unmappable_transaction_names_the_iso_path(old: str, new: str, field: str,
                                                   code: str) -> None:
    (mapped,) = read(swap(build(order()), old, new))
    assert mapped.error is not None, mapped
    assert mapped.error.field == f"CdtTrfTxInf[1]/{field}"
    assert mapped.error.reason_code == code


def test_other_regulatory_lines_are_ignored() -> None:
    data = swap(build(order()), "<Inf>QTY/1000</Inf>", "<Inf>BOP/101</Inf><Inf>QTY/1000</Inf>")
    (mapped,) = read(data)
    assert mapped.order is not None and mapped.order.quantity == "1000"


def test_sample_builder_refuses_orders_that_make_no_valid_message() -> None:
    with pytest.raises(InvalidInput, match="no valid pacs.008"):
        build(order(amount="1.123456"))
    with pytest.raises(InvalidInput):
        samples.pacs008(order(debtor_member="ZZZ"))


def test_mapped_orders_pass_domain_validation() -> None:
    """The mapping speaks the domain's formats: a mapped order validates as-is."""
    day = dt.date(2025, 3, 10)
    ves, cup = CurrencyCode("VES"), CurrencyCode("CUP")
    context = ClearingContext(
        members={MemberCode("VEN"): MemberState(MemberCode("VEN"), "Venezuela",
                                                AuthorityCode("BCV")),
                 MemberCode("CUB"): MemberState(MemberCode("CUB"), "Cuba", AuthorityCode("BCC"))},
        authorities={AuthorityCode("BCV"): MonetaryAuthority(AuthorityCode("BCV"), "BCV", ves),
                     AuthorityCode("BCC"): MonetaryAuthority(AuthorityCode("BCC"), "BCC", cup)},
        rates_on=lambda d: DailyRates(d, {ves: Fraction(125), cup: Fraction(30)}),
        period_on=lambda d: ClearingPeriod(1, "2025H1", dt.date(2025, 1, 1),
                                           dt.date(2025, 6, 30), PeriodState.OPEN),
    )
    orders = pacs008.orders_from_pacs008(pacs008.read_pacs008(
        build(order(), order(currency="XSU", amount="10.00"))))
    validated = [validate_order(o, context) for o in orders]
    assert [(v.xsu_minor, v.value_date, v.goods.origin) for v in validated] == [
        (1000, day, "CUB"), (1000, day, "CUB")]
