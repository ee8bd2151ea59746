"""Period close and net settlement, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import Engine, update

from sucre.adapters.db import tables as t
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.errors import InvalidState
from sucre.service import closing, payments, reports
from tests import world


@pytest.fixture
def traded(engine: Engine) -> Engine:
    """BCC pays BCV 1,500.00; BCV pays BCB 1,200.00 and BCC 400.00; BCB pays BCC 300.00."""
    world.build(engine)
    flows = [("CUB", "VEN", "1500.00"), ("VEN", "BOL", "1200.00"), ("VEN", "CUB", "400.00"),
             ("BOL", "CUB", "300.00")]
    for number, (importer, exporter, amount) in enumerate(flows):
        outcome = payments.submit_order(SqlUnitOfWork(engine), world.order(
            f"T{number}", debtor_member=importer, creditor_member=exporter, origin=exporter,
            amount=amount))
        assert outcome.reason_code is None
    return engine


def test_close_settles_multilateral_net_positions(traded: Engine) -> None:
    report = world.close(traded, "2026-H2", as_of=world.AFTER)
    assert report["positions"] == {"BCB": "900.00", "BCC": "-800.00", "BCN": "0.00",
                                   "BCV": "-100.00", "ECCB": "0.00"}
    assert report["gross_xsu"] == "3400.00"
    assert report["net_xsu"] == "900.00"
    # The identities: net = sum(|net|)/2 and saving = 1 - net/gross.
    nets = [Decimal(v) for v in report["positions"].values()]
    assert sum(nets) == 0
    assert Decimal(report["net_xsu"]) == sum(abs(n) for n in nets) / 2
    assert report["liquidity_saving"] == pytest.approx(float(1 - Fraction(900, 3400)), abs=1e-6)
    # Bilateral netting alone: |1500-400| + |1200| + |300| = 2600.
    assert report["bilateral_net_xsu"] == "2600.00"
    assert report["orders"] == {"accepted": 4, "rejected": 0}


def test_settlement_legs_balance_in_hard_currency(traded: Engine) -> None:
    report = world.close(traded, "2026-H2", as_of=world.AFTER)
    # 1 XSU = 1.25 USD on these fixings: BCC and BCV pay, BCB receives.
    legs = {(i["kind"], i["authority"]): i["amount"] for i in report["settlement"]}
    assert legs == {("pay", "BCC"): "1000.00", ("pay", "BCV"): "125.00",
                    ("receive", "BCB"): "1125.00"}
    assert closing.settlement_amounts(world.settled(traded)) == {"USD": 0}
    assert report["settlement_rate"] == "1.25"
    world.verify(traded)


def test_frcc_finances_a_deficit_within_the_credit_line(engine: Engine) -> None:
    world.build(engine)  # BCB: allocation 3,000.00, FRCC credit line 1,000.00
    payments.submit_order(SqlUnitOfWork(engine), world.order(
        "F", debtor_member="BOL", creditor_member="VEN", amount="3500.00", currency="XSU"))
    report = world.close(engine, "2026-H2", as_of=world.AFTER, finance_deficits=True)
    legs = {(i["kind"], i["authority"]): i["xsu"] for i in report["settlement"]}
    assert legs == {("pay", "BCB"): "2500.00", ("finance", "BCB"): "1000.00",
                    ("receive", "BCV"): "3500.00"}
    assert closing.settlement_amounts(world.settled(engine)) == {"USD": 0}
    world.verify(engine)


def test_unconfirmed_orders_are_posted_at_the_cut_off_and_positions_reset(traded: Engine) -> None:
    world.close(traded, "2026-H2", as_of=world.AFTER)
    live = reports.positions_report(SqlUnitOfWork(traded), "2026-H2").authorities
    assert all(row.debit_reserved_minor == 0 for row in live.values())
    from sucre.domain.ledger import EntryKind
    with SqlUnitOfWork(traded) as uow:
        left = uow.journal.positions(1, (EntryKind.ORDER, EntryKind.CLOSE))
    assert set(left.values()) == {0}


def test_an_interrupted_close_resumes(traded: Engine) -> None:
    # A crash after step 1 leaves the period "closing"; running the close again finishes it.
    with traded.begin() as conn:
        conn.execute(update(t.periods).where(t.periods.c.code == "2026-H2")
                     .values(state="closing"))
    report = world.close(traded, "2026-H2", as_of=world.AFTER)
    assert report["net_xsu"] == "900.00"
    with pytest.raises(InvalidState):
        world.close(traded, "2026-H2", as_of=world.AFTER)
    assert world.stored_report(traded, "2026-H2") == report


def test_closing_opens_the_next_period(traded: Engine) -> None:
    world.close(traded, "2026-H2", as_of=world.AFTER)
    assert reports.positions_report(SqlUnitOfWork(traded)).period.code == "2027-H1"


def test_a_withdrawn_members_open_position_is_settled_at_the_next_close(traded: Engine) -> None:
    from sucre.domain.members import MemberStatus
    from sucre.service import registry

    registry.change_member_status(SqlUnitOfWork(traded), "BOL", MemberStatus.WITHDRAWN,
                                  effective_date=world.START, reference=world.REF)
    report = world.close(traded, "2026-H2", as_of=world.AFTER)
    assert report["positions"]["BCB"] == "900.00"
    assert any(i["authority"] == "BCB" and i["kind"] == "receive" for i in report["settlement"])


def test_daily_windows_are_a_council_parameter(engine: Engine) -> None:
    world.build(engine, calendar="daily")
    payments.submit_order(SqlUnitOfWork(engine), world.order(value_date="2026-07-01"))
    report = world.close(engine, "2026-07-01", as_of=world.AFTER)
    assert report["gross_xsu"] == "1000.00"
    assert reports.positions_report(SqlUnitOfWork(engine)).period.code == "2026-07-02"


@pytest.mark.parametrize("value", ["half", "1/0", "NaN", "0", "1.5", ""])
def test_a_bad_share_parameter_is_refused_and_not_recorded(engine: Engine, value: str) -> None:
    import datetime as dt

    from sqlalchemy import func, select

    from sucre.domain.errors import InvalidInput
    from sucre.service import registry

    world.build(engine)
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(t.parameters)).scalar_one()
    with pytest.raises(InvalidInput) as caught:
        registry.set_parameter(SqlUnitOfWork(engine), "corridor_alert_share", value,
                               effective_date=dt.date(2026, 7, 1), reference=world.REF)
    assert caught.value.field == "value"
    with engine.connect() as conn:
        after = conn.execute(select(func.count()).select_from(t.parameters)).scalar_one()
    assert after == before


def test_two_racing_closes_settle_once_and_refuse_the_other(traded: Engine) -> None:
    """Two closes of one period at once: one settles it, the other is told it is settled
    (InvalidState, a 409 over HTTP), on SQLite and PostgreSQL alike; never a broken invariant."""
    barrier = threading.Barrier(2)

    def close(_: int) -> object:
        barrier.wait()
        try:
            return world.close(traded, "2026-H2", as_of=world.AFTER)
        except Exception as error:  # noqa: BLE001 -- the test tells every outcome apart
            return error

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(close, range(2)))
    reports_made = [o for o in outcomes if isinstance(o, dict)]
    refused = [o for o in outcomes if isinstance(o, InvalidState)]
    assert (len(reports_made), len(refused)) == (1, 1), outcomes
    assert "already settled" in refused[0].message
    assert reports_made[0]["gross_xsu"] == "3400.00"
    assert world.stored_report(traded, "2026-H2")["gross_xsu"] == "3400.00"
    world.verify(traded)
