"""Blocks of an invoice file: whole lines read in blocks, and parsed with numpy where plain.

A block of plain records (no quote, no blank to strip, the right number of commas on every line)
is parsed on its bytes: separator positions, each field gathered into a fixed-width byte array,
amounts parsed digit column by digit column, parties mapped through ``np.unique`` so that Python
only touches each distinct label once per block. Other blocks go line by line (see
:mod:`sucre.adapters.invoice_csv.read`).
"""

from __future__ import annotations

import csv
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

import numpy as np
from numpy.typing import NDArray

from sucre import bounds
from sucre.domain.errors import BadRows

Int64Array = NDArray[np.int64]
Bytes = NDArray[np.bytes_]

_INT64_DIGITS = 18   # any 18-digit integer fits int64
COMMA, NEWLINE, DOT, ZERO = 44, 10, 46, 48
_NOT_PLAIN = (b'"', b"\t", b"\r")
_BLANK_EDGES = (b" ,", b", ", b" \n", b"\n ")


class CsvRowErrors(BadRows):
    """Bad rows of an invoice file."""


@contextmanager
def gc_paused() -> Iterator[None]:
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


def line_blocks(handle: BinaryIO, source: str) -> Iterator[tuple[int, bytes]]:
    """Blocks of whole lines as (number of the first line, bytes without the final newline)."""
    carry, line = b"", 1
    while chunk := handle.read(bounds.setoff_csv_block_bytes):
        data = carry + chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            if len(data) > bounds.csv_line_bytes_max:
                # No line break in sight: refused before the whole file is held in memory.
                raise CsvRowErrors(source, [(line, "file", f"line longer than "
                                                           f"{bounds.csv_line_bytes_max} bytes")])
            carry = data
            continue
        block, carry = data[:cut], data[cut + 1:]
        yield line, _checked(block, line, source)
        line += block.count(b"\n") + 1
    if carry:
        yield line, _checked(carry, line, source)


def line_fields(line: str) -> list[str] | None:
    """The fields of one line (``None`` for an unterminated quote)."""
    if '"' not in line:
        return line.split(",")
    try:
        return next(csv.reader((line,), strict=True))
    except csv.Error:
        return None


def plain_fields(data: bytes, width: int) -> tuple[NDArray[np.uint8], Int64Array,
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
    separators = np.flatnonzero((raw == COMMA) | (raw == NEWLINE))
    rows = data.count(b"\n") + 1
    if separators.size != rows * width - 1:
        return None
    newlines = np.flatnonzero(raw[separators] == NEWLINE)
    if not np.array_equal(newlines, np.arange(width - 1, separators.size, width)):
        return None
    ends = np.append(separators, raw.size).reshape(rows, width)
    starts = np.concatenate(([0], separators + 1)).reshape(rows, width)
    lengths = ends - starts
    if int(lengths.max(initial=0)) > bounds.text_chars_max:
        # No valid field is this long, and gathering costs rows x the widest field: one
        # megabyte-long amount would make it gigabytes. The row-by-row path reports it.
        return None
    return raw, starts, lengths


def gather(raw: NDArray[np.uint8], starts: Int64Array, lengths: Int64Array) -> Bytes:
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


def distinct(values: Bytes) -> tuple[list[str], Int64Array, Int64Array]:
    """Distinct values (decoded), the first row of each, and per row the index of its value."""
    if values.dtype.itemsize <= 8:
        unique_keys, inverse = np.unique(_short_keys(values), return_inverse=True)
        unique: Bytes = unique_keys.view("S8")
    else:
        unique, inverse = np.unique(values, return_inverse=True)
    inverse = inverse.astype(np.int64).ravel()
    return decoded(unique), _first_rows(inverse, unique.size), inverse


class PartyIndex:
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
        codes[missing] = self.map_labels(decoded(unique[missing].view("S8")))
        keys = np.concatenate((self.known_keys, unique[missing]))
        order = np.argsort(keys)
        self.known_keys = keys[order]
        self.known_codes = np.concatenate((self.known_codes, codes[missing]))[order]
        return codes[inverse]


def decoded(values: Bytes) -> list[str]:
    """Decode a byte-string array (ASCII in one C call, UTF-8 value by value otherwise)."""
    try:
        texts: list[str] = values.astype(np.str_).tolist()
    except UnicodeDecodeError:
        texts = [value.decode("utf-8") for value in values.tolist()]
    return texts


def plain_decimals(values: Bytes, places: Int64Array) -> tuple[Int64Array, NDArray[np.bool_]]:
    """Parse amounts written as plain decimals (``123``, ``123.4``, ``0.45``), digit by digit.

    Returns minor units and a mask of the values that were plain: the rule of
    ``decimal_text.PATTERN`` (1 to ``bounds.decimal_whole_digits_max`` whole digits, at most one
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
        digit = column - np.uint8(ZERO)
        is_digit, is_dot, is_end = digit < 10, column == DOT, column == 0
        bad |= ~(is_digit | is_dot | is_end) | (ended & ~is_end)
        ended |= is_end
        value = value * np.where(is_digit, 10, 1) + np.where(is_digit, digit, 0)
        fraction += is_digit & (dots > 0)
        whole += is_digit & (dots == 0)
        dots += is_dot
    plain = (~bad & (whole >= 1) & (whole <= bounds.decimal_whole_digits_max)
             & (((dots == 0) & (fraction == 0))
                | ((dots == 1) & (fraction >= 1) & (fraction <= places))))
    shift = np.clip(places - fraction, 0, None)
    return value * np.power(10, shift, dtype=np.int64), plain
