"""The input of a set-off: invoices as integer arrays (parties, amounts, currencies, due dates),
with their ids and row numbers kept compactly for reporting."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np
from numpy.typing import NDArray

from sucre import bounds
from sucre.domain.errors import (
    AmountTooLarge,
    InvalidAmount,
    InvalidInput,
    LimitExceeded,
    invariant,
)
from sucre.domain.money import CurrencyCode
from sucre.domain.setoff.arrays import Int64Array


class RowNumbers(Sequence[str]):
    """The ids ``"1"`` .. ``"count"``: the 1-based data row number stands in for a missing id.

    Lazy (no million strings until asked) and unique by construction.
    """

    def __init__(self, count: int) -> None:
        invariant(count >= 0, "a row count is not negative")
        self._count = count

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        numbers = range(1, self._count + 1)
        if isinstance(index, slice):
            return [str(k) for k in numbers[index]]
        return str(numbers[index])

    def __iter__(self) -> Iterator[str]:
        return map(str, range(1, self._count + 1))


class EncodedIds(Sequence[str]):
    """Invoice ids held as one array of UTF-8 byte strings (no NUL): 10^6 ids, not 10^6 objects.

    Decoded on access. Uniqueness is checked by hashing the bytes (FNV-1a, 64 bits) and sorting
    the hashes; only values whose hashes collide are compared exactly.
    """

    def __init__(self, values: NDArray[np.bytes_]) -> None:
        invariant(values.ndim == 1, "ids are a flat array")
        self.values = values

    def __len__(self) -> int:
        return int(self.values.size)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [value.decode("utf-8") for value in self.values[index].tolist()]
        return bytes(self.values[index]).decode("utf-8")

    def __iter__(self) -> Iterator[str]:
        return (value.decode("utf-8") for value in self.values.tolist())

    def all_unique(self) -> bool:
        size = self.values.size
        matrix = self.values.view(np.uint8).reshape(size, self.values.dtype.itemsize)
        digest = np.full(size, 0xCBF29CE484222325, dtype=np.uint64)
        for column in matrix.T:
            digest = (digest ^ column) * np.uint64(0x100000001B3)
        ordered = np.sort(digest)
        repeated = ordered[1:][ordered[1:] == ordered[:-1]]
        if repeated.size == 0:
            return True
        suspects = self.values[np.isin(digest, repeated)]
        return bool(np.unique(suspects).size == suspects.size)


def _ids_unique(ids: Sequence[str]) -> bool:
    if isinstance(ids, RowNumbers):
        return True
    if isinstance(ids, EncodedIds):
        return ids.all_unique()
    return len(set(ids)) == len(ids)


#: The ``due_day`` of an invoice without a due date, in a set that has some: after every real
#: date (2^40 days is three billion years), so undated invoices clear last.
NO_DUE_DAY = 2**40


@dataclass(frozen=True, slots=True)
class InvoiceSet:
    """The invoices of one run, column-wise (no per-invoice Python objects at 10^6 rows).

    ``debtor``/``creditor`` index ``party_labels``; ``currency_index`` indexes ``currency_codes``;
    ``amount_minor`` is in the invoice's own currency; ``due_day`` (optional) counts days since
    1970-01-01 and only orders the disaggregation. Arrays are made read-only on construction.
    """

    ids: Sequence[str]
    party_labels: Sequence[str]
    debtor: Int64Array
    creditor: Int64Array
    amount_minor: Int64Array
    currency_codes: tuple[CurrencyCode, ...]
    currency_index: Int64Array
    due_day: Int64Array | None = None

    def __post_init__(self) -> None:
        count = len(self.ids)
        if count == 0:
            raise InvalidInput("a set-off run needs at least one invoice", field="invoices")
        if count > bounds.setoff_invoices_max:
            raise LimitExceeded(f"{count} invoices exceed the maximum of "
                                f"{bounds.setoff_invoices_max} per run", field="invoices")
        columns = [self.debtor, self.creditor, self.amount_minor, self.currency_index]
        if self.due_day is not None:
            columns.append(self.due_day)
        for column in columns:
            invariant(column.dtype == np.int64 and column.shape == (count,),
                      "invoice columns are int64 arrays of one length")
            column.flags.writeable = False
        self._validate()

    def _validate(self) -> None:
        parties = len(self.party_labels)
        invariant(bool(np.all((self.debtor >= 0) & (self.debtor < parties)))
                  and bool(np.all((self.creditor >= 0) & (self.creditor < parties))),
                  "party indexes are within party_labels")
        invariant(bool(np.all((self.currency_index >= 0)
                              & (self.currency_index < len(self.currency_codes)))),
                  "currency indexes are within currency_codes")
        self._refuse_first(self.debtor == self.creditor, "creditor",
                           "debtor and creditor are the same party", InvalidInput)
        self._refuse_first(self.amount_minor <= 0, "amount", "amount must be positive",
                           InvalidAmount)
        self._refuse_first(self.amount_minor > bounds.amount_minor_max, "amount",
                           f"amount exceeds {bounds.amount_minor_max} minor units", AmountTooLarge)
        if not _ids_unique(self.ids):
            raise InvalidInput("invoice ids must be unique", field="id")

    def _refuse_first(self, bad: NDArray[np.bool_], field_name: str, reason: str,
                      error: type[InvalidInput]) -> None:
        if bool(bad.any()):
            first = int(np.flatnonzero(bad)[0])
            raise error(f"invoice {self.ids[first]!r}: {reason}", field=field_name)

    @property
    def count(self) -> int:
        return len(self.ids)

    @classmethod
    def from_records(cls, ids: Sequence[str], debtors: Sequence[str], creditors: Sequence[str],
                     amounts_minor: Sequence[int], currencies: Sequence[CurrencyCode],
                     due_days: Sequence[int] | None = None) -> InvoiceSet:
        """Build from plain sequences (library callers, tests).

        Parties are numbered in order of first appearance, row by row, debtor before creditor.
        """
        index: dict[str, int] = {}
        debtor, creditor = [], []
        for debtor_label, creditor_label in zip(debtors, creditors, strict=True):
            debtor.append(index.setdefault(debtor_label, len(index)))
            creditor.append(index.setdefault(creditor_label, len(index)))
        codes = tuple(dict.fromkeys(currencies))
        position = {code: i for i, code in enumerate(codes)}
        return cls(ids=tuple(ids), party_labels=tuple(index),
                   debtor=np.array(debtor, dtype=np.int64),
                   creditor=np.array(creditor, dtype=np.int64),
                   amount_minor=np.array(amounts_minor, dtype=np.int64), currency_codes=codes,
                   currency_index=np.array([position[c] for c in currencies], dtype=np.int64),
                   due_day=None if due_days is None else np.array(due_days, dtype=np.int64))
