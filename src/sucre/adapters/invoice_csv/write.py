"""Writing the result of a set-off run: ``id,amount,cleared,remaining`` per invoice."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from sucre.adapters.files import FORMULA_STARTS, atomic_output, csv_cell
from sucre.adapters.invoice_csv.blocks import COMMA, DOT, NEWLINE, ZERO, Bytes, Int64Array
from sucre.domain.errors import invariant
from sucre.domain.money import decimals
from sucre.domain.setoff import EncodedIds, RowNumbers, SetoffResult

_RESULT_HEADER = "id,amount,cleared,remaining\n"
_QUOTED = (b",", b'"', b"\n", b"\r")
_WRITE_ROWS = 100_000
_FORMULA_BYTES = np.frombuffer("".join(FORMULA_STARTS).encode("ascii"), dtype=np.uint8)


def decimal_strings(minor: Int64Array, places: int) -> list[str]:
    """Non-negative minor units as canonical decimal text (``money.format_amount``'s format)."""
    if places == 0:
        return [str(value) for value in minor.tolist()]
    whole, fraction = np.divmod(minor, 10**places)
    template = "%d.%0" + str(places) + "d"
    return [template % pair for pair in zip(whole.tolist(), fraction.tolist(), strict=True)]


def decimal_bytes(minor: Int64Array, places: int) -> NDArray[np.uint8]:
    """The same text as :func:`decimal_strings`, as a (rows x width) byte matrix.

    Right-aligned, NUL where a row has no character; built digit column by digit column so a
    million amounts take tens of milliseconds instead of a Python call each.
    """
    invariant(int(minor.min(initial=0)) >= 0, "only non-negative amounts are written")
    whole, fraction = np.divmod(minor, 10**places)
    digits = len(str(int(whole.max(initial=0))))
    matrix = np.zeros((minor.size, digits + (places + 1 if places else 0)), dtype=np.uint8)
    rest = whole.copy()
    for i in range(digits):
        shown = (whole >= 10**i) | (i == 0)
        matrix[:, digits - 1 - i] = np.where(shown, rest % 10 + ZERO, 0)
        rest //= 10
    if places:
        matrix[:, digits] = DOT
        for i in range(places):
            matrix[:, digits + places - i] = fraction % 10 + ZERO
            fraction //= 10
    return matrix


def _id_bytes(ids: Sequence[str], window: slice) -> NDArray[np.uint8] | None:
    """Ids of a window as a byte matrix; ``None`` if one needs CSV quoting."""
    if isinstance(ids, RowNumbers):
        return decimal_bytes(np.arange(window.start + 1, min(window.stop, len(ids)) + 1), 0)
    values: Bytes
    if isinstance(ids, EncodedIds):
        values = ids.values[window]
    else:
        values = np.array([text.encode("utf-8") for text in ids[window]] or [b""],
                          dtype=np.bytes_)[:len(ids[window])]
    if any(bool(np.strings.find(values, mark).max(initial=-1) >= 0) for mark in _QUOTED):
        return None
    matrix = values.view(np.uint8).reshape(values.size, values.dtype.itemsize)
    if values.size and bool(np.isin(matrix[:, 0], _FORMULA_BYTES).any()):
        return None  # an id a spreadsheet would run as a formula: escaped by the text path
    return matrix


def _rendered(parts: Sequence[NDArray[np.uint8]]) -> bytes:
    """Rows of ``parts`` joined by commas and ended by newlines, NULs dropped."""
    rows = parts[0].shape[0]
    comma = np.full((rows, 1), COMMA, dtype=np.uint8)
    pieces: list[NDArray[np.uint8]] = []
    for part in parts:
        pieces += [part, comma]
    pieces[-1] = np.full((rows, 1), NEWLINE, dtype=np.uint8)
    matrix = np.concatenate(pieces, axis=1)
    return bytes(matrix[matrix != 0].tobytes())


def _result_rows_fast(result: SetoffResult, places: int) -> Iterator[bytes] | None:
    invoices = result.invoices
    columns = (invoices.amount_minor, result.invoice_cleared_minor,
               result.invoice_remaining_minor)
    chunks: list[bytes] = []
    for start in range(0, invoices.count, _WRITE_ROWS):
        window = slice(start, start + _WRITE_ROWS)
        ids = _id_bytes(invoices.ids, window)
        if ids is None:
            return None
        chunks.append(_rendered([ids, *(decimal_bytes(c[window], places) for c in columns)]))
    return iter(chunks)


def _result_rows_text(result: SetoffResult) -> Iterator[bytes]:
    """The general path: any ids (quoted by the ``csv`` module), mixed currency precisions."""
    invoices = result.invoices
    places = [decimals(code) for code in invoices.currency_codes]
    text = [np.empty(invoices.count, dtype=object) for _ in range(3)]
    for position, count in enumerate(places):
        mask = invoices.currency_index == position
        for column, minor in zip(text, (invoices.amount_minor, result.invoice_cleared_minor,
                                        result.invoice_remaining_minor), strict=True):
            column[mask] = decimal_strings(minor[mask], count)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(
        zip(map(csv_cell, invoices.ids), *(column.tolist() for column in text), strict=True))
    yield buffer.getvalue().encode("utf-8")


def write_result(path: Path, result: SetoffResult) -> None:
    """Write ``id,amount,cleared,remaining`` in each invoice's currency, atomically.

    The file appears complete or not at all (written beside it, then renamed over it). An id
    starting like a spreadsheet formula (``=``, ``+``, ``-``, ``@``) is written as ``'=...``.
    """
    places = {decimals(code) for code in result.invoices.currency_codes}
    rows = _result_rows_fast(result, places.pop()) if len(places) == 1 else None
    with atomic_output(path) as handle:
        handle.write(_RESULT_HEADER.encode("ascii"))
        for chunk in rows if rows is not None else _result_rows_text(result):
            handle.write(chunk)
