"""Invoice CSV files for set-off: load them fast and strictly, write the result.

Input: a header row naming the columns (any order, case-insensitive), then one invoice a line::

    id,debtor,creditor,amount,currency[,due_date]

``debtor``, ``creditor`` and ``amount`` are required. ``id`` may be absent: the 1-based data row
number stands in. ``currency`` may be absent: every invoice is then in ``default_currency``.
``due_date`` (YYYY-MM-DD) is optional and only orders the disaggregation (oldest first). Other
columns are ignored, so an expected-results file loads too. Fields are stripped of surrounding
blanks. Amounts are decimal text in major units, parsed exactly by the rule of
``money.parse_amount`` (refused, never rounded, when over-precise).

Every bad row is reported with its line number (the header is line 1) in one
:class:`CsvRowErrors`; reading stops after ``limits.setoff_csv_errors_max`` errors. Line breaks
inside quoted fields are refused, so a line number is always a physical line. Blank lines at the
end of the file are ignored; elsewhere they are errors.

Speed (10^6 rows in about half a second): the file is read in blocks of
``limits.setoff_csv_block_bytes``. A block of plain records (no quote, no blank to strip, the
right number of commas on every line) is parsed with numpy on its bytes: separator positions,
each field gathered into a fixed-width byte array, amounts parsed digit column by digit column,
parties mapped through ``np.unique`` so that Python only touches each distinct label once per
block. Other blocks go line by line (quoted lines through the ``csv`` module) into the same byte
arrays. Anything that is not a plain decimal amount goes through ``money.parse_amount`` itself,
which accepts or refuses it with its own message. The cyclic garbage collector is paused while
loading: the parse allocates many small containers that never form cycles (it tripled the load
time, measured).
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import itertools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NoReturn

import numpy as np
from numpy.typing import NDArray

from sucre.adapters.files import FORMULA_STARTS, atomic_output, csv_cell, open_input
from sucre.domain import limits
from sucre.domain.errors import (
    BadRows,
    ErrorRow,
    InvalidCurrency,
    InvalidInput,
    LimitExceeded,
    SucreError,
    invariant,
)
from sucre.domain.money import (
    XSU,
    CurrencyCode,
    currency,
    decimals,
    parse_amount,
    parse_minor_units,
)
from sucre.domain.setoff import EncodedIds, InvoiceSet, RowNumbers, SetoffResult

Int64Array = NDArray[np.int64]
Bytes = NDArray[np.bytes_]
ProgressCallback = Callable[[int], None]

_REQUIRED = ("debtor", "creditor", "amount")
_OPTIONAL = ("id", "currency", "due_date")
_INT64_DIGITS = 18   # any 18-digit integer fits int64
_COMMA, _NEWLINE, _DOT, _ZERO = 44, 10, 46, 48
_NOT_PLAIN = (b'"', b"\t", b"\r")
_BLANK_EDGES = (b" ,", b", ", b" \n", b"\n ")
_EPOCH = dt.date(1970, 1, 1)
_NO_DAY = -(2**62)
_RESULT_HEADER = "id,amount,cleared,remaining\n"
_QUOTED = (b",", b'"', b"\n", b"\r")
_WRITE_ROWS = 100_000
_FORMULA_BYTES = np.frombuffer("".join(FORMULA_STARTS).encode("ascii"), dtype=np.uint8)


_LONG_FIELD = f"a field is longer than {limits.csv_field_chars_max} characters"


class CsvRowErrors(BadRows):
    """Bad rows of an invoice file."""


@dataclass(frozen=True, slots=True)
class _Columns:
    """Positions of the known columns in a row, and the number of fields a row must have."""

    width: int
    position: dict[str, int]

    def has(self, name: str) -> bool:
        return name in self.position


# --- reading: blocks and fields -----------------------------------------------------------------


@contextmanager
def _gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _checked(block: bytes, first_line: int, source: str) -> bytes:
    """A block with CRLF made LF, refused if it is not UTF-8 or holds a NUL byte."""
    try:
        block.decode("utf-8")
    except UnicodeDecodeError as error:
        line = first_line + block.count(b"\n", 0, error.start)
        raise CsvRowErrors(source, [(line, "file", "not UTF-8 text")]) from None
    nul = block.find(b"\x00")
    if nul >= 0:
        line = first_line + block.count(b"\n", 0, nul)
        raise CsvRowErrors(source, [(line, "file", "NUL byte in the file")])
    return block.replace(b"\r\n", b"\n") if b"\r" in block else block


def _line_blocks(handle: BinaryIO, source: str) -> Iterator[tuple[int, bytes]]:
    """Blocks of whole lines as (number of the first line, bytes without the final newline)."""
    carry, line = b"", 1
    while chunk := handle.read(limits.setoff_csv_block_bytes):
        data = carry + chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            if len(data) > limits.csv_line_bytes_max:
                # No line break in sight: refused before the whole file is held in memory.
                raise CsvRowErrors(source, [(line, "file", f"line longer than "
                                                           f"{limits.csv_line_bytes_max} bytes")])
            carry = data
            continue
        block, carry = data[:cut], data[cut + 1:]
        yield line, _checked(block, line, source)
        line += block.count(b"\n") + 1
    if carry:
        yield line, _checked(carry, line, source)


def _fields(line: str) -> list[str] | None:
    """The fields of one line (``None`` for an unterminated quote)."""
    if '"' not in line:
        return line.split(",")
    try:
        return next(csv.reader((line,), strict=True))
    except csv.Error:
        return None


def _read_header(data: bytes, source: str) -> _Columns:
    text = data.decode("utf-8").removeprefix("\ufeff")
    names = [name.strip().lower() for name in (_fields(text) or [])]
    errors = [(1, name, f"missing column {name!r}") for name in _REQUIRED if name not in names]
    errors += [(1, name, "column appears twice") for name in sorted(set(names))
               if name and names.count(name) > 1]
    if errors:
        raise CsvRowErrors(source, errors)
    return _Columns(width=len(names), position={
        name: i for i, name in enumerate(names) if name in _REQUIRED + _OPTIONAL})


def _plain_fields(data: bytes, width: int) -> tuple[NDArray[np.uint8], Int64Array,
                                                     Int64Array] | None:
    """Raw bytes, field starts and lengths (rows x width) of a block of plain records.

    ``None`` when any line is not plain: a quote, a blank to strip, a wrong number of commas, a
    field longer than any valid one.
    """
    if any(mark in data for mark in _NOT_PLAIN):
        return None
    if b" " in data and (any(edge in data for edge in _BLANK_EDGES)
                         or data[:1] == b" " or data[-1:] == b" "):
        return None
    raw = np.frombuffer(data, dtype=np.uint8)
    separators = np.flatnonzero((raw == _COMMA) | (raw == _NEWLINE))
    rows = data.count(b"\n") + 1
    if separators.size != rows * width - 1:
        return None
    newlines = np.flatnonzero(raw[separators] == _NEWLINE)
    if not np.array_equal(newlines, np.arange(width - 1, separators.size, width)):
        return None
    ends = np.append(separators, raw.size).reshape(rows, width)
    starts = np.concatenate(([0], separators + 1)).reshape(rows, width)
    lengths = ends - starts
    if int(lengths.max(initial=0)) > limits.text_chars_max:
        # No valid field is this long, and gathering costs rows x the widest field: one
        # megabyte-long amount would make it gigabytes. The row-by-row path reports it.
        return None
    return raw, starts, lengths


def _gather(raw: NDArray[np.uint8], starts: Int64Array, lengths: Int64Array) -> Bytes:
    """Fields as a fixed-width byte-string array (zero padded), without Python strings."""
    width = max(1, int(lengths.max(initial=0)))
    offsets = np.arange(width, dtype=np.int32)
    index = np.minimum(starts.astype(np.int32)[:, None] + offsets, raw.size - 1)
    matrix = raw[index] * (offsets < lengths.astype(np.int32)[:, None])
    return np.ascontiguousarray(matrix, dtype=np.uint8).view(f"S{width}").ravel()


def _short_keys(values: Bytes) -> NDArray[np.uint64]:
    """Values of at most 8 bytes as integers (zero padded; distinct values, distinct keys)."""
    size = values.dtype.itemsize
    keys = np.zeros((values.size, 8), dtype=np.uint8)
    keys[:, :size] = values.view(np.uint8).reshape(-1, size)
    return keys.view(np.uint64).ravel()


def _first_rows(inverse: Int64Array, distinct: int) -> Int64Array:
    first = np.full(distinct, inverse.size, dtype=np.int64)
    np.minimum.at(first, inverse, np.arange(inverse.size, dtype=np.int64))
    return first


def _distinct(values: Bytes) -> tuple[list[str], Int64Array, Int64Array]:
    """Distinct values (decoded), the first row of each, and per row the index of its value."""
    if values.dtype.itemsize <= 8:
        unique_keys, inverse = np.unique(_short_keys(values), return_inverse=True)
        unique: Bytes = unique_keys.view("S8")
    else:
        unique, inverse = np.unique(values, return_inverse=True)
    inverse = inverse.astype(np.int64).ravel()
    return _texts(unique), _first_rows(inverse, unique.size), inverse


class _PartyIndex:
    """Party label -> index in order of first appearance.

    The dict is the truth. Labels of at most 8 bytes also live in a sorted array of integer
    keys, so a block of short labels is mapped with ``np.unique`` and ``np.searchsorted``:
    Python touches only the labels it has not seen before (10^5 for 10^6 invoices).
    """

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.known_keys = np.zeros(0, dtype=np.uint64)
        self.known_codes = np.zeros(0, dtype=np.int64)

    def labels(self) -> tuple[str, ...]:
        return tuple(self.index)

    def map_labels(self, labels: list[str]) -> list[int]:
        """Indexes of accepted labels given in order of first appearance (new ones appended)."""
        index = self.index
        return [index.setdefault(label, len(index)) for label in labels]

    def map_short(self, values: Bytes) -> Int64Array:
        """Indexes of short labels (at most 8 bytes); -1 for an empty one."""
        unique, inverse = np.unique(_short_keys(values), return_inverse=True)
        inverse = inverse.astype(np.int64).ravel()
        position = np.minimum(np.searchsorted(self.known_keys, unique),
                              max(self.known_keys.size - 1, 0))
        known = (self.known_keys[position] == unique) if self.known_keys.size else (
            np.zeros(unique.size, dtype=np.bool_))
        codes = np.full(unique.size, -1, dtype=np.int64)
        codes[known] = self.known_codes[position[known]]
        missing = np.flatnonzero(~known & (unique != 0))   # key 0 is the empty label
        missing = missing[np.argsort(_first_rows(inverse, unique.size)[missing])]
        codes[missing] = self.map_labels(_texts(unique[missing].view("S8")))
        keys = np.concatenate((self.known_keys, unique[missing]))
        order = np.argsort(keys)
        self.known_keys = keys[order]
        self.known_codes = np.concatenate((self.known_codes, codes[missing]))[order]
        return codes[inverse]


def _texts(values: Bytes) -> list[str]:
    """Decode a byte-string array (ASCII in one C call, UTF-8 value by value otherwise)."""
    try:
        texts: list[str] = values.astype(np.str_).tolist()
    except UnicodeDecodeError:
        texts = [value.decode("utf-8") for value in values.tolist()]
    return texts


def _plain_decimals(values: Bytes, places: Int64Array) -> tuple[Int64Array, NDArray[np.bool_]]:
    """Parse amounts written as plain decimals (``123``, ``123.4``, ``0.45``), digit by digit.

    Returns minor units and a mask of the values that were plain: the rule of
    ``decimal_text.PATTERN`` (1 to ``limits.decimal_whole_digits_max`` whole digits, at most one
    dot followed by digits, nothing else) with at most ``places`` decimals. The others are left
    to ``money.parse_amount`` (or ``parse_minor_units``), which accept or refuse them by the same
    rule.
    """
    count, width = values.size, values.dtype.itemsize
    value = np.zeros(count, dtype=np.int64)
    if count == 0 or width + int(places.max()) > _INT64_DIGITS:
        return value, np.zeros(count, dtype=np.bool_)
    whole, fraction, dots = (np.zeros(count, dtype=np.int64) for _ in range(3))
    ended, bad = np.zeros(count, dtype=np.bool_), np.zeros(count, dtype=np.bool_)
    for column in values.view(np.uint8).reshape(count, width).T.copy():
        digit = column - np.uint8(_ZERO)
        is_digit, is_dot, is_end = digit < 10, column == _DOT, column == 0
        bad |= ~(is_digit | is_dot | is_end) | (ended & ~is_end)
        ended |= is_end
        value = value * np.where(is_digit, 10, 1) + np.where(is_digit, digit, 0)
        fraction += is_digit & (dots > 0)
        whole += is_digit & (dots == 0)
        dots += is_dot
    plain = (~bad & (whole >= 1) & (whole <= limits.decimal_whole_digits_max)
             & (((dots == 0) & (fraction == 0))
                | ((dots == 1) & (fraction >= 1) & (fraction <= places))))
    shift = np.clip(places - fraction, 0, None)
    return value * np.power(10, shift, dtype=np.int64), plain


# --- reading: the file ----------------------------------------------------------------------------


def load_invoices(path: Path, *, default_currency: CurrencyCode = XSU, minor_units: bool = False,
                  on_progress: ProgressCallback | None = None) -> InvoiceSet:
    """Load and validate an invoice file; raise one error listing every bad row.

    Amounts are decimal text in the invoice's currency (``1250.50``), or with ``minor_units``
    whole numbers of its minor unit (``125050``), as published obligation networks write them.
    """
    source = path.name
    with open_input(path) as handle, _gc_paused():
        blocks = _line_blocks(handle, source)
        first = next(blocks, None)
        if first is None:
            raise CsvRowErrors(source, [(1, "file", "the file is empty")])
        header, newline, rest = first[1].partition(b"\n")
        builder = _Builder(_read_header(header, source), default_currency, minor_units)
        for first_line, data in itertools.chain([(2, rest)] if newline else [], blocks):
            builder.add_block(data, first_line)
            if on_progress is not None:
                on_progress(builder.lines_seen)
            if builder.full:
                break
        return builder.finish(source)


class _Builder:
    """Validates blocks of rows into int64 columns, collecting every error with its line."""

    def __init__(self, columns: _Columns, default_currency: CurrencyCode,
                 minor_units: bool = False) -> None:
        self.columns = columns
        self.default_currency = default_currency
        self.minor_units = minor_units
        self.codes: list[CurrencyCode] = [] if columns.has("currency") else [default_currency]
        self.parties = _PartyIndex()
        self.currency_positions: dict[str, int] = {}
        self.errors: list[ErrorRow] = []
        self.blank_lines: list[int] = []
        self.last_record_line = 1
        self.lines_seen = 0
        self.ids: list[Bytes] = []
        self.id_lines: list[Int64Array] = []
        self.parts: dict[str, list[Int64Array]] = {
            "debtor": [], "creditor": [], "amount": [], "currency": [], "due": []}

    @property
    def full(self) -> bool:
        return len(self.errors) >= limits.setoff_csv_errors_max

    def error(self, line: int, field: str, reason: str) -> None:
        self.errors.append((line, field, reason))

    # -- blocks --

    def add_block(self, data: bytes, first_line: int) -> None:
        rows = data.count(b"\n") + 1
        rows_max = min(limits.csv_rows_max, limits.setoff_invoices_max)
        if self.lines_seen + rows > rows_max:
            raise LimitExceeded(f"more than {rows_max} invoice rows (line "
                                f"{first_line + rows_max - self.lines_seen})", field="file")
        self.lines_seen += rows
        plain = _plain_fields(data, self.columns.width)
        if plain is None:
            columns, lines = self._columns_line_by_line(data.decode("utf-8"), first_line)
        else:
            raw, starts, lengths = plain
            if (int(lengths.max(initial=0)) > limits.csv_field_chars_max
                    and self._long_fields(raw, starts, lengths, first_line)):
                return  # the file is refused: the block's other rows need not be parsed
            columns = {name: _gather(raw, starts[:, i], lengths[:, i])
                       for name, i in self.columns.position.items()}
            lines = np.arange(first_line, first_line + rows, dtype=np.int64)
            self.last_record_line = first_line + rows - 1
        if lines.size:
            self._add_records(columns, lines)

    def _columns_line_by_line(self, text: str,
                              first_line: int) -> tuple[dict[str, Bytes], Int64Array]:
        width = self.columns.width
        rows: list[list[str]] = []
        numbers: list[int] = []
        for number, line in enumerate(text.split("\n"), start=first_line):
            if not line.strip():
                self.blank_lines.append(number)
                continue
            self.last_record_line = number
            fields = _fields(line)
            if fields is None:
                self.error(number, "row", "unterminated quote (line breaks inside a field "
                                          "are not supported)")
            elif max(map(len, fields)) > limits.csv_field_chars_max:
                self.error(number, "row", _LONG_FIELD)
            elif len(fields) != width:
                self.error(number, "row", f"expected {width} fields, found {len(fields)}")
            else:
                rows.append(fields)
                numbers.append(number)
        columns = {name: np.array([row[i].strip().encode() for row in rows] or [b""],
                                  dtype=np.bytes_)[:len(rows)]
                   for name, i in self.columns.position.items()}
        return columns, np.array(numbers, dtype=np.int64)

    def _long_fields(self, raw: NDArray[np.uint8], starts: Int64Array, lengths: Int64Array,
                     first_line: int) -> bool:
        """Report the rows of a plain block holding a field over the bound (in characters)."""
        data, found = raw.tobytes(), False
        for row, column in zip(*np.nonzero(lengths > limits.csv_field_chars_max), strict=True):
            start = int(starts[row, column])
            text = data[start:start + int(lengths[row, column])].decode("utf-8")
            if len(text) > limits.csv_field_chars_max:
                self.error(first_line + int(row), "row", _LONG_FIELD)
                found = True
        return found

    # -- fields --

    def _add_records(self, columns: dict[str, Bytes], lines: Int64Array) -> None:
        debtor, creditor = self._parties(columns["debtor"], columns["creditor"], lines)
        for line in lines[(debtor == creditor) & (debtor >= 0)].tolist():
            self.error(line, "creditor", "debtor and creditor are the same party")
        currency_index = (self._currencies(columns["currency"], lines) if "currency" in columns
                          else np.zeros(lines.size, dtype=np.int64))
        amount = self._amounts(columns["amount"], currency_index, lines)
        due = self._due_days(columns["due_date"], lines) if "due_date" in columns else None
        if "id" in columns:
            self._ids(columns["id"], lines)
        if not self.errors:
            for name, part in (("debtor", debtor), ("creditor", creditor), ("amount", amount),
                               ("currency", currency_index), ("due", due)):
                if part is not None:
                    self.parts[name].append(part)

    def _label_problem(self, label: str) -> str | None:
        if not label:
            return "empty"
        if len(label) > limits.text_chars_max:
            return f"longer than {limits.text_chars_max} characters"
        return None

    def _report(self, problems: list[str | None], inverse: Int64Array, lines: Int64Array,
                field: str) -> NDArray[np.bool_]:
        """Report rows whose distinct value has a problem; return the mask of bad rows."""
        bad_value = np.array([problem is not None for problem in problems], dtype=np.bool_)
        bad_row = bad_value[inverse] if bad_value.size else np.zeros(0, dtype=np.bool_)
        for k in np.flatnonzero(bad_row).tolist():
            self.error(int(lines[k]), field, str(problems[int(inverse[k])]))
        return bad_row

    def _parties(self, debtors: Bytes, creditors: Bytes,
                 lines: Int64Array) -> tuple[Int64Array, Int64Array]:
        """Party indexes in order of first appearance (-1 for a refused label).

        Debtors and creditors are mapped together, interleaved row by row (debtor before
        creditor): the order of ``InvoiceSet.from_records``, whatever the block size.
        """
        values = np.empty(2 * lines.size, dtype=np.result_type(debtors.dtype, creditors.dtype))
        values[0::2], values[1::2] = debtors, creditors
        if values.dtype.itemsize <= 8:
            party = self.parties.map_short(values)
            for k in np.flatnonzero(party < 0).tolist():
                self.error(int(lines[k // 2]), ("debtor", "creditor")[k % 2], "empty")
        else:
            labels, first_seen, inverse = _distinct(values)
            problems = [self._label_problem(label) for label in labels]
            self._report(problems, inverse[0::2], lines, "debtor")
            self._report(problems, inverse[1::2], lines, "creditor")
            accepted = [k for k in np.argsort(first_seen).tolist() if problems[k] is None]
            codes = self.parties.map_labels([labels[k] for k in accepted])
            by_distinct = np.full(len(labels), -1, dtype=np.int64)
            by_distinct[accepted] = codes
            party = by_distinct[inverse]
        return party[0::2], party[1::2]

    def _currency_position(self, text: str) -> int:
        if text not in self.currency_positions:
            try:
                code = currency(text)
            except InvalidCurrency:
                self.currency_positions[text] = -1
                return -1
            if code not in self.codes:
                self.codes.append(code)
            self.currency_positions[text] = self.codes.index(code)
        return self.currency_positions[text]

    def _currencies(self, values: Bytes, lines: Int64Array) -> Int64Array:
        texts, _, inverse = _distinct(values)
        positions = np.array([self._currency_position(text) for text in texts], dtype=np.int64)
        self._report([None if p >= 0 else f"unknown or unsupported currency {t!r}"
                      for t, p in zip(texts, positions.tolist(), strict=True)],
                     inverse, lines, "currency")
        return positions[inverse]

    def _amounts(self, values: Bytes, currency_index: Int64Array,
                 lines: Int64Array) -> Int64Array:
        codes = [*self.codes, self.default_currency]   # position -1: a row of unknown currency
        places = np.array([decimals(code) for code in codes], dtype=np.int64)[currency_index]
        if self.minor_units:
            places = np.zeros_like(places)
        minor, plain = _plain_decimals(values, places)
        suspect = ~plain | (minor <= 0) | (minor > limits.amount_minor_max)
        for k in np.flatnonzero(suspect).tolist():
            text = values[k].decode("utf-8", "replace")
            try:
                minor[k] = (parse_minor_units(text) if self.minor_units
                            else parse_amount(text, codes[int(currency_index[k])]))
            except SucreError as error:
                self.error(int(lines[k]), "amount", error.message)
        return minor

    def _due_days(self, values: Bytes, lines: Int64Array) -> Int64Array:
        texts, _, inverse = _distinct(values)
        days = [_day_number(text) for text in texts]
        self._report([None if day != _NO_DAY else f"not a date (YYYY-MM-DD): {text!r}"
                      for text, day in zip(texts, days, strict=True)], inverse, lines, "due_date")
        return np.array(days, dtype=np.int64)[inverse]

    def _ids(self, values: Bytes, lines: Int64Array) -> None:
        """Keep ids as bytes (decoded only on demand); refuse empty and over-long ones."""
        lengths = np.strings.str_len(values)
        if not bool(lengths.min(initial=1)) or int(lengths.max(initial=0)) > limits.text_chars_max:
            for k, text in enumerate(_texts(values)):
                problem = self._label_problem(text)
                if problem:
                    self.error(int(lines[k]), "id", problem)
        self.ids.append(values)
        self.id_lines.append(lines)

    # -- the end --

    def _blank_line_errors(self) -> None:
        for line in self.blank_lines:
            if line < self.last_record_line:
                self.error(line, "row", "blank line")

    def _id_column(self) -> EncodedIds:
        return EncodedIds(np.concatenate(self.ids) if self.ids else np.zeros(0, dtype="S1"))

    def _duplicate_id_errors(self) -> None:
        first_line: dict[str, int] = {}
        lines = np.concatenate(self.id_lines).tolist() if self.id_lines else []
        for text, line in zip(self._id_column(), lines, strict=True):
            seen = first_line.setdefault(text, line)
            if seen != line and text:
                self.error(line, "id", f"duplicate id {text!r} (first on line {seen})")

    def _refuse(self, source: str) -> NoReturn:
        errors = sorted(self.errors)[:limits.setoff_csv_errors_max]
        raise CsvRowErrors(source, errors, truncated=self.full)

    def finish(self, source: str) -> InvoiceSet:
        """The invoice set, or one error listing every bad row (ids checked once, here)."""
        self._blank_line_errors()
        if self.errors:
            if self.columns.has("id") and not self._id_column().all_unique():
                self._duplicate_id_errors()
            self._refuse(source)
        if not self.parts["debtor"]:
            raise CsvRowErrors(source, [(2, "file", "no invoices after the header")])
        columns = {name: np.concatenate(parts) for name, parts in self.parts.items() if parts}
        count = int(columns["debtor"].size)
        try:
            return InvoiceSet(
                ids=self._id_column() if self.columns.has("id") else RowNumbers(count),
                party_labels=self.parties.labels(),
                debtor=columns["debtor"],
                creditor=columns["creditor"], amount_minor=columns["amount"],
                currency_codes=tuple(self.codes), currency_index=columns["currency"],
                due_day=columns.get("due"))
        except InvalidInput as error:
            if error.field != "id":
                raise
            self._duplicate_id_errors()
            self._refuse(source)


def _day_number(text: str) -> int:
    """Days since 1970-01-01 of a YYYY-MM-DD date, or ``_NO_DAY``."""
    try:
        if len(text) != 10:
            return _NO_DAY
        return (dt.date.fromisoformat(text) - _EPOCH).days
    except ValueError:
        return _NO_DAY


# --- writing -------------------------------------------------------------------------------------


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
        matrix[:, digits - 1 - i] = np.where(shown, rest % 10 + _ZERO, 0)
        rest //= 10
    if places:
        matrix[:, digits] = _DOT
        for i in range(places):
            matrix[:, digits + places - i] = fraction % 10 + _ZERO
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
    comma = np.full((rows, 1), _COMMA, dtype=np.uint8)
    pieces: list[NDArray[np.uint8]] = []
    for part in parts:
        pieces += [part, comma]
    pieces[-1] = np.full((rows, 1), _NEWLINE, dtype=np.uint8)
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
