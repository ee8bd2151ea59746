"""pacs.002.001.10 status reports, validated against sucre's usage guideline XSD."""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree

from sucre.adapters.iso20022 import pacs002, pacs008
from sucre.adapters.iso20022.pacs002 import TransactionStatus
from sucre.adapters.iso20022.parse import PACS_002, parse_message
from sucre.domain.errors import InsufficientPosition, InvalidInput, InvariantBroken
from tests.iso20022.samples import CREATED_AT, order, swap
from tests.iso20022.samples import pacs008 as build

NS = {"p": PACS_002.namespace}


def ids(count: int) -> list[pacs008.TransactionIds]:
    return pacs008.transaction_ids(pacs008.read_pacs008(build(*[order() for _ in range(count)])))


def report(outcomes: list[pacs002.TransactionOutcome]) -> etree._Element:
    data = pacs002.build_pacs002(message_id="CCC-STS-0001", created_at=CREATED_AT,
                                 original_message_id="BCV-20250310-0001",
                                 original_message_name_id="pacs.008.001.08", outcomes=outcomes)
    return parse_message(data, PACS_002).document  # the full safe path, schema included


def texts(document: etree._Element, path: str) -> list[str]:
    return [e.text or "" for e in document.iterfind(path, NS)]


def test_mixed_outcomes_give_part_with_per_status_counts() -> None:
    accepted, refused, pending = ids(3)
    error = InsufficientPosition("the order would exceed BCV's limit by 12.00 XSU",
                                 field="amount")
    document = report([pacs002.accepted(accepted), pacs002.rejected(refused, error),
                       pacs002.TransactionOutcome(pending, TransactionStatus.PENDING)])
    group = ".//p:OrgnlGrpInfAndSts"
    assert texts(document, f"{group}/p:OrgnlMsgId") == ["BCV-20250310-0001"]
    assert texts(document, f"{group}/p:GrpSts") == ["PART"]
    assert texts(document, f"{group}/p:NbOfTxsPerSts/p:DtldSts") == ["ACSP", "RJCT", "PDNG"]
    assert texts(document, ".//p:TxInfAndSts/p:OrgnlEndToEndId") == ["E2E-1", "E2E-2", "E2E-3"]
    assert texts(document, ".//p:TxInfAndSts/p:OrgnlUETR") == [
        accepted.uetr, refused.uetr, pending.uetr]
    assert texts(document, ".//p:TxInfAndSts/p:TxSts") == ["ACSP", "RJCT", "PDNG"]
    assert texts(document, ".//p:StsRsnInf/p:Rsn/p:Cd") == ["AM04"]
    assert texts(document, ".//p:StsRsnInf/p:AddtlInf") == [
        "amount: the order would exceed BCV's limit by 12.00 XSU"]


def test_all_settled_gives_the_shared_status() -> None:
    document = report([pacs002.accepted(i, TransactionStatus.ACCEPTED_SETTLEMENT_COMPLETED)
                       for i in ids(2)])
    assert texts(document, ".//p:GrpSts") == ["ACSC"]


def test_hostile_reason_text_is_cleaned_and_cut_to_max105() -> None:
    (one,) = ids(1)
    error = InvalidInput("bad\x00value\x1b " + "x" * 300, field="importer")
    (text,) = texts(report([pacs002.rejected(one, error)]), ".//p:AddtlInf")
    assert len(text) == 105 and text.startswith("importer: badvalue ")


def test_a_message_refused_as_a_whole_is_rejected_at_group_level() -> None:
    data = swap(build(order(), order()), "<NbOfTxs>2</NbOfTxs>", "<NbOfTxs>5</NbOfTxs>")
    message = pacs008.read_pacs008(data)
    with pytest.raises(InvalidInput) as caught:
        pacs008.check_message(message)
    out = pacs002.build_message_rejection(
        message_id="CCC-STS-0002", created_at=CREATED_AT,
        original_message_id=pacs008.transaction_ids(message)[0].message_id,
        original_message_name_id="pacs.008.001.08", error=caught.value)
    document = parse_message(out, PACS_002).document
    assert texts(document, ".//p:GrpSts") == ["RJCT"]
    assert texts(document, ".//p:Rsn/p:Cd") == ["AM18"]
    assert texts(document, ".//p:TxInfAndSts") == []


def test_a_rejection_needs_a_reason_and_an_acceptance_has_none() -> None:
    (one,) = ids(1)
    with pytest.raises(InvariantBroken):
        pacs002.TransactionOutcome(one, TransactionStatus.REJECTED)
    with pytest.raises(InvariantBroken):
        pacs002.TransactionOutcome(one, TransactionStatus.PENDING, reason_code="AM04")


def test_naive_timestamps_and_long_ids_are_bugs() -> None:
    (one,) = ids(1)
    with pytest.raises(InvariantBroken):
        pacs002.build_pacs002(message_id="X", created_at=dt.datetime(2025, 1, 1),  # noqa: DTZ001
                              original_message_id="M", original_message_name_id="pacs.008.001.08",
                              outcomes=[pacs002.accepted(one)])
    with pytest.raises(InvariantBroken):
        pacs002.build_pacs002(message_id="X" * 36, created_at=CREATED_AT,
                              original_message_id="M", original_message_name_id="pacs.008.001.08",
                              outcomes=[pacs002.accepted(one)])
