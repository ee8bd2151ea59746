"""The SQL unit of work: one transaction per outermost block, savepoints inside, nothing kept
without a commit; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, insert, select

from sucre.adapters.db import tables as t
from sucre.adapters.db.engine import retry_transient
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.errors import InvalidInput


def _add(uow: SqlUnitOfWork, code: str) -> None:
    uow.connection.execute(insert(t.authorities).values(
        code=code, name=f"Bank {code}", currency="USD"))


def _codes(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(select(t.authorities.c.code)).scalars())


def test_a_block_keeps_only_what_it_committed(engine: Engine, uow: SqlUnitOfWork) -> None:
    with uow:
        _add(uow, "AAA")
        uow.commit()
    with uow:
        _add(uow, "BBB")  # left without a commit
    with pytest.raises(InvalidInput), uow:
        _add(uow, "CCC")
        raise InvalidInput("refused", field="x")
    assert _codes(engine) == ["AAA"]
    assert not uow.in_transaction


def test_an_inner_block_is_a_savepoint_of_the_outer_transaction(
        engine: Engine, uow: SqlUnitOfWork) -> None:
    with uow:
        _add(uow, "AAA")
        with pytest.raises(InvalidInput), uow:
            _add(uow, "BBB")
            raise InvalidInput("refused", field="x")
        with uow:
            _add(uow, "CCC")
            uow.commit()
            assert uow.in_transaction
        if engine.dialect.name == "postgresql":  # SQLite: a reader waits for the writer
            assert _codes(engine) == []  # not visible before the outer commit
    assert _codes(engine) == []  # the outer block never committed
    with uow:
        with uow:
            _add(uow, "DDD")
            uow.commit()
        uow.commit()
    assert _codes(engine) == ["DDD"]


def test_a_use_case_inside_an_open_block_is_not_run_twice(uow: SqlUnitOfWork) -> None:
    calls = []

    @retry_transient
    def use_case(unit: SqlUnitOfWork) -> None:
        calls.append(unit.in_transaction)

    use_case(uow)
    with uow:
        use_case(uow)
    assert calls == [False, True]
