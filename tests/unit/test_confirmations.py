"""Settlement instruction references and the judgement of one paid leg (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from sucre.domain.confirmations import (
    REFERENCE_CHARS_MAX,
    Confirmation,
    InstructionRef,
    Ledger,
    PaidLeg,
    PayableInstruction,
    instruction_reference,
    judge,
    parse_reference,
)
from sucre.domain.errors import UnknownParty
from sucre.domain.members import AuthorityCode
from sucre.domain.money import CurrencyCode
from sucre.domain.settlement import InstructionKind

BCC = AuthorityCode("BCC")
USD = CurrencyCode("USD")
UETR = "8a562c67-ca16-48ba-b074-65581be6f011"


def leg(**changes: str) -> PaidLeg:
    fields = {"message_id": "M1", "uetr": UETR, "reference": "2026-H2/PAY/BCC",
              "debtor": "bcc", "creditor": "sucre", "amount": "1000.0", "currency": "USD",
              "settlement_date": "2027-01-05", "where": "CdtTrfTxInf[1]"}
    fields.update(changes)
    return PaidLeg(**fields)  # type: ignore[arg-type]


def ledger(*confirmed: Confirmation) -> Ledger:
    pay = PayableInstruction(1, InstructionRef("2026-H2", InstructionKind.PAY, BCC), 100_000,
                             USD)
    return Ledger(frozenset({BCC, AuthorityCode("BCV")}), {pay.reference.text: pay},
                  frozenset({"2026-H2"}), {c.reference: c for c in confirmed},
                  {c.uetr: c for c in confirmed})


def test_references_round_trip_and_fit_an_iso_max35text() -> None:
    longest = instruction_reference("2026-12-31", InstructionKind.RECEIVE,
                                    AuthorityCode("A" * 12))
    assert len(longest) <= REFERENCE_CHARS_MAX
    ref = parse_reference(" 2026-h2/receive/bcb ", field="f")
    assert (ref.period_code, ref.kind, ref.authority) == ("2026-H2", InstructionKind.RECEIVE,
                                                          "BCB")
    assert ref.text == "2026-H2/RECEIVE/BCB"


@pytest.mark.parametrize("text", ["", "2026-H2", "2026-H2/PAY", "2026-H2/FINANCE/BCB",
                                  "/PAY/BCC", "2026-H2/PAY/", "a/PAY/b/c"])
def test_what_is_not_a_payable_reference(text: str) -> None:
    with pytest.raises(UnknownParty):
        parse_reference(text, field="EndToEndId")


def test_a_matching_leg_is_confirmed_case_and_scale_aside() -> None:
    judged = judge(leg(), ledger())
    assert judged.error is None and not judged.replayed
    assert judged.confirmation == Confirmation(1, "2026-H2/PAY/BCC", UETR, "M1", 100_000, USD,
                                               dt.date(2027, 1, 5))


def test_the_same_leg_again_is_a_replay_and_another_is_dupl() -> None:
    first = judge(leg(), ledger()).confirmation
    assert first is not None
    assert judge(leg(message_id="M2"), ledger(first)).replayed
    other_uetr = judge(leg(uetr="1b4b0e1e-4f0e-4c1e-9a51-2f7a1d6e2c11"), ledger(first))
    assert other_uetr.error is not None and other_uetr.error.reason_code == "DUPL"
    changed = judge(leg(amount="999.00"), ledger(first))
    assert changed.error is not None and changed.error.reason_code == "DUPL"


def test_a_bad_date_is_dt01() -> None:
    judged = judge(leg(settlement_date="2027-01-05+01:00"), ledger())
    assert judged.error is not None and judged.error.reason_code == "DT01"
