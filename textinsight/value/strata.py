"""Who a customer was on a given day: the covariates the comparisons are stratified by.

Every covariate is a small integer code per (customer, day) row, computed with numpy
from the customers table, the purchase history and the feedback counts. ``-1`` never
appears: a missing value is a category of its own (``unknown``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from textinsight.value.arrays import NO_DAY, FloatArray, IntArray
from textinsight.value.lifecycle import PurchaseHistory

TENURE_DAYS = (90, 365, 730)
"""Tenure bands: under 90 days, under a year, under two years, longer (then unknown)."""
RECENCY_DAYS = (30, 90, 365)
"""Days since the last purchase: up to 30, 90, 365, longer, never bought."""
FREQUENCY_COUNTS = (1, 3, 6, 12)
"""Purchases in the year before: 0, 1-2, 3-5, 6-11, 12 and more."""
ITEM_COUNTS = (2, 3, 4)
"""Feedback items in the period: 0-1, 2, 3, 4 and more."""
VALUE_TIERS = ("top", "middle", "bottom", "unknown")
"""Value tiers: top decile, the next 40 %, the bottom half, unknown value."""

COVARIATES = ("tenure", "segment", "membership", "recency", "frequency", "feedback_items")
"""Names of the covariates, in the order they are stratified by."""
DROP_ORDER = ("segment", "membership", "frequency", "recency")
"""When strata are too sparse, these covariates are dropped in this order (segment and
membership are shown as breakdowns anyway). Tenure and the number of feedback items
are never dropped: they are the confounders that fooled the raw comparison most."""


def _band(values: IntArray, cuts: tuple[int, ...]) -> IntArray:
    return np.searchsorted(np.asarray(cuts), values, side="right").astype(np.int64)


@dataclass
class Profile:
    """Per-customer arrays the covariates are read from.

    Attributes:
        joined: joining day (``NO_DAY`` unknown).
        segment: segment code (0 unknown).
        member: 0 unknown, 1 non-member, 2 member.
        value: customer value (NaN unknown).
        items: feedback items each customer wrote in the period.
        history: purchases, or None without any.
        segments: segment names by code (code 0 is ``unknown``).
    """

    joined: IntArray
    segment: IntArray
    member: IntArray
    value: FloatArray
    items: IntArray
    history: PurchaseHistory | None
    segments: list[str]
    used: tuple[str, ...] = ()
    """The covariates the strata are built from (those that vary); set by the caller."""
    reference: str = ""
    """The reference group actually used (``auto`` resolved); set by the caller."""

    def covariates(self, customer: IntArray, day: IntArray) -> dict[str, IntArray]:
        """Code of every covariate for each (customer, day) row."""
        joined = self.joined[customer]
        tenure = np.where(joined == NO_DAY, len(TENURE_DAYS) + 1, _band(day - joined, TENURE_DAYS))
        out = {
            "tenure": tenure.astype(np.int64),
            "segment": self.segment[customer],
            "membership": self.member[customer],
            "feedback_items": _band(self.items[customer], ITEM_COUNTS),
        }
        if self.history is not None:
            last = self.history.last_before(customer, day)
            out["recency"] = np.where(
                last < 0, len(RECENCY_DAYS) + 1, _band(day - last, RECENCY_DAYS)
            ).astype(np.int64)
            count = self.history.count(customer, day - 365, day)
            out["frequency"] = _band(count, FREQUENCY_COUNTS)
        return out

    def value_tier(self, customer: IntArray, top_quantile: float) -> IntArray:
        """Index into :data:`VALUE_TIERS` of each customer."""
        known = ~np.isnan(self.value)
        if not known.any():
            return np.full(len(customer), 3, dtype=np.int64)
        top = np.quantile(self.value[known], top_quantile)
        half = np.quantile(self.value[known], 0.5)
        value = self.value[customer]
        tier = np.where(value >= top, 0, np.where(value >= half, 1, 2))
        return np.where(np.isnan(value), 3, tier).astype(np.int64)


def used_covariates(*tables: dict[str, IntArray]) -> tuple[str, ...]:
    """The covariates that vary over the rows of ``tables`` (the others add nothing)."""
    used = []
    for name in COVARIATES:
        columns = [t[name] for t in tables if name in t and len(t[name])]
        if columns and len(np.unique(np.concatenate(columns))) > 1:
            used.append(name)
    return tuple(used)


def combine(tables: list[dict[str, IntArray]], names: tuple[str, ...]) -> list[IntArray]:
    """One dense stratum code per row of each table, the same code for the same
    combination of covariate values across tables."""
    sizes = [len(next(iter(t.values()))) if t else 0 for t in tables]
    key = np.zeros(sum(sizes), dtype=np.int64)
    for name in names:
        column = np.concatenate([t[name] for t in tables])
        key = key * (int(column.max()) + 1) + column
    _, code = np.unique(key, return_inverse=True)
    code = code.astype(np.int64).reshape(-1)
    return list(np.split(code, np.cumsum(sizes)[:-1]))
