"""The members' history (issue 11): the bloc's register since 2004 answers who was a member on
any day; a member's status is the last change in force on an order's value date; a suspended
member is paid but cannot pay, a withdrawn one neither; admission, also on a shared authority."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from alembic import command
from sqlalchemy import Engine, text

from sucre.adapters.db.migrate import alembic_config
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.adapters.membership_register import read_register
from sucre.domain.errors import InvalidState, PartyNotActive, UnknownParty
from sucre.domain.members import MembershipEventKind, MemberStatus
from sucre.domain.money import CurrencyCode
from sucre.domain.orders import OrderStatus
from sucre.service import bloc, payments, registry, reports
from tests import world

DAY = dt.timedelta(days=1)
TODAY = dt.date(2026, 12, 2)

#: The register's events, as checked against the sources (the data file gives them and why).
HISTORY = [
    ("VEN", "admitted", "2004-12-14"), ("CUB", "admitted", "2004-12-14"),
    ("BOL", "admitted", "2006-04-29"), ("NIC", "admitted", "2007-01-11"),
    ("DMA", "admitted", "2008-01-26"), ("HND", "admitted", "2008-08-25"),
    ("ECU", "admitted", "2009-06-24"), ("ATG", "admitted", "2009-06-24"),
    ("VCT", "admitted", "2009-06-24"), ("HND", "withdrawn", "2010-01-12"),
    ("LCA", "admitted", "2013-07-30"), ("GRD", "admitted", "2014-12-14"),
    ("KNA", "admitted", "2014-12-14"), ("ECU", "withdrawn", "2018-08-23"),
    ("BOL", "withdrawn", "2019-11-15"), ("BOL", "admitted", "2020-11-20"),
    ("BOL", "suspended", "2025-11-08"),
]

#: DOMAIN.md section 1: the ten members of today, their monetary authority and currency.
TODAYS_TEN = {"VEN": ("BCV", "VES"), "CUB": ("BCC", "CUP"), "BOL": ("BCB", "BOB"),
              "NIC": ("BCN", "NIO"),
              **dict.fromkeys(("ATG", "DMA", "GRD", "KNA", "LCA", "VCT"), ("ECCB", "XCD"))}


@pytest.fixture
def bloc_engine(engine: Engine) -> Engine:
    world.build(engine)
    return engine


@pytest.fixture
def register_uow(engine: Engine) -> SqlUnitOfWork:
    uow = SqlUnitOfWork(engine)
    bloc.load_register(uow)
    return uow


def test_the_register_holds_the_checked_history() -> None:
    register = read_register()
    assert [(e.member, e.kind.value, e.date.isoformat()) for e in register.events] == HISTORY
    assert all(e.source and e.reference for e in register.events)
    assert {a.code: a.currency for a in register.authorities} == {
        "BCV": "VES", "BCC": "CUP", "BCB": "BOB", "BCN": "NIO", "ECCB": "XCD", "BCH": "HNL",
        "BCE": "USD"}


def _on(uow: SqlUnitOfWork, day: dt.date) -> dict[str, str]:
    return {line.member.code: line.status.value for line in
            reports.members_report(uow, day).members}


def _boundaries() -> list[tuple[str, str, dt.date, dt.date]]:
    return [(member, kind, dt.date.fromisoformat(day) + shift, dt.date.fromisoformat(day))
            for member, kind, day in HISTORY for shift in (-DAY, dt.timedelta(0), DAY)]


@pytest.mark.parametrize(("member", "kind", "day", "event_day"), _boundaries(),
                         ids=[f"{m}-{k}-{d}" for m, k, d, _ in _boundaries()])
def test_the_history_answers_at_each_boundary(register_uow: SqlUnitOfWork, member: str,
                                              kind: str, day: dt.date,
                                              event_day: dt.date) -> None:
    """The day before an admission the state is not a member, from its day on it is; the day
    before a withdrawal it is, from its day on it is not; the day before a suspension it is a
    member in good standing, from its day on a suspended member."""
    in_force = day >= event_day
    members = _on(register_uow, day)
    if kind == MembershipEventKind.SUSPENDED:
        assert members[member] == ("suspended" if in_force else "active")
        return
    expected = in_force if kind == MembershipEventKind.ADMITTED else not in_force
    assert (member in members) is expected


def test_since_is_the_start_of_the_current_membership(register_uow: SqlUnitOfWork) -> None:
    lines = {line.member.code: line.since.isoformat()
             for line in reports.members_report(register_uow, TODAY).members}
    assert lines["BOL"] == "2020-11-20"  # back after its 2019-2020 withdrawal
    assert lines["VEN"] == "2004-12-14"
    before = {line.member.code: line.since.isoformat()
              for line in reports.members_report(register_uow, dt.date(2019, 11, 14)).members}
    assert before["BOL"] == "2006-04-29"


def test_todays_ten_members_are_those_of_domain_md(register_uow: SqlUnitOfWork) -> None:
    """Ten members today, Bolivia among them but suspended since 8 Nov 2025."""
    report = reports.members_report(register_uow, TODAY)
    assert {line.member.code: (line.authority.code, line.authority.currency)
            for line in report.members} == TODAYS_TEN
    assert {line.member.code: line.status for line in report.members} == {
        **dict.fromkeys(TODAYS_TEN, MemberStatus.ACTIVE), "BOL": MemberStatus.SUSPENDED}


def test_bolivia_is_suspended_from_8_november_2025(register_uow: SqlUnitOfWork) -> None:
    """The communique of 24 Oct 2025 suspends the government taking office on 8 Nov: Bolivia is
    a member the day before and suspended from that day, its membership uninterrupted."""
    before, on = (reports.members_report(register_uow, dt.date(2025, 11, d)) for d in (7, 8))
    assert {m.member.code: m.status for m in before.members}["BOL"] is MemberStatus.ACTIVE
    bolivia = {m.member.code: m for m in on.members}["BOL"]
    assert (bolivia.status, bolivia.since) == (MemberStatus.SUSPENDED, dt.date(2020, 11, 20))
    assert len(on.members) == len(before.members) == 10
    with register_uow:
        [suspension] = register_uow.decisions.dated_until(TODAY, "member_suspended")
    assert suspension.effective_date == dt.date(2025, 11, 8)
    assert "24 Oct 2025" in suspension.reference


def test_suspended_bolivia_is_paid_but_cannot_pay(register_uow: SqlUnitOfWork) -> None:
    """In the world `sucre init` builds, Bolivia receives (AG01 only when it pays)."""
    uow = register_uow
    registry.open_period(uow, dt.date(2027, 1, 1))
    for authority in ("BCB", "BCN"):
        registry.set_allocation(uow, authority, dt.date(2027, 1, 1), 1_000_000, 0, "CE-1")
    registry.record_fixings(uow, dt.date(2027, 1, 1), {
        CurrencyCode(c): Fraction(Decimal(v)) for c, v in world.PER_USD.items()})
    registry.set_basket(uow, dt.date(2027, 1, 1), Fraction(5, 4), {
        CurrencyCode(c): Fraction(Decimal(w)) for c, w in world.WEIGHTS.items()}, "CE-2")
    paid = payments.submit_order(uow, world.order(
        "NIC-BOL", debtor_member="NIC", creditor_member="BOL", origin="BOL",
        value_date="2027-01-01"))
    assert paid.status is OrderStatus.ACCEPTED, paid
    with pytest.raises(PartyNotActive) as refused:
        payments.submit_order(uow, world.order(
            "BOL-NIC", debtor_member="BOL", creditor_member="NIC", origin="NIC",
            value_date="2027-01-01"))
    assert (refused.value.field, refused.value.reason_code) == ("debtor_member", "AG01")


def test_former_members_authorities_take_no_part_in_todays_periods(
        register_uow: SqlUnitOfWork) -> None:
    registry.open_period(register_uow, dt.date(2026, 7, 1))
    positions = reports.positions_report(SqlUnitOfWork(register_uow.engine)).authorities
    assert set(positions) == {"BCV", "BCC", "BCB", "BCN", "ECCB"}  # not BCH nor BCE


def test_a_future_status_change_changes_nothing_today(bloc_engine: Engine,
                                                      uow: SqlUnitOfWork) -> None:
    """Cuba suspended from 5 July: it pays on 2 July, not on 6 July (AG01), and is still a
    member in good standing on 4 July."""
    registry.change_member_status(uow, "CUB", MemberStatus.SUSPENDED,
                                  effective_date=dt.date(2026, 7, 5), reference=world.REF)
    assert payments.submit_order(uow, world.order("BEFORE")).status is OrderStatus.ACCEPTED
    with pytest.raises(PartyNotActive) as caught:
        payments.submit_order(uow, world.order("AFTER", value_date="2026-07-06"))
    assert (caught.value.field, caught.value.reason_code) == ("debtor_member", "AG01")
    assert _on(uow, dt.date(2026, 7, 4))["CUB"] == "active"
    assert _on(uow, dt.date(2026, 7, 5))["CUB"] == "suspended"
    # Reinstated by decision from 8 July: it pays again.
    registry.change_member_status(uow, "CUB", MemberStatus.ACTIVE,
                                  effective_date=dt.date(2026, 7, 8), reference=world.REF)
    assert payments.submit_order(uow, world.order(
        "BACK", value_date="2026-07-08")).status is OrderStatus.ACCEPTED


def test_a_withdrawn_member_is_refused_with_its_reason_and_comes_back_by_admission(
        bloc_engine: Engine, uow: SqlUnitOfWork) -> None:
    registry.change_member_status(uow, "CUB", MemberStatus.WITHDRAWN,
                                  effective_date=dt.date(2026, 7, 3), reference=world.REF)
    with pytest.raises(PartyNotActive) as caught:
        payments.submit_order(uow, world.order("GONE", value_date="2026-07-03"))
    assert (caught.value.field, caught.value.reason_code) == ("debtor_member", "AC04")
    with pytest.raises(InvalidState, match="readmission is a new admission"):
        registry.change_member_status(uow, "CUB", MemberStatus.ACTIVE,
                                      effective_date=dt.date(2026, 7, 5), reference=world.REF)
    registry.admit_member(uow, "CUB", "Cuba", authority="BCC",
                          effective_date=dt.date(2026, 7, 6), reference=world.REF)
    assert payments.submit_order(uow, world.order(
        "AGAIN", value_date="2026-07-06")).status is OrderStatus.ACCEPTED
    since = {line.member.code: line.since for line in
             reports.members_report(uow, dt.date(2026, 7, 6)).members}
    assert since["CUB"] == dt.date(2026, 7, 6)
    with pytest.raises(InvalidState, match="only a member that withdrew"):
        registry.admit_member(uow, "CUB", "Cuba", authority="BCC",
                              effective_date=dt.date(2026, 7, 7), reference=world.REF)


def test_admission_on_a_shared_authority(bloc_engine: Engine, uow: SqlUnitOfWork) -> None:
    """Montserrat, served by the ECCB with six others, is a member from its admission's date."""
    registry.admit_member(uow, "MSR", "Montserrat", authority="ECCB", currency="XCD",
                          effective_date=dt.date(2026, 7, 3), reference="CMR admission")
    early = world.order("MSR-1", debtor_member="MSR", currency="XCD", amount="100.00")
    with pytest.raises(UnknownParty, match="not a member of the bloc on 2026-07-02"):
        payments.submit_order(uow, early)
    outcome = payments.submit_order(uow, world.order(
        "MSR-2", debtor_member="MSR", currency="XCD", amount="100.00", value_date="2026-07-03"))
    assert outcome.status is OrderStatus.ACCEPTED
    line = {m.member.code: m for m in reports.members_report(uow, dt.date(2026, 7, 3)).members}
    assert (line["MSR"].authority.code, line["MSR"].since) == ("ECCB", dt.date(2026, 7, 3))
    with uow:
        decision = uow.decisions.first_decisions(1000)[-1]
    assert (decision.kind, decision.payload["member"]) == ("admission", "MSR")


def test_admission_with_a_new_authority_and_its_allocation(bloc_engine: Engine,
                                                           uow: SqlUnitOfWork) -> None:
    registry.admit_member(uow, "URY", "Uruguay", authority="BCU",
                          authority_name="Banco Central del Uruguay", currency="UYU",
                          allocation_minor=50_000, credit_line_minor=10_000,
                          effective_date=dt.date(2026, 7, 2), reference="CMR admission")
    positions = reports.positions_report(SqlUnitOfWork(bloc_engine)).authorities
    assert positions["BCU"].limit_minor == 60_000
    outcome = payments.submit_order(uow, world.order(
        "URY-1", debtor_member="URY", amount="500.00", value_date="2026-07-02"))
    assert outcome.status is OrderStatus.ACCEPTED
    with pytest.raises(UnknownParty, match="a new one needs its name and currency"):
        registry.admit_member(uow, "PRY", "Paraguay", authority="BCP",
                              effective_date=dt.date(2026, 7, 2), reference="CMR admission")


def test_the_migration_converts_a_status_kept_in_one_column(engine: Engine,
                                                            uow: SqlUnitOfWork) -> None:
    """Before 0009 a member's status was one column; going back writes the last recorded
    change into it, coming forward rebuilds the dated history from the decision log."""
    world.build(engine)
    registry.change_member_status(uow, "NIC", MemberStatus.SUSPENDED,
                                  effective_date=dt.date(2026, 7, 5), reference=world.REF)
    before = [_on(uow, dt.date(2026, 7, d)) for d in (1, 4, 5)]
    config = alembic_config(engine)
    command.downgrade(config, "0007")
    try:
        with engine.connect() as conn:
            stored = dict(conn.execute(text("SELECT code, status FROM members")).all())
        assert stored["NIC"] == "suspended" and stored["VEN"] == "active"
    finally:
        command.upgrade(config, "head")
    assert [_on(uow, dt.date(2026, 7, d)) for d in (1, 4, 5)] == before
