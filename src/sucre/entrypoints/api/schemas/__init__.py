"""Request and response bodies of the HTTP API (pydantic v2), separate from the domain records.

One module per router (:mod:`.orders`, :mod:`.periods`, :mod:`.council`, :mod:`.statements`,
:mod:`.setoff`, :mod:`.system`); the constrained field types they share are in :mod:`.fields`.

Requests forbid unknown fields and take no type coercion: text is text, a boolean is ``true`` or
``false``, dates are ``YYYY-MM-DD`` strings. Amounts and quantities are decimal STRINGS
(``"1000.00"``): a JSON number is refused with a clear message, because binary floats cannot
hold cents exactly; the domain then checks the decimals against the currency (a third decimal on
a 2-decimal currency is refused, never rounded).

FastAPI validates bodies in Python mode, where pydantic's model-wide ``strict=True`` would refuse
ISO date strings and enum values; strictness is therefore set per field (``StrictStr``,
``StrictBool``, :data:`~.fields.IsoDate`, :data:`~.fields.DecimalText`).
"""



