"""Invoice CSV: strict loading with every bad row by line, both parsing paths, the writer."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sucre import bounds
from sucre.adapters.invoice_csv import (
    CsvRowErrors,
    blocks,
    decimal_bytes,
    decimal_strings,
    load_invoices,
    write_result,
)
from sucre.domain.errors import LimitExceeded, SucreError
from sucre.domain.money import XSU, CurrencyCode, format_amount, parse_amount
from sucre.domain.rates import parse_rate
from sucre.domain.setoff import RowNumbers, set_off
from tests.setoff.helpers import USD, VES


def write(tmp_path: Path, text: str | bytes, name: str = "invoices.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def errors_of(path: Path, **options: object) -> list[tuple[int, str, str]]:
    with pytest.raises(CsvRowErrors) as caught:
        load_invoices(path, **options)  # type: ignore[arg-type]
    return caught.value.errors


def lines_and_fields(errors: list[tuple[int, str, str]]) -> list[tuple[int, str]]:
    return [(line, field) for line, field, _ in errors]


GOOD = "id,debtor,creditor,amount,currency\n1,A,B,10.00,XSU\n2,B,A,5,XSU\n"


@pytest.mark.parametrize(("row", "field", "reason"), [
    ("3,C,C,1.00,XSU", "creditor", "same party"),
    ("3,C,D,0,XSU", "amount", "greater than zero"),
    ("3,C,D,0.00,XSU", "amount", "greater than zero"),
    ("3,C,D,-4.00,XSU", "amount", "positive"),
    ("3,C,D,abc,XSU", "amount", "not a number"),
    ("3,C,D,1.234,XSU", "amount", "more than 2 decimals"),
    ("3,C,D,,XSU", "amount", "not a number"),
    ("3,C,D,99999999999.00,XSU", "amount", "exceeds"),
    ("3,C,D,1.00,ABC", "currency", "unknown"),
    ("1,C,D,1.00,XSU", "id", "duplicate id '1' (first on line 2)"),
    ("3,,D,1.00,XSU", "debtor", "empty"),
    ("3,C,D,1.00", "row", "expected 5 fields, found 4"),
    ('3,"C,D,1.00,XSU', "row", "unterminated quote"),
    (f"3,{'x' * 141},D,1.00,XSU", "debtor", "longer than 140"),
])
def test_each_bad_row_is_reported_with_its_line(tmp_path: Path, row: str, field: str,
                                                reason: str) -> None:
    errors = errors_of(write(tmp_path, GOOD + row + "\n"))
    assert lines_and_fields(errors) == [(4, field)]
    assert reason in errors[0][2]


def test_every_bad_row_is_reported_not_just_the_first(tmp_path: Path) -> None:
    text = ("debtor,creditor,amount\nA,B,1\nA,A,1\nA,B,x\nA,B,1\n\nA,B,1.001\nC,D,1\n"
            "C,D\n\n")
    errors = errors_of(write(tmp_path, text))
    assert lines_and_fields(errors) == [(3, "creditor"), (4, "amount"), (6, "row"),
                                        (7, "amount"), (9, "row")]
    assert errors[2][2] == "blank line"   # the trailing blank line 10 is fine


def test_missing_columns_empty_files_and_header_only(tmp_path: Path) -> None:
    assert errors_of(write(tmp_path, "id,debtor,amount\n1,A,2\n")) == [
        (1, "creditor", "missing column 'creditor'")]
    assert errors_of(write(tmp_path, "")) == [(1, "file", "the file is empty")]
    assert errors_of(write(tmp_path, "debtor,creditor,amount\n")) == [
        (2, "file", "no invoices after the header")]
    assert lines_and_fields(errors_of(write(tmp_path, "debtor,creditor,amount,amount\n"))) == [
        (1, "amount")]


def test_files_that_are_too_large_are_refused(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "debtor,creditor,amount\n" + "A,B,1\n" * 50)
    monkeypatch.setattr(bounds, "csv_bytes_max", 100)
    with pytest.raises(LimitExceeded, match="bytes"):
        load_invoices(path)
    monkeypatch.setattr(bounds, "csv_bytes_max", 10**6)
    monkeypatch.setattr(bounds, "setoff_invoices_max", 20)
    with pytest.raises(LimitExceeded, match=r"more than 20 invoice rows \(line 22\)"):
        load_invoices(path)


def test_bytes_that_are_not_text_are_refused_with_their_line(tmp_path: Path) -> None:
    assert errors_of(write(tmp_path, b"debtor,creditor,amount\nA,B,1\nA,\xff,1\n")) == [
        (3, "file", "not UTF-8 text")]
    assert errors_of(write(tmp_path, b"debtor,creditor,amount\nA,B,1\nA,B\x00,1\n")) == [
        (3, "file", "NUL byte in the file")]


def test_reading_stops_after_the_error_bound(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bounds, "setoff_csv_errors_max", 5)
    monkeypatch.setattr(bounds, "setoff_csv_block_bytes", 64)
    with pytest.raises(CsvRowErrors) as caught:
        load_invoices(write(tmp_path, "debtor,creditor,amount\n" + "A,A,1\n" * 100))
    assert caught.value.truncated and len(caught.value.errors) == 5
    assert "reading stopped" in str(caught.value)


def test_ids_and_currency_may_be_absent(tmp_path: Path) -> None:
    invoices = load_invoices(write(tmp_path, "debtor,creditor,amount\nA,B,1\nB,A,2.5\n"),
                             default_currency=USD)
    assert isinstance(invoices.ids, RowNumbers) and list(invoices.ids) == ["1", "2"]
    assert invoices.currency_codes == (USD,)
    assert invoices.amount_minor.tolist() == [100, 250]
    assert invoices.party_labels == ("A", "B")


def test_currencies_due_dates_and_ignored_columns(tmp_path: Path) -> None:
    text = ("ID,Debtor,Creditor,Amount,Currency,Due_Date,note\n"
            "a,A,B,1.50,usd,2026-03-01,x\nb,B,A,7,VES,2026-01-31,y\nc,A,B,2,XSU,2025-12-31,\n")
    invoices = load_invoices(write(tmp_path, text))
    assert list(invoices.ids) == ["a", "b", "c"]
    assert [invoices.currency_codes[k] for k in invoices.currency_index] == [USD, VES, XSU]
    assert invoices.due_day is not None
    assert invoices.due_day.tolist() == [20513, 20484, 20453]
    errors = errors_of(write(tmp_path, text.replace("2026-01-31", "2026-02-30")))
    assert lines_and_fields(errors) == [(3, "due_date")]


def test_quotes_blanks_crlf_and_bom_load_like_plain_records(tmp_path: Path) -> None:
    plain = load_invoices(write(tmp_path, "id,debtor,creditor,amount\n1,A,B,1\n2,B,A,2\n",
                                "plain.csv"))
    fancy = load_invoices(write(tmp_path, '\ufeffid,debtor,creditor,amount\r\n"1", A ,"B", '
                                          '1.00 \r\n2,"B",A,2\r\n\r\n', "fancy.csv"))
    assert list(fancy.ids) == list(plain.ids)
    assert fancy.party_labels == plain.party_labels
    assert fancy.amount_minor.tolist() == plain.amount_minor.tolist()


def test_small_blocks_give_the_same_invoices_and_line_numbers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(7)
    rows = [f"i{k},P{d},P{(d + 1 + c) % 40},{a // 100}.{a % 100:02d}"
            for k, (d, c, a) in enumerate(zip(rng.integers(0, 40, 500), rng.integers(0, 39, 500),
                                              rng.integers(1, 10**7, 500), strict=True))]
    path = write(tmp_path, "id,debtor,creditor,amount\n" + "\n".join(rows) + "\n")
    whole = load_invoices(path)
    monkeypatch.setattr(bounds, "setoff_csv_block_bytes", 97)
    seen: list[int] = []
    pieces = load_invoices(path, on_progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 500 and len(seen) > 10
    assert list(pieces.ids) == list(whole.ids) and pieces.party_labels == whole.party_labels
    for name in ("debtor", "creditor", "amount_minor"):
        assert np.array_equal(getattr(pieces, name), getattr(whole, name))
    rows[321] = rows[321].replace(",P", ",  P", 1).replace(".", ".123")
    errors = errors_of(write(tmp_path, "id,debtor,creditor,amount\n" + "\n".join(rows) + "\n"))
    assert lines_and_fields(errors) == [(323, "amount")]


amount_texts = st.one_of(
    st.from_regex(r"\A[0-9]{1,14}(\.[0-9]{0,4})?\Z"),
    st.text(alphabet="0123456789.-+eE ", max_size=8))


@settings(max_examples=400, deadline=None)
@given(st.lists(amount_texts, min_size=1, max_size=20))
def test_the_fast_amount_parser_agrees_with_parse_amount(texts: list[str]) -> None:
    values = np.array([t.strip().encode() for t in texts] or [b""], dtype=np.bytes_)
    minor, plain = blocks.plain_decimals(values, np.full(len(texts), 2))
    for k, text in enumerate(texts):
        if plain[k] and int(minor[k]) <= bounds.amount_minor_max:   # else: parse_amount decides
            assert int(minor[k]) == parse_amount(text, XSU, allow_zero=True)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 10**15), min_size=1, max_size=30), st.sampled_from([0, 2, 3]))
def test_decimal_text_is_format_amounts_text(values: list[int], places: int) -> None:
    minor = np.array(values, dtype=np.int64)
    expected = [str(Decimal(v).scaleb(-places).quantize(Decimal(1).scaleb(-places)))
                for v in values]
    assert decimal_strings(minor, places) == expected
    matrix = decimal_bytes(minor, places)
    assert [bytes(row[row != 0]).decode() for row in matrix] == expected
    if places == 2:
        assert expected == [format_amount(v, XSU) for v in values]


def read_rows(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_result_file_rows_in_each_invoices_currency(tmp_path: Path) -> None:
    text = ("id,debtor,creditor,amount,currency\n"
            "u,A,B,100.00,USD\nv,B,C,8000.00,VES\n\"x,1\",C,A,50.00,XSU\nw,C,D,1.00,XSU\n")
    rates: dict[CurrencyCode, Fraction] = {USD: parse_rate("0.8", field="rate"),
                                           VES: parse_rate("0.01", field="rate")}
    result = set_off(load_invoices(write(tmp_path, text)), rates)
    out = tmp_path / "result.csv"
    write_result(out, result)
    assert read_rows(out) == ["id,amount,cleared,remaining", "u,100.00,62.50,37.50",
                              "v,8000.00,5000.00,3000.00", '"x,1",50.00,50.00,0.00',
                              "w,1.00,0.00,1.00"]
    assert not list(tmp_path.glob(".*partial"))


def test_result_file_fast_path_and_row_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, "debtor,creditor,amount\nA,B,100\nB,A,30.5\nB,C,2\n")
    result = set_off(load_invoices(path), {})
    out = tmp_path / "result.csv"
    write_result(out, result)
    assert read_rows(out) == ["id,amount,cleared,remaining", "1,100.00,30.50,69.50",
                              "2,30.50,30.50,0.00", "3,2.00,0.00,2.00"]


def test_errors_are_sucre_errors_with_a_reason_code(tmp_path: Path) -> None:
    with pytest.raises(SucreError) as caught:
        load_invoices(write(tmp_path, "debtor,creditor,amount\nA,A,1\n"))
    assert caught.value.reason_code == "FF01" and caught.value.field == "file"
    assert "line 2: creditor" in str(caught.value)


def test_encoded_ids_decode_and_check_uniqueness_exactly() -> None:
    from sucre.domain.setoff import EncodedIds

    ids = EncodedIds(np.array([b"a", "b\u00e9".encode(), b"c,d"]))
    assert list(ids) == ["a", "b\u00e9", "c,d"]
    assert ids[1] == "b\u00e9" and ids[1:] == ["b\u00e9", "c,d"]
    assert ids.all_unique()
    assert not EncodedIds(np.array([b"x1", b"x2", b"x1"])).all_unique()
    many = EncodedIds(np.array([f"INV-{k}".encode() for k in range(20_000)]))
    assert many.all_unique()
