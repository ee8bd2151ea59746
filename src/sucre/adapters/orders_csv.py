"""Payment orders from CSV: one order per row, columns named as ``OrderRequest`` fields.

Structural problems of the file (missing columns, too large) fail the whole file; a row with the
wrong number of fields is reported with its line number and skipped, and field-level validation
happens in the domain, which also reports by line.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TextIO

from sucre.domain import limits
from sucre.domain.errors import InvalidInput, LimitExceeded
from sucre.domain.orders import OrderRequest

COLUMNS = tuple(f.name for f in fields(OrderRequest))
#: Columns that may be left out: the request fields that have a default.
OPTIONAL = tuple(f.name for f in fields(OrderRequest) if f.default == "")


@dataclass(slots=True)
class OrderFile:
    """Rows of an order file that could be read, and the lines that could not."""

    path: Path
    malformed: list[tuple[int, str]] = field(default_factory=list)

    def rows(self) -> Iterator[tuple[int, OrderRequest]]:
        with self.path.open(newline="", encoding="utf-8") as handle:
            yield from read_orders(handle, self.malformed)


def open_order_file(path: Path) -> OrderFile:
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}", field="file")
    size = path.stat().st_size
    if size > limits.csv_bytes_max:
        raise LimitExceeded(f"{path} is {size} bytes; the limit is {limits.csv_bytes_max}",
                            field="file")
    if size == 0:
        raise InvalidInput(f"{path} is empty", field="file")
    return OrderFile(path)


def read_orders(handle: TextIO, malformed: list[tuple[int, str]]
                ) -> Iterator[tuple[int, OrderRequest]]:
    """Yield ``(line, request)``; append ``(line, reason)`` for rows that cannot be read."""
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None:
        raise InvalidInput("the file has no header row", field="file")
    names = [h.strip() for h in header]
    missing = [c for c in COLUMNS if c not in names and c not in OPTIONAL]
    if missing:
        raise InvalidInput(f"missing columns: {', '.join(missing)}", field="file",
                           reason_code="FF01")
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        raise InvalidInput(f"unknown columns: {', '.join(unknown)}", field="file")
    in_order = tuple(names) == COLUMNS  # then fields go in by position, without a dict
    for count, values in enumerate(reader, start=1):
        if count > limits.csv_rows_max:
            raise LimitExceeded(f"more than {limits.csv_rows_max} rows", field="file")
        line = reader.line_num
        if len(values) != len(names):
            malformed.append((line, f"expected {len(names)} fields, found {len(values)}"))
            continue
        yield line, (OrderRequest(*values) if in_order
                     else OrderRequest(**dict(zip(names, values, strict=True))))


def write_orders(handle: TextIO, requests: list[OrderRequest]) -> None:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in requests:
        writer.writerow([getattr(r, c) for c in COLUMNS])
