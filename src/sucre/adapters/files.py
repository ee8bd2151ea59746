"""Files given on the command line, read and written under one discipline.

Input: only a regular file is opened (a directory, ``/dev/zero``, a FIFO or a socket is refused
before it can block or flood memory), read as bytes a bounded line at a time, decoded strictly
as UTF-8 (a leading byte-order mark is accepted and dropped, as spreadsheets write it), and
refused whole at its first structural problem (binary data, another encoding, a field or line
over its bound, a duplicated column) with a message naming the line. Row-level problems stay
the reader's business.

Output: the target is checked before any work is done, written beside itself and renamed into
place (complete or absent), and CSV cells that a spreadsheet would run as a formula are
escaped.
"""

from __future__ import annotations

import csv
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from sucre import bounds
from sucre.domain.errors import InvalidInput, LimitExceeded
from sucre.domain.text import printable

# The csv module's bound is process-wide; set it to ours (equal to its default) so that the
# bound is named in bounds.py and a longer field is refused, never read.
csv.field_size_limit(bounds.csv_field_chars_max)

_BOM = "\ufeff"


def _name(path: Path) -> str:
    return printable(str(path))


def open_input(path: Path, *, field: str = "file", bytes_max: int | None = None) -> BinaryIO:
    """``path`` opened for reading in binary, if it is a regular file of at most ``bytes_max``
    (default ``bounds.csv_bytes_max``).

    The file is checked with ``stat`` before opening, opened without blocking (a FIFO swapped in
    meanwhile cannot hang the open) and checked again on the open descriptor.
    """
    bytes_max = bounds.csv_bytes_max if bytes_max is None else bytes_max
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InvalidInput(f"no such file: {_name(path)}", field=field) from None
    except OSError as error:
        raise InvalidInput(f"cannot read {_name(path)}: {error.strerror}", field=field) from None
    _require_regular(path, info, field, bytes_max)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise InvalidInput(f"cannot read {_name(path)}: {error.strerror}", field=field) from None
    try:
        _require_regular(path, os.fstat(fd), field, bytes_max)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def _require_regular(path: Path, info: os.stat_result, field: str, bytes_max: int) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise InvalidInput(f"{_name(path)} is a directory, not a file", field=field)
    if not stat.S_ISREG(info.st_mode):
        raise InvalidInput(f"{_name(path)} is not a regular file (a device, FIFO or socket)",
                           field=field)
    if info.st_size > bytes_max:
        raise LimitExceeded(f"{_name(path)} has {info.st_size} bytes, more than the maximum of "
                            f"{bytes_max}", field=field)


class CsvInput:
    """A CSV file's header and rows, read with the discipline of this module.

    ``header`` is the first row, stripped (and lower-cased with ``lowercase``); a column named
    twice or an empty file is refused. :meth:`rows` yields ``(line, fields)`` where ``line`` is
    the physical line on which the row ends (the header is line 1).
    """

    def __init__(self, handle: BinaryIO, source: str, *, lowercase: bool = False) -> None:
        self.source = printable(source)
        self.line = 0
        self._reader = csv.reader(self._lines(handle))
        first = self._next()
        if first is None:
            raise InvalidInput(f"{self.source} is empty: a header row is expected", field="file")
        names = [name.strip().lower() if lowercase else name.strip() for name in first]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            shown = ", ".join(repr(name) for name in twice)
            raise InvalidInput(f"{self.source}: line 1: column(s) {shown} appear more than once",
                               field="file")
        self.header = names

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        while (row := self._next()) is not None:
            yield self._reader.line_num, row

    def _next(self) -> list[str] | None:
        try:
            return next(self._reader, None)
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise LimitExceeded(f"{self.source}: line {self._reader.line_num}: a field is "
                                    f"longer than {bounds.csv_field_chars_max} characters",
                                    field="file") from None
            raise InvalidInput(f"{self.source}: line {self._reader.line_num}: not CSV ({error})",
                               field="file") from None

    def _lines(self, handle: BinaryIO) -> Iterator[str]:
        bound = bounds.csv_line_bytes_max
        while raw := handle.readline(bound + 1):
            self.line += 1
            if len(raw) > bound and not raw.endswith(b"\n"):
                raise LimitExceeded(f"{self.source}: line {self.line} is longer than {bound} "
                                    "bytes", field="file")
            if b"\x00" in raw:
                raise InvalidInput(f"{self.source}: line {self.line}: NUL byte (binary data, "
                                   "not CSV text)", field="file")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidInput(f"{self.source}: line {self.line}: not UTF-8 text (save the "
                                   "file as UTF-8)", field="file") from None
            yield text.removeprefix(_BOM) if self.line == 1 else text


def count_rows(path: Path, *, lowercase: bool = False) -> int:
    """Rows after the header, reading the whole file once with every check of :class:`CsvInput`.

    A command that writes as it goes calls this first, so a file that is not readable to its end
    is refused before anything is written.
    """
    with open_input(path) as handle:
        return sum(1 for _ in CsvInput(handle, path.name, lowercase=lowercase).rows())


# --- output -------------------------------------------------------------------------------------


def check_output(path: Path, *, field: str = "out") -> None:
    """Refuse an output path that cannot be written, before any work is done."""
    if path.is_dir():
        raise InvalidInput(f"{_name(path)} is a directory, not a file", field=field)
    if path.exists() and not path.is_file():
        raise InvalidInput(f"{_name(path)} is not a regular file", field=field)
    parent = path.parent
    if not parent.is_dir():
        raise InvalidInput(f"cannot write {_name(path)}: no directory {_name(parent)}",
                           field=field)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InvalidInput(f"cannot write {_name(path)}: {_name(parent)} is not writable",
                           field=field)


@contextmanager
def atomic_output(path: Path, *, field: str = "out") -> Iterator[BinaryIO]:
    """A file beside ``path`` to write; renamed over ``path`` if the block ends normally.

    The file is created on entry, so an unwritable target is refused before the block's work.
    """
    check_output(path, field=field)
    partial = path.with_name(f".{path.name}.partial")
    try:
        handle = partial.open("wb")
    except OSError as error:
        raise InvalidInput(f"cannot write {_name(path)}: {error.strerror}", field=field) from None
    try:
        with handle:
            yield handle
        os.replace(partial, path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise InvalidInput(f"cannot write {_name(path)}: {error.strerror}", field=field) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


#: First characters that make a spreadsheet read a cell as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A text cell safe to open in a spreadsheet: a would-be formula is prefixed with ``'``."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
