"""The one rule for text that sucre stores: no control character, bounded length.

Every text a participant gives and sucre keeps (order references, council references, names,
invoice labels, parameter values) passes :func:`stored_text`. C0 and C1 control characters are
refused, tab and line breaks included: PostgreSQL refuses NUL outright (a 500 where SQLite
silently stored it), and an escape sequence stored today is replayed to whoever prints it later
(a terminal, a log, a CSV opened in a spreadsheet). A stored text is one line of visible text.

The HTTP schemas build their patterns from :data:`CONTROL_CLASS`, so both edges apply one rule.
"""

from __future__ import annotations

import re

from sucre.domain.errors import InvalidInput

#: The control characters, as the body of a regular-expression character class that both
#: Python's ``re`` and pydantic's (Rust) regex engine read: C0 (NUL..US, with tab, LF and CR),
#: DEL, and C1 (U+0080..U+009F, among them CSI U+009B, an escape sequence in one character); and
#: the bidirectional formatting characters (U+061C, U+200E-U+200F, U+202A-U+202E,
#: U+2066-U+2069), which make a stored text display as another ("INV\u202egpj.exe" shows as
#: "INVexe.jpg"): no reference or name of a payment needs them.
CONTROL_CLASS = r"\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"

_CONTROL = re.compile(f"[{CONTROL_CLASS}]")

#: A whole stored text: at least one non-blank character and no control character anywhere
#: (for a schema's ``pattern``; the length bound is given beside it).
STORED_TEXT_PATTERN = rf"^[^{CONTROL_CLASS}]*[^\s{CONTROL_CLASS}][^{CONTROL_CLASS}]*$"

#: The same, for a text that may be empty.
OPTIONAL_TEXT_PATTERN = rf"^[^{CONTROL_CLASS}]*$"


def has_control_character(text: str) -> bool:
    """True if ``text`` holds a C0/C1 control character (tab, line breaks, ESC, NUL, DEL...) or
    a bidirectional formatting character."""
    return _CONTROL.search(text) is not None


def stored_text(value: str, field: str, *, chars_max: int, required: bool = False) -> str:
    """``value`` stripped of surrounding blanks, checked for storing; else ``InvalidInput``.

    The length is checked first and reported without echoing the text (it may be huge).
    """
    text = value.strip()
    if required and not text:
        raise InvalidInput("is required", field=field)
    if len(text) > chars_max:
        raise InvalidInput(f"is longer than {chars_max} characters", field=field)
    if has_control_character(text):
        raise InvalidInput("contains a control character (tab, line break, escape, NUL...)",
                           field=field)
    return text


def printable(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``), for a terminal.

    Stored text holds none, but messages echo what a user typed or what a file contained.
    """
    if not has_control_character(text):
        return text
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"),
                        text)
