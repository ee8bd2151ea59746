"""Reading an invoice file: its header, then every row validated into int64 columns."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import numpy as np
from numpy.typing import NDArray

from sucre import bounds
from sucre.adapters.files import open_input
from sucre.adapters.invoice_csv.blocks import (
    Bytes,
    CsvRowErrors,
    Int64Array,
    PartyIndex,
    decoded,
    distinct,
    gather,
    gc_paused,
    line_blocks,
    line_fields,
    plain_decimals,
    plain_fields,
)
from sucre.domain.errors import ErrorRow, InvalidCurrency, InvalidInput, LimitExceeded, SucreError
from sucre.domain.money import (
    XSU,
    CurrencyCode,
    currency,
    decimals,
    parse_amount,
    parse_minor_units,
)
from sucre.domain.setoff import EncodedIds, InvoiceSet, RowNumbers

ProgressCallback = Callable[[int], None]

_REQUIRED = ("debtor", "creditor", "amount")
_OPTIONAL = ("id", "currency", "due_date")
_EPOCH = dt.date(1970, 1, 1)
#: Marks a due_date cell that is not a date: the row is refused, the marker never stored.
_NOT_A_DAY = -(2**62)
_LONG_FIELD = f"a field is longer than {bounds.csv_field_chars_max} characters"


@dataclass(frozen=True, slots=True)
class _Columns:
    """Positions of the known columns in a row, and the number of fields a row must have."""

    width: int
    position: dict[str, int]

    def has(self, name: str) -> bool:
        return name in self.position


@dataclass(frozen=True, slots=True)
class LoadedInvoices:
    """An invoice set with the text of further columns, read in the same pass.

    ``text[column][k]`` is invoice ``k``'s cell, stripped, ``None`` when empty; only columns the
    file has are keys. ``lines[k]`` is the line invoice ``k`` was read from (the header is 1).
    """

    invoices: InvoiceSet
    text: dict[str, list[str | None]]
    lines: Int64Array


def _read_header(data: bytes, source: str, text_columns: Sequence[str] = ()) -> _Columns:
    text = data.decode("utf-8").removeprefix("\ufeff")
    names = [name.strip().lower() for name in (line_fields(text) or [])]
    errors = [(1, name, f"missing column {name!r}") for name in _REQUIRED if name not in names]
    errors += [(1, name, "column appears twice") for name in sorted(set(names))
               if name and names.count(name) > 1]
    if errors:
        raise CsvRowErrors(source, errors)
    return _Columns(width=len(names), position={
        name: i for i, name in enumerate(names)
        if name in _REQUIRED or name in _OPTIONAL or name in text_columns})


def load_invoices(path: Path, *, default_currency: CurrencyCode = XSU, minor_units: bool = False,
                  on_progress: ProgressCallback | None = None) -> InvoiceSet:
    """Load and validate an invoice file; raise one error listing every bad row.

    Amounts are decimal text in the invoice's currency (``1250.50``), or with ``minor_units``
    whole numbers of its minor unit (``125050``), as published obligation networks write them.
    """
    return load_invoice_columns(path, default_currency=default_currency, minor_units=minor_units,
                                on_progress=on_progress).invoices


def load_invoice_columns(path: Path, *, text_columns: Sequence[str] = (),
                         default_currency: CurrencyCode = XSU, minor_units: bool = False,
                         on_progress: ProgressCallback | None = None) -> LoadedInvoices:
    """:func:`load_invoices`, and in the same one pass the cells of ``text_columns`` as text.

    The text columns are taken as they are (stripped); checking them is the caller's business.
    """
    source = path.name
    with open_input(path) as handle, gc_paused():
        blocks = line_blocks(handle, source)
        first = next(blocks, None)
        if first is None:
            raise CsvRowErrors(source, [(1, "file", "the file is empty")])
        header, newline, rest = first[1].partition(b"\n")
        builder = _Builder(_read_header(header, source, text_columns), default_currency,
                           minor_units, text_columns)
        for first_line, data in itertools.chain([(2, rest)] if newline else [], blocks):
            builder.add_block(data, first_line)
            if on_progress is not None:
                on_progress(builder.lines_seen)
            if builder.full:
                break
        invoices = builder.finish(source)
        return LoadedInvoices(invoices, builder.text(), builder.record_lines())


class _Builder:
    """Validates blocks of rows into int64 columns, collecting every error with its line."""

    def __init__(self, columns: _Columns, default_currency: CurrencyCode,
                 minor_units: bool = False, text_columns: Sequence[str] = ()) -> None:
        self.columns = columns
        self.default_currency = default_currency
        self.minor_units = minor_units
        self.codes: list[CurrencyCode] = [] if columns.has("currency") else [default_currency]
        self.parties = PartyIndex()
        self.currency_positions: dict[str, int] = {}
        self.errors: list[ErrorRow] = []
        self.blank_lines: list[int] = []
        self.last_record_line = 1
        self.lines_seen = 0
        self.ids: list[Bytes] = []
        self.id_lines: list[Int64Array] = []
        self.text_parts: dict[str, list[Bytes]] = {
            name: [] for name in text_columns if columns.has(name)}
        self.line_parts: list[Int64Array] = []
        self.parts: dict[str, list[Int64Array]] = {
            "debtor": [], "creditor": [], "amount": [], "currency": [], "due": []}

    @property
    def full(self) -> bool:
        return len(self.errors) >= bounds.setoff_csv_errors_max

    def error(self, line: int, field: str, reason: str) -> None:
        self.errors.append((line, field, reason))

    # -- blocks --

    def add_block(self, data: bytes, first_line: int) -> None:
        rows = data.count(b"\n") + 1
        rows_max = min(bounds.csv_rows_max, bounds.setoff_invoices_max)
        if self.lines_seen + rows > rows_max:
            raise LimitExceeded(f"more than {rows_max} invoice rows (line "
                                f"{first_line + rows_max - self.lines_seen})", field="file")
        self.lines_seen += rows
        plain = plain_fields(data, self.columns.width)
        if plain is None:
            columns, lines = self._columns_line_by_line(data.decode("utf-8"), first_line)
        else:
            raw, starts, lengths = plain
            if (int(lengths.max(initial=0)) > bounds.csv_field_chars_max
                    and self._long_fields(raw, starts, lengths, first_line)):
                return  # the file is refused: the block's other rows need not be parsed
            columns = {name: gather(raw, starts[:, i], lengths[:, i])
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
            fields = line_fields(line)
            if fields is None:
                self.error(number, "row", "unterminated quote (line breaks inside a field "
                                          "are not supported)")
            elif max(map(len, fields)) > bounds.csv_field_chars_max:
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
        for row, column in zip(*np.nonzero(lengths > bounds.csv_field_chars_max), strict=True):
            start = int(starts[row, column])
            text = data[start:start + int(lengths[row, column])].decode("utf-8")
            if len(text) > bounds.csv_field_chars_max:
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
            for name, text_parts in self.text_parts.items():
                text_parts.append(columns[name])
            self.line_parts.append(lines)

    def _label_problem(self, label: str) -> str | None:
        if not label:
            return "empty"
        if len(label) > bounds.text_chars_max:
            return f"longer than {bounds.text_chars_max} characters"
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
            labels, first_seen, inverse = distinct(values)
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
        texts, _, inverse = distinct(values)
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
        minor, plain = plain_decimals(values, places)
        suspect = ~plain | (minor <= 0) | (minor > bounds.amount_minor_max)
        for k in np.flatnonzero(suspect).tolist():
            text = values[k].decode("utf-8", "replace")
            try:
                minor[k] = (parse_minor_units(text) if self.minor_units
                            else parse_amount(text, codes[int(currency_index[k])]))
            except SucreError as error:
                self.error(int(lines[k]), "amount", error.message)
        return minor

    def _due_days(self, values: Bytes, lines: Int64Array) -> Int64Array:
        texts, _, inverse = distinct(values)
        days = [_day_number(text) for text in texts]
        self._report([None if day != _NOT_A_DAY else f"not a date (YYYY-MM-DD): {text!r}"
                      for text, day in zip(texts, days, strict=True)], inverse, lines, "due_date")
        return np.array(days, dtype=np.int64)[inverse]

    def _ids(self, values: Bytes, lines: Int64Array) -> None:
        """Keep ids as bytes (decoded only on demand); refuse empty and over-long ones."""
        lengths = np.strings.str_len(values)
        if not bool(lengths.min(initial=1)) or int(lengths.max(initial=0)) > bounds.text_chars_max:
            for k, text in enumerate(decoded(values)):
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
        errors = sorted(self.errors)[:bounds.setoff_csv_errors_max]
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


    def text(self) -> dict[str, list[str | None]]:
        """The text columns of every record, stripped (``None`` for an empty cell)."""
        return {name: [value.strip() or None for parts in text_parts for value in decoded(parts)]
                for name, text_parts in self.text_parts.items()}

    def record_lines(self) -> Int64Array:
        return (np.concatenate(self.line_parts) if self.line_parts
                else np.zeros(0, dtype=np.int64))


def _day_number(text: str) -> int:
    """Days since 1970-01-01 of a YYYY-MM-DD date, or ``_NOT_A_DAY``."""
    try:
        if len(text) != 10:
            return _NOT_A_DAY
        return (dt.date.fromisoformat(text) - _EPOCH).days
    except ValueError:
        return _NOT_A_DAY
