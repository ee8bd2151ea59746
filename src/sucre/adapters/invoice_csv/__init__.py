"""Invoice CSV files for set-off: load them fast and strictly, write the result.

Three modules: :mod:`.read` (the file, its header and the validation of every row),
:mod:`.blocks` (the vectorised parser of blocks of lines) and :mod:`.write` (the result file).

Input: a header row naming the columns (any order, case-insensitive), then one invoice a line::

    id,debtor,creditor,amount,currency[,due_date]

``debtor``, ``creditor`` and ``amount`` are required. ``id`` may be absent: the 1-based data row
number stands in. ``currency`` may be absent: every invoice is then in ``default_currency``.
``due_date`` (YYYY-MM-DD) is optional and only orders the disaggregation (oldest first). Other
columns are ignored, so an expected-results file loads too. Fields are stripped of surrounding
blanks. Amounts are decimal text in major units, parsed exactly by the rule of
``money.parse_amount`` (refused, never rounded, when over-precise).

Every bad row is reported with its line number (the header is line 1) in one
:class:`CsvRowErrors`; reading stops after ``bounds.setoff_csv_errors_max`` errors. Line breaks
inside quoted fields are refused, so a line number is always a physical line. Blank lines at the
end of the file are ignored; elsewhere they are errors.

Speed (10^6 rows in about half a second): the file is read in blocks of
``bounds.setoff_csv_block_bytes``. A block of plain records (no quote, no blank to strip, the
right number of commas on every line) is parsed with numpy on its bytes: separator positions,
each field gathered into a fixed-width byte array, amounts parsed digit column by digit column,
parties mapped through ``np.unique`` so that Python only touches each distinct label once per
block. Other blocks go line by line (quoted lines through the ``csv`` module) into the same byte
arrays. Anything that is not a plain decimal amount goes through ``money.parse_amount`` itself,
which accepts or refuses it with its own message. The cyclic garbage collector is paused while
loading: the parse allocates many small containers that never form cycles (it tripled the load
time, measured).
"""

from sucre.adapters.invoice_csv.blocks import CsvRowErrors
from sucre.adapters.invoice_csv.read import LoadedInvoices, load_invoice_columns, load_invoices
from sucre.adapters.invoice_csv.write import decimal_bytes, decimal_strings, write_result

__all__ = ["CsvRowErrors", "LoadedInvoices", "decimal_bytes", "decimal_strings",
           "load_invoice_columns", "load_invoices", "write_result"]
