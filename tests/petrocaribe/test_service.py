"""PetroCaribe use cases on SQLite and PostgreSQL: shipments, loans, repayments in cash and
goods, origin refusals, buy-backs, bad input (nothing written), verify."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select, text, update

from sucre.adapters.db import tables as t
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.errors import (
    IdempotencyConflict,
    InvalidAmount,
    InvalidInput,
    InvalidState,
    InvariantBroken,
    NotFound,
    PartyNotActive,
    SucreError,
    UnknownParty,
)
from sucre.domain.members import MemberStatus
from sucre.domain.petrocaribe import TermsTable, buyback_payload, parse_regimes, parse_tiers
from sucre.service import closing, petrocaribe, registry, setoff_runs
from tests import world

DAY = dt.date(2026, 7, 1)
REF = "test decision"


def rice(reference: str = "D-1", **changes: str) -> petrocaribe.Goods:
    base = {"reference": reference, "hs_code": "100630", "quantity": "1000", "unit": "t",
            "unit_price": "600.00", "exporter": "DMA-RICE", "importer": "PDVSA-PDVAL",
            "certificate": "CO-DMA-1", "certificate_exporter": "DMA-RICE",
            "certificate_country": "DMA"}
    return petrocaribe.Goods(**(base | changes))


@pytest.fixture
def petro(engine: Engine) -> SqlUnitOfWork:
    """The world, the shipped tier tables, agreements with Dominica and Nicaragua, firms."""
    world.build(engine)
    uow = SqlUnitOfWork(engine)
    assert petrocaribe.load_terms(uow) == 2
    assert petrocaribe.load_terms(uow) == 0  # re-running init records nothing twice
    petrocaribe.add_agreement(uow, "PC-DMA", "DMA", DAY, REF)
    petrocaribe.add_agreement(uow, "PC-NIC", "NIC", DAY, REF)
    petrocaribe.add_firm(uow, "DMA-RICE", "Dominica Rice Co", "DMA", DAY)
    petrocaribe.add_firm(uow, "NIC-BEANS", "Frijoles de Nicaragua", "NIC", DAY)
    return uow


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {table.name: int(conn.execute(select(func.count()).select_from(table))
                                .scalar_one())
                for table in (t.journal_entries, t.postings, t.decisions, t.invoices, t.firms,
                              t.petrocaribe_agreements, t.petrocaribe_shipments,
                              t.petrocaribe_loans, t.petrocaribe_movements,
                              t.petrocaribe_credits, t.petrocaribe_deliveries)}


def refused(engine: Engine, error: type[SucreError], field: str,
            action: Callable[[], Any]) -> SucreError:
    before = counts(engine)
    with pytest.raises(error) as caught:
        action()
    assert caught.value.field == field, caught.value
    assert counts(engine) == before, "a refusal writes nothing"
    return caught.value


def test_terms_on_both_sides_of_the_2008_summit(petro: SqlUnitOfWork) -> None:
    assert petrocaribe.terms_on(petro, 12_000, dt.date(2008, 7, 12)).share * 100 == 50
    after = petrocaribe.terms_on(petro, 12_000, dt.date(2008, 7, 13))
    assert after.share * 100 == 60 and after.reference.startswith("V Extraordinary Summit")
    assert petrocaribe.terms_on(petro, 15_000, dt.date(2008, 7, 13)).share * 100 == 70
    with pytest.raises(InvalidState):
        petrocaribe.terms_on(petro, 5_000, dt.date(2005, 6, 28))  # no table yet


def test_the_high_threshold_is_the_councils_parameter(petro: SqlUnitOfWork) -> None:
    day = dt.date(2026, 8, 1)
    assert petrocaribe.terms_on(petro, 17_500, day).share * 100 == 70  # default 150
    registry.set_parameter(petro, "petrocaribe_high_threshold", "200.00", effective_date=day,
                           reference=REF)
    assert petrocaribe.terms_on(petro, 17_500, day - dt.timedelta(days=1)).share * 100 == 70
    assert petrocaribe.terms_on(petro, 17_500, day).share * 100 == 60
    assert petrocaribe.terms_on(petro, 20_000, day).share * 100 == 70


def test_a_later_table_supersedes_without_editing(petro: SqlUnitOfWork) -> None:
    table = TermsTable(parse_tiers("10=0.5"), parse_regimes("0=10/1/0.03"), 60, 4)
    decision = petrocaribe.decide_terms(petro, table, dt.date(2027, 1, 1), "new table")
    assert petrocaribe.terms_on(petro, 1_000, dt.date(2026, 12, 31)).share == 0
    terms = petrocaribe.terms_on(petro, 1_000, dt.date(2027, 1, 1))
    assert (terms.share * 2, terms.years, terms.cash_days, terms.decision_id) == (
        1, 10, 60, decision)


def test_a_shipment_splits_its_bill_into_cash_and_a_loan(petro: SqlUnitOfWork,
                                                         engine: Engine) -> None:
    shipped = petrocaribe.ship(petro, "PC-DMA", "CARGO-1", DAY, "100000", "60.00")
    s = shipped.shipment
    assert (s.bill_minor, s.cash_minor, s.financed_minor) == (600_000_000, 360_000_000,
                                                              240_000_000)
    assert s.cash_due == DAY + dt.timedelta(days=90)
    assert shipped.loan is not None and len(shipped.schedule) == 50
    assert sum(i.principal_minor for i in shipped.schedule) == 240_000_000
    report = closing.verify_journal(petro)
    assert report["loans"]["outstanding"] == "2400000.00"
    assert report["loans"]["cash_parts_unpaid"] == "3600000.00"
    view = petrocaribe.loan_view(petro, shipped.loan.id, DAY)
    assert petrocaribe.loan_json(view)["instalments"][4]["principal"] == "52173.91"


def test_below_15_usd_nothing_is_financed(petro: SqlUnitOfWork) -> None:
    shipped = petrocaribe.ship(petro, "PC-DMA", "CARGO-LOW", DAY, "1000", "14.99")
    assert shipped.loan is None and shipped.shipment.cash_minor == 1_499_000
    assert closing.verify_journal(petro)["loans"]["loans"] == 0


@pytest.mark.parametrize(("change", "error", "field"), [
    ({"barrels_text": "-5"}, InvalidAmount, "barrels"),
    ({"barrels_text": "0"}, InvalidAmount, "barrels"),
    ({"price_text": "0"}, InvalidAmount, "price"),
    ({"price_text": "60.001"}, InvalidAmount, "price"),
    ({"barrels_text": "0.001", "price_text": "60.01"}, InvalidAmount, "barrels"),
    ({"agreement_code": "PC-XXX"}, NotFound, "agreement"),
    ({"value_date": dt.date(2026, 6, 30)}, InvalidState, "value_date"),
])
def test_bad_shipments_are_refused_and_write_nothing(petro: SqlUnitOfWork, engine: Engine,
                                                     change: dict[str, Any],
                                                     error: type[SucreError], field: str) -> None:
    args: dict[str, Any] = {"agreement_code": "PC-DMA", "cargo_id": "C-BAD", "value_date": DAY,
                            "barrels_text": "1000", "price_text": "60.00"} | change
    refused(engine, error, field, lambda: petrocaribe.ship(petro, **args))


def test_a_duplicate_cargo_id_is_refused(petro: SqlUnitOfWork, engine: Engine) -> None:
    petrocaribe.ship(petro, "PC-DMA", "CARGO-1", DAY, "1000", "60.00")
    error = refused(engine, InvalidState, "cargo_id",
                    lambda: petrocaribe.ship(petro, "PC-NIC", "CARGO-1", DAY, "5", "61.00"))
    assert error.reason_code == "DUPL"


def test_agreements_need_a_member_in_good_standing(petro: SqlUnitOfWork, engine: Engine) -> None:
    refused(engine, UnknownParty, "member",
            lambda: petrocaribe.add_agreement(petro, "PC-JAM", "JAM", DAY, REF))
    refused(engine, InvalidInput, "member",
            lambda: petrocaribe.add_agreement(petro, "PC-VEN", "VEN", DAY, REF))
    registry.change_member_status(petro, "GRD", MemberStatus.SUSPENDED,
                                  effective_date=dt.date(2026, 7, 5), reference=REF)
    refused(engine, PartyNotActive, "member",
            lambda: petrocaribe.add_agreement(petro, "PC-GRD", "GRD", dt.date(2026, 7, 6), REF))
    agreement, new = petrocaribe.add_agreement(petro, "PC-GRD", "GRD", DAY, REF)
    assert new and agreement.id
    assert petrocaribe.add_agreement(petro, "pc-grd", "GRD", DAY, REF)[1] is False
    refused(engine, IdempotencyConflict, "agreement",
            lambda: petrocaribe.add_agreement(petro, "PC-GRD", "ATG", DAY, REF))
    # suspended: no new shipment on credit, but its loans are still repaid
    petrocaribe.ship(petro, "PC-GRD", "C-GRD-1", dt.date(2026, 7, 2), "1000", "60.00")
    refused(engine, PartyNotActive, "member", lambda: petrocaribe.ship(
        petro, "PC-GRD", "C-GRD-2", dt.date(2026, 7, 5), "1000", "60.00"))
    loan = petro_loans(petro)[-1]
    petrocaribe.repay(petro, loan, "100.00", dt.date(2026, 8, 1), "GRD-PAY-1")


def petro_loans(uow: SqlUnitOfWork) -> list[int]:
    with uow:
        return [loan.id for loan in uow.petrocaribe.loans()]


def test_goods_repay_the_oldest_instalments_interest_first(petro: SqlUnitOfWork,
                                                           engine: Engine) -> None:
    shipped = petrocaribe.ship(petro, "PC-DMA", "CARGO-1", DAY, "100000", "60.00")
    assert shipped.loan is not None
    loan = shipped.loan.id
    # 1,000 t of rice at 600.00 = 600,000.00: the four grace instalments' interest (4 x
    # 12,000.00), then instalments 5 to 12 in full (8 x 52,173.91 and their interest, 11,478.26
    # down to 10,173.91) and the interest and part of the principal of instalment 13
    delivery = petrocaribe.deliver(petro, loan, rice(), dt.date(2026, 9, 1))
    assert delivery.value_minor == 60_000_000 and delivery.invoice_id == "PC-D-1"
    view = petrocaribe.loan_view(petro, loan, dt.date(2026, 9, 1))
    lines = petrocaribe.loan_json(view)["instalments"]
    assert [line["owed"] for line in lines[:12]] == ["0.00"] * 12
    assert lines[12]["interest_paid"] == lines[12]["interest"]
    assert lines[12]["principal_paid"] not in ("0.00", lines[12]["principal"])
    assert all(line["interest_paid"] == line["principal_paid"] == "0.00"
               for line in lines[13:])
    paid = sum(int(line["principal_paid"].replace(".", "")) for line in lines)
    interest = sum(int(line["interest_paid"].replace(".", "")) for line in lines)
    assert paid + interest == 60_000_000
    assert view.outstanding == 240_000_000 - paid
    with engine.connect() as conn:
        invoice = conn.execute(select(t.invoices).where(
            t.invoices.c.external_id == "PC-D-1")).one()
    assert (invoice.debtor, invoice.creditor, invoice.debtor_member, invoice.creditor_member,
            invoice.amount_minor, invoice.currency) == (
        "PDVSA-PDVAL", "DMA-RICE", "VEN", "DMA", 60_000_000, "USD")
    closing.verify_journal(petro)
    # the loan's credit paid for the rice: its invoice never becomes a payment order
    assert setoff_runs.residual_orders(petro, dt.date(2026, 7, 2)) == []
    report = petrocaribe.portfolio(petro, dt.date(2026, 9, 1), "DMA")
    assert report["members"]["DMA"]["repaid_in_goods"] == "600000.00"
    assert report["members"]["DMA"]["goods_by_hs_code"] == {"100630": "600000.00"}


@pytest.mark.parametrize(("change", "field"), [
    ({"exporter": "NIC-BEANS", "certificate_exporter": "NIC-BEANS"}, "loan"),
    ({"exporter": "DMA-NOBODY", "certificate_exporter": "DMA-NOBODY"}, "exporter"),
    ({"certificate_exporter": "NIC-BEANS"}, "certificate_exporter"),
    ({"certificate_country": "ARG"}, "certificate_country"),
])
def test_origin_refusals_write_nothing(petro: SqlUnitOfWork, engine: Engine,
                                       change: dict[str, str], field: str) -> None:
    shipped = petrocaribe.ship(petro, "PC-DMA", "CARGO-1", DAY, "1000", "60.00")
    assert shipped.loan is not None
    loan = shipped.loan.id
    error = refused(engine, InvalidState, field, lambda: petrocaribe.deliver(
        petro, loan, rice(**change), dt.date(2026, 9, 1)))
    assert "origin check" in error.message or "cannot repay" in error.message


def test_a_firm_registered_after_the_delivery_fails_the_origin_check(
        petro: SqlUnitOfWork, engine: Engine) -> None:
    shipped = petrocaribe.ship(petro, "PC-DMA", "CARGO-1", DAY, "100000", "60.00")
    assert shipped.loan is not None
    loan = shipped.loan.id
    petrocaribe.add_firm(petro, "DMA-NEW", "New Co", "DMA", dt.date(2026, 10, 1))
    refused(engine, InvalidState, "exporter", lambda: petrocaribe.deliver(
        petro, loan, rice(exporter="DMA-NEW", certificate_exporter="DMA-NEW"),
        dt.date(2026, 9, 1)))
    refused(engine, InvalidInput, "hs_code", lambda: petrocaribe.deliver(
        petro, loan, rice(hs_code="1006"), dt.date(2026, 9, 1)))
    refused(engine, NotFound, "loan", lambda: petrocaribe.deliver(
        petro, loan, rice(), dt.date(2026, 9, 1), members=["NIC"]))
    refused(engine, InvalidAmount, "quantity", lambda: petrocaribe.deliver(
        petro, loan, rice(quantity="1000000"), dt.date(2026, 9, 1)))  # more than owed


def test_cash_repayments_arrears_and_early_repayment(petro: SqlUnitOfWork,
                                                     engine: Engine) -> None:
    shipped = petrocaribe.ship(petro, "PC-DMA", "CARGO-1", DAY, "1000", "30.00")
    assert shipped.loan is not None
    loan = shipped.loan.id  # 30,000.00 bill, 25 % financed: 7,500.00 over 17 y at 2 %
    petrocaribe.pay_cash_part(petro, "CARGO-1", "22500.00", dt.date(2026, 9, 1), "CASH-1")
    refused(engine, InvalidInput, "amount", lambda: petrocaribe.pay_cash_part(
        petro, "CARGO-1", "0.01", dt.date(2026, 9, 1), "CASH-2"))
    as_of = dt.date(2027, 7, 2)  # two instalments past due, 75.00 interest each
    view = petrocaribe.loan_view(petro, loan, as_of)
    assert [s.owed for s in view.arrears] == [7500, 7500]
    petrocaribe.repay(petro, loan, "100.00", as_of, "PAY-1")
    refused(engine, InvalidState, "reference",
            lambda: petrocaribe.repay(petro, loan, "1.00", as_of, "PAY-1"))
    assert [s.owed for s in petrocaribe.loan_view(petro, loan, as_of).arrears] == [5000]
    report = petrocaribe.portfolio(petro, as_of)
    assert report["bloc"]["arrears"] == "50.00"
    assert report["bloc"]["interest"]["paid"] == "100.00"
    refused(engine, InvalidInput, "amount",
            lambda: petrocaribe.repay(petro, loan, "1.00", as_of, "EARLY-1", early=True))
    payoff = 5000 + 750_000  # the arrears and all principal; later interest waived
    petrocaribe.repay(petro, loan, f"{payoff // 100}.{payoff % 100:02d}", as_of, "EARLY-1",
                      early=True)
    view = petrocaribe.loan_view(petro, loan, as_of)
    assert view.outstanding == 0 and petrocaribe.loan_json(view)["closed"] is True
    verified = closing.verify_journal(petro)["loans"]
    assert (verified["outstanding"], verified["cash_parts_unpaid"]) == ("0.00", "0.00")


def test_a_buyback_books_the_discount_and_closes_the_loans(petro: SqlUnitOfWork,
                                                           engine: Engine) -> None:
    first = petrocaribe.ship(petro, "PC-DMA", "CARGO-1", DAY, "100000", "60.00").loan
    second = petrocaribe.ship(petro, "PC-DMA", "CARGO-2", DAY, "10000", "97.00").loan
    assert first is not None and second is not None
    face = 240_000_000 + 38_800_000
    payload = buyback_payload("DMA", None, "1394000.00")
    done = petrocaribe.buyback(petro, payload, dt.date(2026, 12, 1), "Council: DMA buy-back")
    assert done.face_minor == face and done.movement.discount_minor == face - 139_400_000
    assert set(done.loan_ids) == {first.id, second.id}
    with engine.connect() as conn:
        balances = dict(conn.execute(select(t.postings.c.account, func.sum(
            t.postings.c.amount_minor)).group_by(t.postings.c.account)).tuples().all())
    assert balances["petrocaribe:discount:DMA"] == -(face - 139_400_000)
    assert balances[f"petrocaribe:loan:DMA:{first.id}"] == 0
    report = petrocaribe.portfolio(petro, dt.date(2026, 12, 1), "DMA")["members"]["DMA"]
    assert report["outstanding"] == "0.00" and report["repaid_in_cash"] == "0.00"
    assert report["bought_back_for"] == "1394000.00"
    assert report["discount_written_off"] == "1394000.00"
    assert closing.verify_journal(petro)["loans"]["outstanding"] == "0.00"
    refused(engine, InvalidState, "loans", lambda: petrocaribe.buyback(
        petro, payload, dt.date(2026, 12, 2), "again"))


def test_a_buyback_price_above_face_and_of_another_members_loan_is_refused(
        petro: SqlUnitOfWork, engine: Engine) -> None:
    loan = petrocaribe.ship(petro, "PC-DMA", "CARGO-1", DAY, "1000", "60.00").loan
    assert loan is not None
    refused(engine, InvalidInput, "price", lambda: petrocaribe.buyback(
        petro, buyback_payload("DMA", [loan.id], "24000.01"), DAY, "x"))
    refused(engine, InvalidState, "loans", lambda: petrocaribe.buyback(
        petro, buyback_payload("NIC", [loan.id], "1.00"), DAY, "x"))


def test_verify_catches_a_tampered_loan(petro: SqlUnitOfWork, engine: Engine) -> None:
    petrocaribe.ship(petro, "PC-DMA", "CARGO-1", DAY, "1000", "60.00")
    closing.verify_journal(petro)
    with engine.begin() as conn:
        conn.execute(update(t.petrocaribe_instalments).where(
            t.petrocaribe_instalments.c.number == 50).values(
            principal_minor=t.petrocaribe_instalments.c.principal_minor + 1))
    with pytest.raises(InvariantBroken):
        closing.verify_journal(petro)


def test_verify_catches_a_tampered_cash_part(petro: SqlUnitOfWork, engine: Engine) -> None:
    petrocaribe.ship(petro, "PC-DMA", "CARGO-1", DAY, "1000", "60.00")
    with engine.begin() as conn:
        conn.execute(text("UPDATE petrocaribe_shipments SET cash_minor = cash_minor - 1, "
                          "financed_minor = financed_minor + 1"))
    with pytest.raises(InvariantBroken):
        closing.verify_journal(petro)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(1, 2_000_000), st.integers(1, 30_000), st.integers(0, 400))
def test_any_shipment_books_exactly(petro: SqlUnitOfWork, barrels: int, price: int,
                                   offset: int) -> None:
    day = DAY + dt.timedelta(days=offset)
    cargo = f"H-{barrels}-{price}-{offset}"
    with petro:
        if petro.petrocaribe.shipment(cargo) is not None:
            return
    shipped = petrocaribe.ship(petro, "PC-NIC", cargo, day, str(barrels),
                               f"{price // 100}.{price % 100:02d}")
    s = shipped.shipment
    assert s.bill_minor == barrels * price and s.cash_minor + s.financed_minor == s.bill_minor
    if shipped.loan is not None:
        assert sum(i.principal_minor for i in shipped.schedule) == s.financed_minor
    closing.verify_journal(petro)


def test_the_council_votes_a_tier_table_and_a_buyback(petro: SqlUnitOfWork) -> None:
    from sucre.domain.proposals import Ballot
    from sucre.service import council

    loan = petrocaribe.ship(petro, "PC-DMA", "CARGO-1", DAY, "1000", "60.00").loan
    assert loan is not None
    members = ("VEN", "CUB", "BOL", "NIC", "ATG", "DMA", "GRD", "KNA")
    proposals = [
        council.propose(petro, "petrocaribe_terms", dt.date(2027, 1, 1), "CE-T",
                        {"tiers": "15=0.05,100=0.50", "regimes": "0=20/3/0.015",
                         "instalments_per_year": "4"}, proposed_by="cli"),
        council.propose(petro, "petrocaribe_buyback", dt.date(2026, 12, 1), "CE-B",
                        {"member": "DMA", "price": "12000.00", "loans": str(loan.id)},
                        proposed_by="cli")]
    for proposal in proposals:
        for member in members:
            council.vote(petro, proposal.id, member, Ballot.YES, cast_by="cli", day=DAY)
        adopted = council.adopt(petro, proposal.id, closed_by="cli", day=DAY)
        assert adopted.decision_id is not None
    terms = petrocaribe.terms_on(petro, 10_000, dt.date(2027, 1, 1))
    assert (terms.share * 2, terms.years, terms.per_year) == (1, 20, 4)
    view = petrocaribe.loan_view(petro, loan.id, dt.date(2026, 12, 1))
    assert view.outstanding == 0
    detail = council.decision_detail(petro, adopted.decision_id)
    assert detail.decision.payload["discount_minor"] == 2_400_000 - 1_200_000
    closing.verify_journal(petro)


def test_goods_repay_an_agreements_loans_oldest_first(petro: SqlUnitOfWork,
                                                      engine: Engine) -> None:
    first = petrocaribe.ship(petro, "PC-DMA", "CARGO-1", DAY, "1000", "60.00").loan
    second = petrocaribe.ship(petro, "PC-DMA", "CARGO-2", DAY, "1000", "61.00").loan
    assert first is not None and second is not None  # 24,000.00 and 24,400.00 lent
    owed_first = 24_000_00 + sum(
        i.interest_minor for i in petrocaribe.loan_view(petro, first.id, DAY).statuses
        for i in [i.instalment])
    value = owed_first + 10_000  # all of the first loan, 100.00 of the second
    goods = rice("D-AGR", quantity=f"{value // 100}.{value % 100:02d}", unit_price="1.00")
    delivery = petrocaribe.deliver(petro, None, goods, dt.date(2026, 9, 1), agreement="pc-dma")
    assert (delivery.loan_id, delivery.agreement, delivery.value_minor) == (None, "PC-DMA",
                                                                             value)
    one = petrocaribe.loan_view(petro, first.id, dt.date(2026, 9, 1))
    two = petrocaribe.loan_view(petro, second.id, dt.date(2026, 9, 1))
    assert petrocaribe.loan_json(one)["closed"] is True
    assert two.statuses[0].interest_paid == 10_000 and two.outstanding == 24_400_00
    closing.verify_journal(petro)
    refused(engine, NotFound, "agreement", lambda: petrocaribe.deliver(
        petro, None, rice("D-X"), dt.date(2026, 9, 1), agreement="PC-NONE"))
    refused(engine, InvalidState, "agreement", lambda: petrocaribe.deliver(
        petro, None, rice("D-Y", exporter="NIC-BEANS", certificate_exporter="NIC-BEANS",
                          certificate_country="NIC"), dt.date(2026, 9, 1), agreement="PC-DMA"))
    refused(engine, InvalidInput, "loan", lambda: petrocaribe.deliver(
        petro, first.id, rice("D-Z"), dt.date(2026, 9, 1), agreement="PC-DMA"))


def test_racing_shipments_of_one_cargo_record_it_once(petro: SqlUnitOfWork,
                                                      engine: Engine) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def ship(_: int) -> str:
        try:
            petrocaribe.ship(SqlUnitOfWork(engine), "PC-DMA", "RACE-1", DAY, "1000", "60.00")
        except InvalidState as error:
            assert (error.field, error.reason_code) == ("cargo_id", "DUPL")
            return "refused"
        return "shipped"

    with ThreadPoolExecutor(4) as pool:
        outcomes = sorted(pool.map(ship, range(4)))
    assert outcomes == ["refused"] * 3 + ["shipped"]
    assert counts(engine)["petrocaribe_shipments"] == 1
    closing.verify_journal(petro)
