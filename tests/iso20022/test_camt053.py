"""camt.053.001.08 statements, validated against the OFFICIAL schema."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from lxml import etree

from sucre import bounds
from sucre.adapters.iso20022.camt053 import AccountStatement, StatementEntry, build_camt053
from sucre.adapters.iso20022.parse import CAMT_053, MessageTooLarge, parse_message
from sucre.domain.errors import InvariantBroken
from sucre.domain.money import XSU
from tests.iso20022.samples import CREATED_AT

NS = {"c": CAMT_053.namespace}
JAN, JUN = dt.date(2025, 1, 1), dt.date(2025, 6, 30)
UETR = "8a562c67-ca16-48ba-b074-65581be6f011"

ENTRIES = (
    StatementEntry(150_000, dt.date(2025, 2, 3), dt.date(2025, 2, 3), "E2E-1",
                   "Payment from Importadora del Sur for INV-2025-001", UETR, "CCC-000001"),
    StatementEntry(-25_050, dt.date(2025, 3, 4), dt.date(2025, 3, 5), "E2E-2",
                   "Payment to Cubaexport S.A."),
    StatementEntry(-1, JUN, JUN, "k" * 64, "Order submitted through the API"),
)


def statement(**changes: object) -> AccountStatement:
    base = AccountStatement(
        message_id="CCC-STMT-BCV-2025H1", statement_id="BCV-2025H1", created_at=CREATED_AT,
        account_id="XSU-BCV", account_owner="Banco Central de Venezuela", currency=XSU,
        period_start=JAN, period_end=JUN, opening_balance_minor=-100_000,
        closing_balance_minor=-100_000 + 150_000 - 25_050 - 1, entries=ENTRIES,
        sequence_number=3)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def built(value: AccountStatement) -> etree._Element:
    return parse_message(build_camt053(value), CAMT_053).document  # official XSD


def texts(document: etree._Element, path: str) -> list[str]:
    return [e.text or "" for e in document.iterfind(path, NS)]


def test_statement_is_valid_and_balances_carry_their_direction() -> None:
    document = built(statement())
    bal = ".//c:Stmt/c:Bal"
    assert texts(document, f"{bal}/c:Tp/c:CdOrPrtry/c:Cd") == ["OPBD", "CLBD"]
    assert texts(document, f"{bal}/c:Amt") == ["1000.00", "249.49"]
    assert texts(document, f"{bal}/c:CdtDbtInd") == ["DBIT", "CRDT"]
    assert texts(document, f"{bal}/c:Dt/c:Dt") == ["2025-01-01", "2025-06-30"]
    assert [e.get("Ccy") for e in document.iterfind(f"{bal}/c:Amt", NS)] == ["XSU", "XSU"]
    assert texts(document, ".//c:Acct/c:Id/c:Othr/c:Id") == ["XSU-BCV"]


def test_entries_are_formatted_from_minor_units() -> None:
    document = built(statement())
    ntry = ".//c:Ntry"
    assert texts(document, f"{ntry}/c:Amt") == ["1500.00", "250.50", "0.01"]
    assert texts(document, f"{ntry}/c:CdtDbtInd") == ["CRDT", "DBIT", "DBIT"]
    assert texts(document, f"{ntry}/c:BkTxCd/c:Domn/c:Fmly/c:Cd") == ["RCDT", "ICDT", "ICDT"]
    assert texts(document, f"{ntry}/c:ValDt/c:Dt") == ["2025-02-03", "2025-03-05", "2025-06-30"]
    assert texts(document, f"{ntry}/c:AcctSvcrRef") == ["CCC-000001"]
    refs = f"{ntry}/c:NtryDtls/c:TxDtls/c:Refs"
    assert texts(document, f"{refs}/c:EndToEndId") == ["E2E-1", "E2E-2", "NOTPROVIDED"]
    assert texts(document, f"{refs}/c:UETR") == [UETR]
    assert texts(document, f"{ntry}/c:NtryDtls/c:TxDtls/c:AddtlTxInf") == [
        "Reference: " + "k" * 64]


def test_summary_counts_and_sums_each_direction() -> None:
    document = built(statement())
    summary = ".//c:TxsSummry"
    assert texts(document, f"{summary}/c:TtlNtries/c:NbOfNtries") == ["3"]
    assert texts(document, f"{summary}/c:TtlNtries/c:Sum") == ["1750.51"]
    assert texts(document, f"{summary}/c:TtlNtries/c:TtlNetNtry/c:Amt") == ["1249.49"]
    assert texts(document, f"{summary}/c:TtlCdtNtries/c:Sum") == ["1500.00"]
    assert texts(document, f"{summary}/c:TtlDbtNtries/c:NbOfNtries") == ["2"]


def test_an_empty_period_is_a_valid_statement() -> None:
    document = built(statement(entries=(), closing_balance_minor=-100_000))
    assert texts(document, ".//c:Ntry") == []


def test_a_statement_that_does_not_add_up_is_a_bug() -> None:
    with pytest.raises(InvariantBroken, match="closing"):
        build_camt053(statement(closing_balance_minor=0))


def test_entries_outside_the_period_are_a_bug() -> None:
    late = StatementEntry(5, dt.date(2025, 7, 1), dt.date(2025, 7, 1), "E2E-9", "late")
    with pytest.raises(InvariantBroken):
        build_camt053(statement(entries=(late,), closing_balance_minor=-99_995))


def test_too_many_entries_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bounds, "iso_statement_entries_max", 2)
    with pytest.raises(MessageTooLarge):
        build_camt053(statement())
