"""The constrained field types every API schema shares, and the base of request bodies."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints
from pydantic_core import PydanticCustomError

from sucre import bounds
from sucre.domain import decimal_text
from sucre.domain.text import CONTROL_CLASS, OPTIONAL_TEXT_PATTERN, STORED_TEXT_PATTERN


def _decimal_text(value: Any) -> Any:
    if isinstance(value, bool | int | float):
        raise PydanticCustomError(
            "decimal_text", "amounts and quantities are decimal strings such as \"1000.00\", "
            "never JSON numbers (binary floats cannot hold cents exactly)")
    # Surrounding whitespace is ignored as at every other edge (decimal_text.parse_decimal).
    return value.strip() if isinstance(value, str) else value


def _date_text(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("date_text", "dates are strings YYYY-MM-DD")
    return value


def _text(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "Input should be a valid string")
    return value


_Strict = BeforeValidator(_text)

#: The one rule of decimal text (sucre.domain.decimal_text), so the schema refuses exactly what the
#: domain refuses and documents it in the OpenAPI description.
DecimalText = Annotated[str, StringConstraints(pattern=rf"^{decimal_text.PATTERN}$"),
                        BeforeValidator(_decimal_text)]
IsoDate = Annotated[dt.date, BeforeValidator(_date_text)]
MemberText = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$"), _Strict]
AuthorityText = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{2,12}$"), _Strict]
CurrencyText = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$"), _Strict]
OrderKey = Annotated[str, StringConstraints(
    pattern=rf"^[\x21-\x7e]{{1,{bounds.order_key_chars_max}}}$"), _Strict]
HsCode = Annotated[str, StringConstraints(pattern=r"^[0-9.]{6,13}$"), _Strict]
# Stored text follows the domain's one rule (sucre.domain.text): no control character at all.
UnitText = Annotated[str, StringConstraints(min_length=1, max_length=bounds.order_unit_chars_max,
                                            pattern=STORED_TEXT_PATTERN), _Strict]
FreeText = Annotated[str, StringConstraints(max_length=bounds.text_chars_max,
                                            pattern=OPTIONAL_TEXT_PATTERN), _Strict]
RequiredText = Annotated[str, StringConstraints(min_length=1, max_length=bounds.text_chars_max,
                                                pattern=STORED_TEXT_PATTERN), _Strict]
Reference = Annotated[str, StringConstraints(
    min_length=1, max_length=bounds.decision_reference_chars_max, pattern=STORED_TEXT_PATTERN),
    _Strict]
ParameterValue = Annotated[str, StringConstraints(
    min_length=1, max_length=bounds.parameter_value_chars_max, pattern=STORED_TEXT_PATTERN),
    _Strict]
#: A field of a council proposal's payload (domain/proposals.py: FIELDS), checked by the domain.
PayloadText = Annotated[str, StringConstraints(
    min_length=1, max_length=bounds.text_chars_max, pattern=STORED_TEXT_PATTERN), _Strict]
ReasonCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{4}$"), _Strict]

# Set-off invoices (traders, not member states, owe each other).
_VISIBLE = rf"[^\s{CONTROL_CLASS}]"  # a character that is neither blank nor a control
InvoiceId = Annotated[str, StringConstraints(
    pattern=rf"^[\x21-\x7e]{{1,{bounds.invoice_label_chars_max}}}$"), _Strict]
PartyName = Annotated[str, StringConstraints(
    min_length=1, max_length=bounds.invoice_label_chars_max,
    pattern=rf"^{_VISIBLE}(?:[^{CONTROL_CLASS}]*{_VISIBLE})?$"),
    _Strict]
InvoiceHsCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{6,10}$"), _Strict]
InvoiceUnit = Annotated[str, StringConstraints(
    pattern=rf"^[\x21-\x7e]{{1,{bounds.order_unit_chars_max}}}$"), _Strict]
DocumentRef = Annotated[str, StringConstraints(
    min_length=1, max_length=bounds.text_chars_max,
    pattern=rf"^{_VISIBLE}(?:[^{CONTROL_CLASS}]*{_VISIBLE})?$"), _Strict]


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
