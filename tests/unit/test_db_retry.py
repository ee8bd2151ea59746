"""retry_transient: which database errors re-run a transaction, and how many times."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from sucre import bounds
from sucre.adapters.db import engine as db_engine
from sucre.adapters.db.engine import is_transient, retry_transient


class DriverError(Exception):
    """Stands for a psycopg error: what SQLAlchemy keeps in ``.orig``."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


def failure(sqlstate: str) -> OperationalError:
    return OperationalError("UPDATE positions ...", {}, DriverError(sqlstate))


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(db_engine.time, "sleep", slept.append)
    return slept


def test_deadlocks_and_serialization_failures_are_transient() -> None:
    assert is_transient(failure("40P01")) and is_transient(failure("40001"))
    assert not is_transient(failure("57014"))  # query_canceled
    assert not is_transient(IntegrityError("INSERT", {}, DriverError("23505")))
    assert not is_transient(RuntimeError("not a database error"))


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
def test_a_transient_failure_runs_the_whole_function_again(sqlstate: str,
                                                           no_sleep: list[float]) -> None:
    calls: list[int] = []

    @retry_transient
    def use_case(x: int) -> int:
        calls.append(x)
        if len(calls) < 3:
            raise failure(sqlstate)
        return x * 2

    assert use_case(21) == 42
    assert calls == [21, 21, 21]
    assert len(no_sleep) == 2
    assert all(0 <= s <= bounds.db_retry_backoff_max_s for s in no_sleep)


def test_attempts_are_bounded_and_the_last_error_is_raised(no_sleep: list[float]) -> None:
    calls: list[int] = []

    @retry_transient
    def always_deadlocks() -> None:
        calls.append(1)
        raise failure("40P01")

    with pytest.raises(OperationalError):
        always_deadlocks()
    assert len(calls) == bounds.db_transaction_attempts_max
    assert len(no_sleep) == bounds.db_transaction_attempts_max - 1


def test_other_errors_are_not_retried() -> None:
    calls: list[int] = []

    @retry_transient
    def duplicate() -> None:
        calls.append(1)
        raise IntegrityError("INSERT", {}, DriverError("23505"))

    with pytest.raises(IntegrityError):
        duplicate()
    assert calls == [1]
