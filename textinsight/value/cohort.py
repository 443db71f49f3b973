"""The theme cohorts and the reference pool, ready to compare over any follow-up window.

A :class:`Cohort` holds one row per (customer, theme) pair with the pair's reference
day, and one row per reference-pool customer with theme-free reference day, both
already coded into strata; :meth:`Cohort.compare` turns an outcome into per-theme
:class:`~textinsight.value.adjusted.Comparison` results, optionally within one group
(members only, one segment, ...).

The forward outcomes after a reference day are defined once, here, for the value
statistics and the action ledger alike: :func:`forward_churn` (active on the day,
churned within W days), :func:`forward_repurchase` (bought within W days) and
:func:`spend_before` (the spend behind the money).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from textinsight.value.adjusted import Comparison, compare_strata, heterogeneity
from textinsight.value.arrays import NO_DAY, BoolArray, FloatArray, IntArray
from textinsight.value.lifecycle import PurchaseHistory


def forward_churn(ref: IntArray, churn_day: IntArray, window: int) -> tuple[BoolArray, BoolArray]:
    """(active, churned) per row: ``active`` when the customer had not churned by the
    reference day (feedback on or after the churn date is exit feedback, never a
    cause); ``churned`` when they churned within ``window`` days after it.

    The caller keeps only rows whose whole window is observed (``ref + W <= as_of``,
    :meth:`Cohort.observed`) and passes ``NO_DAY`` for customers who never churned (or
    churn after ``as_of``).

    Example:
        >>> forward_churn(np.array([10, 10, 10]), np.array([5, 50, 200]), 90)
        (array([False,  True,  True]), array([ True,  True, False]))
    """
    return churn_day > ref, churn_day <= ref + window


def forward_repurchase(
    history: PurchaseHistory, customer: IntArray, ref: IntArray, window: int
) -> BoolArray:
    """Whether each customer bought within ``window`` days after ``ref`` (``ref < day
    <= ref + window``)."""
    return np.asarray(history.count(customer, ref, ref + window) > 0)


def spend_before(
    history: PurchaseHistory | None,
    value: FloatArray,
    customer: IntArray,
    ref: IntArray,
    days: int,
) -> FloatArray:
    """Each customer's known spend in the ``days`` up to ``ref``; their ``value`` where
    no purchase with an amount falls in that time (NaN when neither is known)."""
    spend = value[customer]
    if history is None:
        return spend
    bought = history.spend(customer, ref - days, ref)
    return np.where(np.isnan(bought), spend, bought)


@dataclass
class Cohort:
    """Pairs (``pc``, ``pt``, ``ref``) and pool rows (``pool_c``, ``pool_ref``) in strata.

    Attributes:
        pc, pt, ref: customer, theme and reference day of each pair (``NO_DAY``: none).
        pool_c, pool_ref: customer and reference day of each reference-pool row.
        pool_of_pair: the pair's customer's pool row, -1 when not in the pool.
        pair_stratum, pool_stratum: stratum codes.
        end: the last day of data (``as_of``).
        n_themes: number of themes.
        confidence: level of the intervals.
    """

    pc: IntArray
    pt: IntArray
    ref: IntArray
    pool_c: IntArray
    pool_ref: IntArray
    pool_of_pair: IntArray
    pair_stratum: IntArray
    pool_stratum: IntArray
    end: int
    n_themes: int
    confidence: float

    def observed(self, window: int) -> tuple[BoolArray, BoolArray]:
        """Pairs and pool rows whose whole ``window`` after the reference day is observed."""
        pair = (self.ref != NO_DAY) & (self.ref <= self.end - window)
        pool = (self.pool_ref != NO_DAY) & (self.pool_ref <= self.end - window)
        return pair, pool

    def compare(
        self,
        window: int,
        pair_event: BoolArray,
        pool_event: BoolArray,
        pair_mask: BoolArray | None = None,
        pool_mask: BoolArray | None = None,
        *,
        raw: bool = True,
    ) -> Comparison:
        """Compare each theme with the pool on an outcome over ``window`` days."""
        pair_ok, pool_ok = self.observed(window)
        if pair_mask is not None:
            pair_ok &= pair_mask
        if pool_mask is not None:
            pool_ok &= pool_mask
        remap = np.full(len(self.pool_c) + 1, -1, dtype=np.int64)
        remap[np.flatnonzero(pool_ok)] = np.arange(int(pool_ok.sum()))
        own = remap[self.pool_of_pair][pair_ok]  # pool_of_pair -1 reads the trailing -1
        return compare_strata(
            self.pt[pair_ok],
            self.pair_stratum[pair_ok],
            pair_event[pair_ok],
            self.pool_stratum[pool_ok],
            pool_event[pool_ok],
            own,
            self.n_themes,
            self.confidence,
            raw=raw,
        )

    def breakdown(
        self,
        window: int,
        pair_event: BoolArray,
        pool_event: BoolArray,
        pair_group: IntArray,
        pool_group: IntArray,
        names: list[str],
    ) -> list[dict[str, Any]] | None:
        """Per theme: the effect within each group and whether it differs between groups.

        Returns None when fewer than two groups hold anybody.
        """
        pair_ok, pool_ok = self.observed(window)
        present = [
            g
            for g in range(len(names))
            if (pair_group[pair_ok] == g).any() or (pool_group[pool_ok] == g).any()
        ]
        if len(present) < 2:
            return None
        n_all = np.bincount(self.pt[pair_ok], minlength=self.n_themes)
        pool_all = int(pool_ok.sum())
        results = {
            g: self.compare(
                window, pair_event, pool_event, pair_group == g, pool_group == g, raw=False
            )
            for g in present
        }
        out = []
        for t in range(self.n_themes):
            groups = {}
            for g, r in results.items():
                groups[names[g]] = {
                    "n": int(r.n1[t]),
                    "events": int(r.x1[t]),
                    "reference_n": int(r.n0[t]),
                    "reference_events": int(r.x0[t]),
                    "lift": _num(r.lift[t]),
                    "ci": _pair(r.low[t], r.high[t]),
                    "p": _num(r.p[t]),
                    "share": _num(r.n1[t] / n_all[t]) if n_all[t] else None,
                    "reference_share": _num(r.n0[t] / pool_all) if pool_all else None,
                }
            with np.errstate(divide="ignore", invalid="ignore"):
                log_lift = np.log(np.array([results[g].lift[t] for g in present]))
                log_var = np.array([results[g].log_var[t] for g in present])
                p = heterogeneity(log_lift, log_var)
            out.append({"groups": groups, "heterogeneity_p": _num(p)})
        return out


def _num(value: float) -> float | None:
    value = float(value)
    return None if np.isnan(value) else value


def _pair(low: float, high: float) -> list[float] | None:
    lo, hi = _num(low), _num(high)
    return None if lo is None or hi is None else [lo, hi]


def summary(result: Comparison, t: int) -> dict[str, float | None]:
    """One theme's comparison as a flat dict (for per-window figures)."""
    return {
        "n": float(result.n1[t]),
        "events": float(result.x1[t]),
        "reference_n": float(result.n0[t]),
        "reference_events": float(result.x0[t]),
        "rate": _num(result.x1[t] / result.n1[t]) if result.n1[t] else None,
        "lift": _num(result.lift[t]),
        "low": _num(result.low[t]),
        "high": _num(result.high[t]),
        "p": _num(result.p[t]),
    }
