"""Payment orders from CSV: one order per row, columns named as ``OrderRequest`` fields.

Structural problems of the file (not UTF-8, binary, a field or line over its bound, columns missing,
unknown or named twice, too large) fail the whole file, before anything is imported (see
:mod:`sucre.adapters.files`); a row with the wrong number of fields is reported with its line number
and skipped, and field-level validation happens in the domain, which also reports by line.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TextIO

from sucre import bounds
from sucre.adapters.files import CsvInput, count_rows, open_input
from sucre.domain.errors import InvalidInput, LimitExceeded
from sucre.domain.orders import OrderRequest
from sucre.domain.text import printable

COLUMNS = tuple(f.name for f in fields(OrderRequest))
#: Columns that may be left out: the request fields that have a default.
OPTIONAL = tuple(f.name for f in fields(OrderRequest) if f.default == "")

#: Told of each row that cannot be read: (line, reason).
MalformedSink = Callable[[int, str], None]


@dataclass(slots=True)
class OrderFile:
    """An order file checked whole (:func:`open_order_file`); its rows are read on demand.

    Rows that cannot be read are counted in ``malformed_count``; the first
    ``bounds.import_errors_listed_max`` are kept in ``malformed`` as ``(line, reason)``.
    """

    path: Path
    rows_total: int = 0
    malformed: list[tuple[int, str]] = field(default_factory=list)
    malformed_count: int = 0

    def rows(self) -> Iterator[tuple[int, OrderRequest]]:
        with open_input(self.path) as handle:
            yield from read_orders(CsvInput(handle, self.path.name), self._malformed)

    def _malformed(self, line: int, reason: str) -> None:
        self.malformed_count += 1
        if len(self.malformed) < bounds.import_errors_listed_max:
            self.malformed.append((line, reason))


def open_order_file(path: Path) -> OrderFile:
    """The file, read once to its end with every structural check (encoding, binary data, field
    and line bounds, columns named twice) before any of it is imported."""
    rows = count_rows(path)
    if rows > bounds.csv_rows_max:
        raise LimitExceeded(f"{printable(path.name)} has {rows} rows; the limit is "
                            f"{bounds.csv_rows_max}", field="file")
    return OrderFile(path, rows)


def read_orders(source: CsvInput, malformed: MalformedSink) -> Iterator[tuple[int, OrderRequest]]:
    """Yield ``(line, request)``; tell ``malformed`` of rows that cannot be read."""
    names = source.header
    missing = [c for c in COLUMNS if c not in names and c not in OPTIONAL]
    if missing:
        raise InvalidInput(f"missing columns: {', '.join(missing)}", field="file",
                           reason_code="FF01")
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        raise InvalidInput(f"unknown columns: {', '.join(repr(n) for n in unknown)}",
                           field="file")
    in_order = tuple(names) == COLUMNS  # then fields go in by position, without a dict
    for count, (line, values) in enumerate(source.rows(), start=1):
        if count > bounds.csv_rows_max:
            raise LimitExceeded(f"more than {bounds.csv_rows_max} rows", field="file")
        if len(values) != len(names):
            malformed(line, f"expected {len(names)} fields, found {len(values)}")
            continue
        yield line, (OrderRequest(*values) if in_order
                     else OrderRequest(**dict(zip(names, values, strict=True))))


def write_orders(handle: TextIO, requests: list[OrderRequest]) -> None:
    """An order file as :func:`read_orders` reads it (tests and benchmarks write their input)."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in requests:
        writer.writerow([getattr(r, c) for c in COLUMNS])
