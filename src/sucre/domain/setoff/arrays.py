"""Integer arrays of a set-off: the int64 type every amount and index has, its safe bound, and
the stable ordering used to group invoices."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Int64Array = NDArray[np.int64]

#: Products and sums below this fit int64 with room for one more addition.
INT64_SAFE = 2**62

def stable_order(key: Int64Array, key_bound: int) -> Int64Array:
    """``np.argsort(key, kind="stable")`` for keys in ``[0, key_bound)``, faster.

    When ``key * size + position`` fits int64, sorting those values (numpy's SIMD sort, about
    ten times faster than a stable argsort at 10^6) gives the same order: ties by position.
    """
    size = key.size
    if size == 0 or key_bound * max(size, 1) >= INT64_SAFE:
        return np.argsort(key, kind="stable")
    return np.sort(key * size + np.arange(size, dtype=np.int64)) % size
