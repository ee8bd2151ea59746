"""A short corpus of hostile input, shared by the tests of every edge (a plain data module).

``HOSTILE_TEXTS``: text no stored field may hold (each was stored, or answered 500 on
PostgreSQL, somewhere before). ``MARKUP_TEXTS``: text that may be stored but must print as
itself. ``FORMULA_TEXTS``: ids a spreadsheet would run as formulas. ``write_hostile_file``
writes the malformed files every file-reading command must refuse with a clear error.
"""

from __future__ import annotations

from pathlib import Path

from sucre.domain import limits

HOSTILE_TEXTS: dict[str, str] = {
    "nul": "CE-2026\x0001",
    "escape sequence": "\x1b[2J\x1b[31mCE-2026-01",
    "c1 csi": "CE-2026\x9b31m-01",
    "del": "CE-2026-01\x7f",
    "bell": "CE-2026\x07-01",
    "tab": "CE-2026\t01",
    "line feed": "CE-2026\n01",
    "carriage return": "CE-2026\r01",
}

MARKUP_TEXTS: tuple[str, ...] = ("[b]P1[/b]", "[red]P2[/]", "[link=file:///etc/passwd]P3[/link]")

FORMULA_TEXTS: tuple[str, ...] = ('=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)")

#: Files every CSV-reading command refuses (exit status 2, one clear message).
HOSTILE_FILES: tuple[str, ...] = ("binary", "latin1", "huge_field", "duplicate_column")


def csv_text(header: list[str], row: list[str]) -> str:
    return ",".join(header) + "\n" + ",".join(row) + "\n"


def write_hostile_file(path: Path, kind: str, header: list[str], row: list[str]) -> Path:
    """Write a file of ``kind`` built from a valid ``header`` and ``row``; return ``path``."""
    if kind == "binary":
        path.write_bytes(bytes(range(256)) * 64)
    elif kind == "latin1":
        path.write_bytes(csv_text(header, ["Bogotá-1", *row[1:]]).encode("latin-1"))
    elif kind == "huge_field":
        path.write_text(csv_text(header, ["x" * (limits.csv_field_chars_max + 1), *row[1:]]),
                        encoding="utf-8")
    elif kind == "duplicate_column":
        path.write_text(csv_text([*header, header[0]], [*row, row[0]]), encoding="utf-8")
    elif kind == "bom":
        path.write_bytes(b"\xef\xbb\xbf" + csv_text(header, row).encode("utf-8"))
    else:
        raise ValueError(f"unknown hostile file {kind!r}")
    return path
