"""Reading order files: any column order, optional columns may be left out."""

from __future__ import annotations

import io
from dataclasses import replace

from sucre.adapters.files import CsvInput
from sucre.adapters.orders_csv import COLUMNS, OPTIONAL, read_orders, write_orders
from tests import world


def csv_input(text: str) -> CsvInput:
    return CsvInput(io.BytesIO(text.encode("utf-8")), "orders.csv")


def test_columns_in_the_written_order_read_back_exactly() -> None:
    requests = [world.order("A", debtor_bank="B1"), world.order("B", importer=' "x", y ')]
    handle = io.StringIO()
    write_orders(handle, requests)
    handle.seek(0)
    malformed: list[tuple[int, str]] = []
    rows = read_orders(csv_input(handle.getvalue()), lambda *bad: malformed.append(bad))
    assert list(rows) == [(2, requests[0]), (3, requests[1])]
    assert malformed == []


def test_columns_in_any_order_and_without_the_optional_ones() -> None:
    request = world.order("A")
    names = [c for c in reversed(COLUMNS) if c not in OPTIONAL]
    text = ",".join(names) + "\n" + ",".join(getattr(request, c) for c in names) + "\n1,2\n"
    malformed: list[tuple[int, str]] = []
    rows = list(read_orders(csv_input(text), lambda *bad: malformed.append(bad)))
    assert rows == [(2, replace(request, debtor_bank="", creditor_bank="", importer="",
                                exporter=""))]
    assert malformed == [(3, f"expected {len(names)} fields, found 2")]
