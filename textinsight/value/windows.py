"""Forward windows after a reference day: churn within W days, purchases in a window.

One sort of the purchases by (customer, day) as a single key, then two
``searchsorted`` calls per query: 10^5 queries over 10^6 purchases take milliseconds.
Used by the action ledger for repurchase within W days after a reference day and the
spend in the 12 months before it; :func:`forward_churn` is the churn rule.

Example:
    >>> w = PurchaseWindows(np.array([0, 0, 1]), np.array([10, 20, 15]), np.array([5.0, 7, 1]))
    >>> w.count(np.array([0, 1]), np.array([9, 9]), np.array([20, 20])).tolist()
    [2, 1]
    >>> w.total(np.array([0]), np.array([10]), np.array([20])).tolist()
    [7.0]
"""

from __future__ import annotations

import numpy as np

from textinsight.value.arrays import BoolArray, FloatArray, IntArray


class PurchaseWindows:
    """Purchases indexed for window queries: ``low < day <= high`` per customer.

    Args:
        customer: customer index (>= 0) of each purchase.
        day: day number of each purchase.
        amount: amount of each purchase (NaN counts as 0 in totals).
    """

    def __init__(self, customer: IntArray, day: IntArray, amount: FloatArray):
        self._base = int(day.min(initial=1)) - 1
        self._span = int(day.max(initial=1)) - self._base + 2
        key = customer.astype(np.int64) * self._span + (day - self._base)
        order = np.argsort(key, kind="stable")
        self._key = key[order]
        self._cumulative = np.concatenate([[0.0], np.cumsum(np.nan_to_num(amount[order]))])

    def _bounds(
        self, customer: IntArray, low: IntArray, high: IntArray
    ) -> tuple[IntArray, IntArray]:
        low_offset = np.clip(low - self._base, 0, self._span - 1)
        high_offset = np.clip(high - self._base, 0, self._span - 1)
        first = np.searchsorted(self._key, customer * self._span + low_offset, side="right")
        last = np.searchsorted(self._key, customer * self._span + high_offset, side="right")
        return first, last

    def count(self, customer: IntArray, low: IntArray, high: IntArray) -> IntArray:
        """Purchases of each queried customer with ``low < day <= high``."""
        first, last = self._bounds(customer, low, high)
        return (last - first).astype(np.int64)

    def total(self, customer: IntArray, low: IntArray, high: IntArray) -> FloatArray:
        """Amount each queried customer spent with ``low < day <= high``."""
        first, last = self._bounds(customer, low, high)
        return np.asarray(self._cumulative[last] - self._cumulative[first], dtype=np.float64)


def forward_churn(
    ref: IntArray, churn_day: IntArray, window_days: int
) -> tuple[BoolArray, FloatArray]:
    """(active, churned) per unit: ``active`` when the customer had not churned by the
    reference day (feedback on or after the churn date is exit feedback, never a
    cause); ``churned`` (0/1) when they churned within ``window_days`` after it.

    The caller keeps only units whose whole window is observed (``ref + W <= as_of``)
    and passes ``NO_DAY`` for customers who never churned (or churn after ``as_of``).

    Example:
        >>> forward_churn(np.array([10, 10, 10]), np.array([5, 50, 200]), 90)
        (array([False,  True,  True]), array([1., 1., 0.]))
    """
    return churn_day > ref, (churn_day <= ref + window_days).astype(np.float64)
