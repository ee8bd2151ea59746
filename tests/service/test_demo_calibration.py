"""The demo's semester looks like the bloc's published record (DOMAIN.md sections 3 and 10)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine

from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.members import AuthorityCode
from sucre.service import demo, reports


def test_the_demo_semester_is_calibrated_to_the_published_record(engine: Engine) -> None:
    result = demo.run_demo(SqlUnitOfWork(engine), orders=300, seed=11)
    measured = result.report["calibration"]
    rate = measured["usd_per_xsu"]
    # Quasi-stable near 1.25 USD (later quoted 1.2509), not drifting by percents in a semester.
    assert Decimal("1.24") <= Decimal(rate["low"]) <= Decimal(rate["high"]) <= Decimal("1.26")
    run = measured["this_run"]
    # Orders of the size of the peak year's (USD 1,066 million / 2,646), not twice that.
    assert 250_000 <= int(run["mean_order_usd"]) <= 550_000
    assert run["share_paid_by_venezuela"] > 0.6  # Venezuela's corridors dominate
    assert run["share_touching_eccb"] < 0.05  # the ECCB states' flows are modest
    limits = reports.positions_report(SqlUnitOfWork(engine), "2026-H2").authorities
    assert limits[AuthorityCode("BCC")].limit_minor != limits[AuthorityCode("BCV")].limit_minor
    allocated = measured["allocations_xsu"]
    # The published allocations (Cuba 20 million XSU, Venezuela 44.21 % of 112 million) or more.
    assert Decimal(allocated["BCC"]["allocation"]) >= 20_000_000
    assert Decimal(allocated["BCV"]["allocation"]) >= Decimal("0.4421") * 112_000_000
