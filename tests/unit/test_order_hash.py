"""``OrderRequest.body_hash`` is stored with every order: its value must never change.

The pinned values were computed by the original ``dataclasses.asdict`` implementation; the
property test checks the current one against that implementation on arbitrary text.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields, replace

from hypothesis import given
from hypothesis import strategies as st

from sucre.domain.orders import OrderRequest
from tests import world


def reference_hash(request: OrderRequest) -> str:
    """The original definition: every field but the key, stripped, as sorted compact JSON."""
    body = {f.name: getattr(request, f.name).strip() for f in fields(request)
            if f.name != "idempotency_key"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def test_the_hash_of_a_known_order_is_pinned() -> None:
    assert world.order().body_hash() == (
        "7c3bb01af49933377a1682dae500385d6bc81125c9245c381d29ab09a4fa26d6")


def test_the_hash_of_padded_and_non_ascii_text_is_pinned() -> None:
    request = world.order("  K2 ", amount=" 24000.00 ", currency="CUP",
                          importer=' Importadora "Ñandú" \\ 😀 ', exporter="Café\tLtd",
                          debtor_bank="BANCO", creditor_bank=" x ")
    assert request.body_hash() == (
        "1601c6b6f545ecc3095dc72fce129a57cbb5f62c41d17f6d03959e852a0dcd25")


def test_the_key_is_not_part_of_the_body() -> None:
    assert world.order("A").body_hash() == world.order(" B ").body_hash()
    assert world.order().body_hash() != world.order(amount="1000.01").body_hash()


@given(st.lists(st.text(), min_size=16, max_size=16))
def test_the_hash_equals_the_original_definition(values: list[str]) -> None:
    names = [f.name for f in fields(OrderRequest)]
    request = replace(world.order(), **dict(zip(names, values, strict=True)))
    assert request.body_hash() == reference_hash(request)
