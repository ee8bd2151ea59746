"""The demo's planning round on the test world (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from sucre.adapters.db import tables as t
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.service import food
from tests import world


def test_the_demo_round_stores_its_invoices_for_set_off(engine: Engine) -> None:
    world.build(engine)
    story = food.demo_round(SqlUnitOfWork(engine), world.START)
    assert story.startswith("food planning round: 5 offers, 8 needs (5 critical)")
    assert "1 needs short" in story  # Antigua's beef cannot arrive in four days
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(t.invoices)
                              .where(t.invoices.c.external_id.like("FOOD-2026-07-%"))).scalar()
    assert stored == 7
    again = food.demo_round(SqlUnitOfWork(engine), world.START)
    assert "7 invoices worth" in story and "(7 newly stored)" in story
    assert "(0 newly stored)" in again
