"""Purchase histories queried at many reference days at once.

Days are integers (days since 1970-01-01). Every query takes one customer index and
one reference day per row and answers with one array entry per row, using binary
search over the purchases sorted by (customer, day): no Python loop over customers or
purchases.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from textinsight.value.arrays import BoolArray, FloatArray, IntArray
from textinsight.value.config import ValueConfig

PHASES = ("activation", "activity", "inactivity", "reactivation", "none")
"""Lifecycle phases, in the order of the codes :meth:`PurchaseHistory.phases` returns."""

ACTIVATION, ACTIVITY, INACTIVITY, REACTIVATION, NONE = range(len(PHASES))

_DAY_OFFSET = 1 << 31


def _key(customer: NDArray[np.integer], day: NDArray[np.integer]) -> IntArray:
    return (customer.astype(np.int64) << 32) + (day.astype(np.int64) + _DAY_OFFSET)


class PurchaseHistory:
    """The purchases of known customers, sorted by (customer, day).

    Args:
        customer: customer index of each purchase (``>= 0``).
        day: purchase day of each purchase.
        amount: amount of each purchase (NaN unknown); default all unknown.
        discount: whether each purchase was bought on discount; default none was.

    Example:
        >>> h = PurchaseHistory(np.array([0, 0, 0]), np.array([0, 30, 60]))
        >>> h.count(np.array([0]), np.array([10]), np.array([60])).tolist()
        [2]
    """

    def __init__(
        self,
        customer: NDArray[np.integer],
        day: NDArray[np.integer],
        amount: FloatArray | None = None,
        discount: BoolArray | None = None,
    ) -> None:
        key = _key(np.asarray(customer), np.asarray(day))
        order = np.argsort(key, kind="stable")
        n = len(key)
        amount = np.full(n, np.nan) if amount is None else np.asarray(amount, dtype=np.float64)
        discount = np.zeros(n, dtype=np.bool_) if discount is None else np.asarray(discount)
        self.amount = amount[order]
        known = ~np.isnan(self.amount)
        self._amount_sum = np.concatenate([[0.0], np.cumsum(np.where(known, self.amount, 0.0))])
        self._amount_n = np.concatenate([[0], np.cumsum(known)])
        self._discount_n = np.concatenate([[0], np.cumsum(discount[order])])
        self.key = key[order]
        self.customer = np.asarray(customer, dtype=np.int64)[order]
        self.day = np.asarray(day, dtype=np.int64)[order]
        gap = np.zeros(len(self.day), dtype=np.int64)
        if len(gap) > 1:
            same = self.customer[1:] == self.customer[:-1]
            gap[1:] = np.where(same, np.diff(self.day), 0)
        self.gap = gap
        """``gap[j]``: days since the customer's previous purchase (0 for their first)."""
        self._gap_sum = np.concatenate([[0.0], np.cumsum(gap, dtype=np.float64)])
        self._gap_sq_sum = np.concatenate([[0.0], np.cumsum(gap.astype(np.float64) ** 2)])

    def __len__(self) -> int:
        return len(self.day)

    def _until(self, customer: IntArray, day: IntArray) -> IntArray:
        """Index one past the customer's last purchase on or before ``day``."""
        return np.searchsorted(self.key, _key(customer, day), side="right").astype(np.int64)

    def _first(self, customer: IntArray) -> IntArray:
        """Index of the customer's first purchase (of the next customer's when none)."""
        return np.searchsorted(self.key, customer.astype(np.int64) << 32, side="left").astype(
            np.int64
        )

    def count(self, customer: IntArray, after: IntArray, until: IntArray) -> IntArray:
        """Purchases of each customer with ``after < day <= until``."""
        return np.maximum(self._until(customer, until) - self._until(customer, after), 0)

    def spend(self, customer: IntArray, after: IntArray, until: IntArray) -> FloatArray:
        """Total known amount of each customer's purchases with ``after < day <= until``;
        NaN where none of those purchases has an amount (or there are none)."""
        hi, lo = self._until(customer, until), self._until(customer, after)
        total = self._amount_sum[hi] - self._amount_sum[lo]
        return np.where(self._amount_n[hi] > self._amount_n[lo], total, np.nan)

    def mean_amount(self) -> float:
        """Mean known purchase amount (NaN when no purchase has one)."""
        n = int(self._amount_n[-1])
        return float(self._amount_sum[-1] / n) if n else float("nan")

    def last_before(self, customer: IntArray, day: IntArray) -> IntArray:
        """Day of each customer's last purchase on or before ``day`` (-1 if none)."""
        end = self._until(customer, day)
        has = end > self._first(customer)
        last = self.day[np.maximum(end - 1, 0)] if len(self) else np.zeros(len(day), np.int64)
        return np.where(has, last, -1)

    def discount_share(self, customer: IntArray, ref: IntArray, days: int) -> FloatArray:
        """Share of each customer's purchases in the ``days`` up to ``ref`` bought on
        discount; NaN without purchases in that time."""
        hi, lo = self._until(customer, ref), self._until(customer, ref - days)
        n = hi - lo
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(n > 0, (self._discount_n[hi] - self._discount_n[lo]) / n, np.nan)

    def phases(self, customer: IntArray, ref: IntArray, rules: ValueConfig) -> IntArray:
        """Lifecycle phase of each customer on day ``ref``, as an index into :data:`PHASES`.

        From the purchases on or before ``ref``, first rule that applies:

        - ``none``: no purchase yet;
        - ``activation``: the first purchase is at most ``activation_days`` old;
        - ``inactivity``: the last purchase is older than the customer's inactivity
          threshold ``max(inactivity_factor * usual interval, inactivity_floor_days)``,
          where the usual interval is the median of their last ``interval_history``
          gaps between purchases (the floor alone with fewer than two purchases);
        - ``reactivation``: a purchase in the last ``reactivation_days`` came after a
          gap longer than that threshold;
        - ``activity``: otherwise.
        """
        start = self._first(customer)
        end = self._until(customer, ref)
        has = end > start
        phase = np.full(len(customer), NONE, dtype=np.int64)
        first = self.day[np.minimum(start, len(self) - 1)] if len(self) else ref
        new = has & (ref - first <= rules.activation_days)
        phase[new] = ACTIVATION
        rows = np.flatnonzero(has & ~new)
        if len(rows) == 0:
            return phase
        s, e, r = start[rows], end[rows], ref[rows]
        threshold = self._inactivity_threshold(s, e, rules)
        inactive = r - self.day[e - 1] > threshold
        recent = np.maximum(self._until(customer[rows], r - rules.reactivation_days), s + 1)
        returned = _range_max(self.gap, recent, e) > threshold
        phase[rows] = np.where(
            inactive, INACTIVITY, np.where(returned, REACTIVATION, ACTIVITY)
        ).astype(np.int64)
        return phase

    def _inactivity_threshold(
        self, start: IntArray, end: IntArray, rules: ValueConfig
    ) -> FloatArray:
        """``max(factor * median of the last gaps, floor)`` per row; rows have purchases."""
        width = max(int(rules.interval_history), 1)
        idx = (end - 1)[:, None] - np.arange(width)[None, :]
        valid = idx >= (start + 1)[:, None]
        # int32: sorting many short rows is several times faster than with int64
        gap = np.minimum(self.gap[np.maximum(idx, 0)], np.iinfo(np.int32).max - 1)
        gaps = np.where(valid, gap, np.iinfo(np.int32).max).astype(np.int32)
        gaps.sort(axis=1)
        n = valid.sum(axis=1)
        rows = np.arange(len(start))
        low = gaps[rows, np.maximum(n - 1, 0) // 2].astype(np.float64)
        high = gaps[rows, n // 2].astype(np.float64)
        median = np.where(n > 0, (low + high) / 2.0, 0.0)
        return np.maximum(rules.inactivity_factor * median, float(rules.inactivity_floor_days))

    def behavioural(self, customer: IntArray, ref: IntArray, rules: ValueConfig) -> BoolArray:
        """Whether each customer was a regular buyer still buying on day ``ref``.

        Regular: at least ``loyalty_min_purchases`` purchases in the ``loyalty_days``
        up to ``ref``, and the coefficient of variation (population standard deviation
        over mean) of the gaps between them, counting the open gap from the last
        purchase to ``ref``, at most ``loyalty_max_cv`` (a Poisson buyer has about 1).
        The open gap makes a burst of purchases followed by silence irregular; the
        lifecycle phase on ``ref`` must be ``activity`` (lapsed customers are not
        loyal). Discount hunters are excluded by the caller.
        """
        end = self._until(customer, ref)
        start = self._until(customer, ref - rules.loyalty_days)
        n = end - start
        enough = n >= max(rules.loyalty_min_purchases, 1)
        out = np.zeros(len(customer), dtype=np.bool_)
        rows = np.flatnonzero(enough)
        if len(rows) == 0:
            return out
        s, e = start[rows], end[rows]
        open_gap = (ref[rows] - self.day[e - 1]).astype(np.float64)
        total = self._gap_sum[e] - self._gap_sum[s + 1] + open_gap
        squares = self._gap_sq_sum[e] - self._gap_sq_sum[s + 1] + open_gap**2
        count = n[rows].astype(np.float64)
        mean = total / count
        std = np.sqrt(np.maximum(squares / count - mean**2, 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            regular = (mean > 0) & (std <= rules.loyalty_max_cv * mean)
        out[rows] = regular
        return out & (self.phases(customer, ref, rules) == ACTIVITY)


def _range_max(values: IntArray, low: IntArray, high: IntArray) -> FloatArray:
    """``max(values[low[i]:high[i]])`` per row; ``-inf`` for empty ranges."""
    out = np.full(len(low), -np.inf)
    rows = np.flatnonzero(low < high)
    if len(rows) == 0:
        return out
    padded = np.append(values, 0).astype(np.float64)
    bounds = np.empty(2 * len(rows), dtype=np.int64)
    bounds[0::2], bounds[1::2] = low[rows], high[rows]
    out[rows] = np.maximum.reduceat(padded, bounds)[0::2]
    return out
