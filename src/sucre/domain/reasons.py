"""The ISO 20022 status reason codes a receiving central bank may give when it rejects a payment
order: codes of the external code list ``ExternalStatusReason1Code`` that describe a payment
order (not the whole list: a code for a card, a cheque or a direct debit has no meaning here).

A code outside this set is refused rather than passed on, so that a typo never reaches a pacs.002.
"""

from __future__ import annotations

from typing import Final

#: Code -> the code list's name for it.
REJECTION_REASONS: Final = {
    "AC01": "incorrect account number",
    "AC04": "closed account number",
    "AC06": "blocked account",
    "AG01": "transaction forbidden",
    "AG02": "invalid bank operation code",
    "AM02": "not allowed amount",
    "AM03": "not allowed currency",
    "AM04": "insufficient funds",
    "AM05": "duplication",
    "AM09": "wrong amount",
    "BE01": "inconsistent with end customer",
    "BE05": "unrecognised initiating party",
    "BE09": "invalid country",
    "CUST": "requested by customer",
    "DT01": "invalid date",
    "DUPL": "duplicate payment",
    "FF01": "invalid file format",
    "FRAD": "fraudulent origin",
    "MS02": "not specified reason customer generated",
    "MS03": "not specified reason agent generated",
    "NARR": "narrative",
    "RC01": "bank identifier incorrect",
    "RR01": "missing debtor account or identification",
    "RR02": "missing debtor name or address",
    "RR03": "missing creditor name or address",
    "RR04": "regulatory reason",
    "TECH": "technical problem",
}
