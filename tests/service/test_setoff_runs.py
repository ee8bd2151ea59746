"""Set-off in the pipeline: stored invoices, recorded runs, residuals paid through the chamber."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from sucre import bounds
from sucre.adapters.db import tables as t
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.errors import (
    BadRows,
    IdempotencyConflict,
    InvalidInput,
    NotFound,
    UnknownParty,
)
from sucre.domain.money import XSU, CurrencyCode
from sucre.domain.setoff.runs import ClearedInvoice
from sucre.service import setoff_runs
from sucre.service.setoff_runs import Invoice
from tests import world

DAY = dt.date(2026, 7, 2)


def invoice(external_id: str, debtor: str, creditor: str, amount_minor: int,
            currency: str = "XSU", **extra: object) -> Invoice:
    return Invoice(external_id, debtor, creditor, amount_minor, CurrencyCode(currency),
                   **extra)  # type: ignore[arg-type]


@pytest.fixture
def bloc_engine(engine: Engine) -> Engine:
    world.build(engine)
    return engine


@pytest.fixture
def bloc(bloc_engine: Engine) -> SqlUnitOfWork:
    """A unit of work on the test world (``bloc_engine``: the same database, for checks)."""
    return SqlUnitOfWork(bloc_engine)


def remaining(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(t.invoices.c.external_id, t.invoices.c.remaining_minor)
                                 ).tuples().all())


def test_a_run_clears_the_cycle_and_is_recorded(bloc_engine: Engine,
                                                bloc: SqlUnitOfWork) -> None:
    # The shared micro example: 10 -> 20 -> 30 -> 10 clears 300 of 500.
    setoff_runs.store_invoices(bloc, [
        invoice("1", "10", "20", 100), invoice("2", "20", "30", 100),
        invoice("3", "30", "10", 200), invoice("4", "40", "30", 100)])
    summary = setoff_runs.run_setoff(bloc, DAY)
    found = summary.findings
    assert (found.total_debt_minor, found.cleared_minor, found.remaining_minor) == (
        500, 300, 200)
    assert remaining(bloc_engine) == {"1": 0, "2": 0, "3": 100, "4": 100}
    with bloc_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.setoff_runs)).scalar() == 1
        cleared = conn.execute(select(func.sum(t.setoff_clearings.c.cleared_xsu_minor))).scalar()
    assert cleared == 300
    again = setoff_runs.run_setoff(bloc, DAY)  # nothing left on a cycle
    assert again.findings.cleared_minor == 0


def test_cross_currency_invoices_compare_in_xsu(bloc_engine: Engine,
                                                bloc: SqlUnitOfWork) -> None:
    # 2,400.00 CUP = 100 USD = 80.00 XSU; 10,000.00 VES = 100 USD = 80.00 XSU at 1.25 USD/XSU.
    setoff_runs.store_invoices(bloc, [
        invoice("a", "cu-importer", "ve-exporter", 240_000, "CUP"),
        invoice("b", "ve-exporter", "cu-importer", 1_000_000, "VES")])
    summary = setoff_runs.run_setoff(bloc, DAY)
    assert summary.findings.cleared_minor == 16_000
    assert remaining(bloc_engine) == {"a": 0, "b": 0}


def test_storing_is_idempotent_and_refuses_a_changed_body(bloc_engine: Engine,
                                                          bloc: SqlUnitOfWork) -> None:
    first = [invoice("1", "A", "B", 100, XSU)]
    assert setoff_runs.store_invoices(bloc, first) == (1, 0)
    assert setoff_runs.store_invoices(bloc, first) == (0, 1)
    with pytest.raises(IdempotencyConflict):
        setoff_runs.store_invoices(bloc, [invoice("1", "A", "B", 101, XSU)])
    with pytest.raises(InvalidInput):
        setoff_runs.store_invoices(bloc, [invoice("9", "A", "B", 1),
                                                 invoice("9", "A", "B", 1)])
    assert remaining(bloc_engine) == {"1": 100}


def test_the_whole_chain_debt_setoff_clearing_net_settlement(bloc_engine: Engine,
                                                             bloc: SqlUnitOfWork) -> None:
    goods = {"hs_code": "100630", "quantity": "10", "unit": "t"}
    setoff_runs.store_invoices(bloc, [
        invoice("r1", "alimport", "casa", 50_000, debtor_member="CUB", creditor_member="VEN",
                customs_ref="DUA-1", **goods),
        invoice("r2", "casa", "sojabol", 30_000, debtor_member="VEN", creditor_member="BOL",
                customs_ref="DUA-2", **goods),
        invoice("r3", "sojabol", "alimport", 20_000, debtor_member="BOL", creditor_member="CUB",
                customs_ref="DUA-3", **goods)])
    summary = setoff_runs.run_setoff(bloc, DAY)
    assert summary.findings.cleared_minor == 60_000  # 200.00 round the cycle, three times
    report = setoff_runs.pay_residuals(bloc, DAY)
    assert (report.accepted, report.invalid) == (2, 0)  # r1 300.00 and r2 100.00 remain
    settled = world.close(bloc_engine, "2026-H2", as_of=world.AFTER)
    assert settled["gross_xsu"] == "400.00"
    assert settled["positions"] == {"BCB": "100.00", "BCC": "-300.00", "BCN": "0.00",
                                    "BCV": "200.00", "ECCB": "0.00"}
    assert settled["net_xsu"] == "300.00"
    again = setoff_runs.pay_residuals(bloc, DAY)
    assert again.accepted == 0  # each paid once


def test_a_run_reports_each_member_state_before_and_after(bloc_engine: Engine,
                                                          bloc: SqlUnitOfWork) -> None:
    setoff_runs.store_invoices(bloc, [
        invoice("m1", "a", "b", 10_000, debtor_member="CUB", creditor_member="VEN"),
        invoice("m2", "b", "a", 4_000, debtor_member="VEN", creditor_member="CUB"),
        invoice("m3", "c", "a", 1_000)])  # no member state known
    summary = setoff_runs.run_setoff(bloc, DAY)
    assert setoff_runs.run_document(summary)["members"] == {
        "---": {"owes_before": "10.00", "owes_after": "10.00",
                "owed_before": "10.00", "owed_after": "10.00"},
        "CUB": {"owes_before": "100.00", "owes_after": "60.00",
                "owed_before": "40.00", "owed_after": "0.00"},
        "VEN": {"owes_before": "40.00", "owes_after": "0.00",
                "owed_before": "100.00", "owed_after": "60.00"}}
    runs = setoff_runs.list_runs(bloc)
    assert [(r.run_id, r.cleared_minor) for r in runs] == [(summary.run_id, 8_000)]
    detail = setoff_runs.run_detail(bloc, summary.run_id, limit=1)
    assert detail.run.findings == summary.findings  # read back from the run's rows
    assert detail.clearings_total == 2 and len(detail.clearings) == 1
    assert detail.clearings[0] == ClearedInvoice("m1", XSU, 10_000, 4_000, 4_000)
    with pytest.raises(NotFound):
        setoff_runs.run_detail(bloc, summary.run_id + 1)


def test_an_unknown_member_state_is_refused_and_nothing_stored(bloc_engine: Engine,
                                                               bloc: SqlUnitOfWork) -> None:
    with pytest.raises(UnknownParty) as caught:
        setoff_runs.store_invoices(bloc, [
            invoice("ok", "a", "b", 100, debtor_member="CUB"),
            invoice("bad", "a", "b", 100, creditor_member="XXX")])
    assert caught.value.field == "creditor_member"
    assert remaining(bloc_engine) == {}


def test_an_invoice_file_is_read_with_its_member_and_goods_columns(tmp_path: Path) -> None:
    path = tmp_path / "invoices.csv"
    path.write_text("id,debtor,creditor,amount,currency,debtor_member,creditor_member,hs_code\n"
                    "i1,alimport,casa,500.00,CUP,cub,VEN,100630\n"
                    "i2,casa,alimport,12.5,XSU,,,\n")
    first, second = setoff_runs.read_invoice_file(path)
    assert first == Invoice("i1", "alimport", "casa", 50_000, CurrencyCode("CUP"),
                            debtor_member="CUB", creditor_member="VEN", hs_code="100630")
    assert second == Invoice("i2", "casa", "alimport", 1_250, XSU)


def test_an_invoice_file_without_ids_cannot_be_stored(tmp_path: Path) -> None:
    path = tmp_path / "no-ids.csv"
    path.write_text("debtor,creditor,amount\na,b,1.00\n")
    with pytest.raises(InvalidInput) as caught:
        setoff_runs.read_invoice_file(path)
    assert caught.value.field == "id"


def test_an_overlong_goods_field_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("id,debtor,creditor,amount,unit\ni1,a,b,1.00,t\ni2,a,b,1.00,tonnes-metric\n")
    with pytest.raises(BadRows) as caught:
        setoff_runs.read_invoice_file(path)
    assert caught.value.errors == [(3, "unit", "longer than 8 characters")]


def test_an_invoice_file_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The member and goods columns come from the loader's one pass, not a second read."""
    path = tmp_path / "invoices.csv"
    path.write_text("id,debtor,creditor,amount,debtor_member,unit\ni1,a,b,1.00,cub,t\n")
    opened: list[str] = []
    real_open = os.open

    def counting_open(name: str | os.PathLike[str], *args: int) -> int:
        opened.append(os.fspath(name))
        return real_open(name, *args)

    monkeypatch.setattr(os, "open", counting_open)
    [read] = setoff_runs.read_invoice_file(path)
    monkeypatch.undo()
    assert opened.count(os.fspath(path)) == 1
    assert (read.debtor_member, read.unit) == ("CUB", "t")


def test_goods_columns_are_read_on_every_parsing_path(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Quoted rows (parsed line by line) and plain blocks alike; bad cells named by line."""
    path = tmp_path / "invoices.csv"
    plain = "".join(f"p{k},a,b,1.00,ven,100630,2,t\n" for k in range(40))
    path.write_text("id,debtor,creditor,amount,creditor_member,hs_code,quantity,unit\n"
                    'q1,"a, inc",b,1.00, cub ,,," kg "\n' + plain)
    monkeypatch.setattr(bounds, "setoff_csv_block_bytes", 128)
    first, *rest = setoff_runs.read_invoice_file(path)
    assert (first.debtor, first.creditor_member, first.hs_code, first.unit) == (
        "a, inc", "CUB", None, "kg")
    assert len(rest) == 40
    assert {(i.creditor_member, i.hs_code, i.quantity, i.unit) for i in rest} == {
        ("VEN", "100630", "2", "t")}
    path.write_text(path.read_text().replace("p30,a,b,1.00,ven,100630,2,t",
                                             "p30,a,b,1.00,ven,100630,two,t"))
    with pytest.raises(BadRows) as caught:
        setoff_runs.read_invoice_file(path)
    assert [(line, field) for line, field, _ in caught.value.errors] == [(33, "quantity")]


def test_an_invoice_owed_to_its_own_debtor_is_never_stored(bloc_engine: Engine,
                                                           bloc: SqlUnitOfWork) -> None:
    """A run refuses such an invoice, so a stored one would block every later run."""
    with pytest.raises(InvalidInput) as caught:
        setoff_runs.store_invoices(bloc, [invoice("ok", "a", "b", 100),
                                                 invoice("self", "a", "a", 100)])
    assert caught.value.field == "creditor"
    assert remaining(bloc_engine) == {}


def test_run_detail_can_list_only_some_member_states(bloc_engine: Engine,
                                                     bloc: SqlUnitOfWork) -> None:
    setoff_runs.store_invoices(bloc, [
        invoice("v1", "a", "b", 100, debtor_member="CUB", creditor_member="VEN"),
        invoice("v2", "b", "a", 100, debtor_member="VEN", creditor_member="CUB"),
        invoice("n1", "c", "d", 100, debtor_member="BOL", creditor_member="NIC"),
        invoice("n2", "d", "c", 100)])
    run_id = setoff_runs.run_setoff(bloc, DAY).run_id
    everything = setoff_runs.run_detail(bloc, run_id)
    only_ven = setoff_runs.run_detail(bloc, run_id, members=["VEN"])
    assert [c.external_id for c in everything.clearings] == ["v1", "v2", "n1", "n2"]
    assert [c.external_id for c in only_ven.clearings] == ["v1", "v2"]
    assert only_ven.clearings_total == 2
    assert (only_ven.clearings_members, everything.clearings_members) == (("VEN",), None)
    assert only_ven.run == everything.run
    assert setoff_runs.run_detail(bloc, run_id, members=[]).clearings == ()


def test_residual_order_keys_are_one_per_invoice_even_for_long_ids() -> None:
    short = setoff_runs.residual_order_key("INV-2026-0001")
    assert short == "INV-INV-2026-0001"
    first, second = (setoff_runs.residual_order_key("x" * 60 + tail) for tail in ("0001", "0002"))
    assert first != second and len(first) == len(second) == 64


def test_an_overlong_invoice_label_is_refused_before_storage(bloc_engine: Engine,
                                                             bloc: SqlUnitOfWork) -> None:
    with pytest.raises(InvalidInput) as caught:
        setoff_runs.store_invoices(bloc, [invoice("ok", "a", "b" * 65, 100)])
    assert caught.value.field == "creditor"
    assert remaining(bloc_engine) == {}


@pytest.mark.parametrize("field_name", ["debtor", "customs_ref", "external_id"])
def test_a_control_character_in_an_invoice_is_refused(bloc_engine: Engine,
                                                      bloc: SqlUnitOfWork,
                                                      field_name: str) -> None:
    fields = {"external_id": "i1", "debtor": "a", "creditor": "b", "amount_minor": 100,
              "currency": XSU, field_name: "x\x00y"}
    with pytest.raises(InvalidInput) as caught:
        setoff_runs.store_invoices(bloc, [Invoice(**fields)])  # type: ignore[arg-type]
    assert caught.value.field == ("id" if field_name == "external_id" else field_name)
    assert remaining(bloc_engine) == {}
