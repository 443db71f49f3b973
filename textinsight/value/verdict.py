"""From per-theme comparisons to verdicts: q-values, kind and impact.

:class:`ThemeStats` holds one array per metric (``NaN`` where not computable) while
the statistics are computed for all themes at once, then turns each theme's row into
a :class:`~textinsight.records.ThemeValue`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from textinsight.records import ThemeValue
from textinsight.value.adjusted import Comparison
from textinsight.value.arrays import FloatArray
from textinsight.value.config import ValueConfig
from textinsight.value.lifecycle import PHASES
from textinsight.value.stats import benjamini_hochberg

LOYALTY = ("behavioural", "attitudinal", "both", "neither", "discount_hunter")
"""Keys of :attr:`ThemeValue.loyalty`."""

_OUTCOME_STATS = (
    "rate",
    "baseline",
    "diff",
    "lift",
    "p",
    "q",
    "low",
    "high",
    "baseline_raw",
    "lift_raw",
    "p_raw",
    "cmh_p",
    "matched_share",
    "raw_low",
    "raw_high",
    "n",
    "events",
    "reference_n",
    "reference_events",
)
_COUNTS = ("n", "events", "reference_n", "reference_events")


class ThemeStats:
    """Per-theme arrays, NaN (or None) where not computable; turned into records last."""

    FIELDS = (
        "known_customer_share",
        "sentiment",
        "value_total",
        "value_median",
        "top_decile_share",
        *(f"{outcome}_{stat}" for outcome in ("churn", "repurchase") for stat in _OUTCOME_STATS),
        "nps_mean",
        "nps_baseline",
        "rating_mean",
        "rating_baseline",
        "revenue_at_risk",
        "revenue_at_risk_low",
        "revenue_at_risk_high",
        "repurchase_value_at_risk",
        "repurchase_value_at_risk_low",
        "repurchase_value_at_risk_high",
        "impact",
        "exit_customers",
        "exit_share",
    )
    """Every float field; ``*_low``/``*_high`` form the intervals."""

    def __init__(self, n_themes: int) -> None:
        self.n_themes = n_themes
        self.arrays: dict[str, FloatArray] = {f: np.full(n_themes, np.nan) for f in self.FIELDS}
        self.feedback_count = np.zeros(n_themes, dtype=np.int64)
        self.customers = np.zeros(n_themes, dtype=np.int64)
        self.kind = ["neutral"] * n_themes
        self.significant = np.zeros(n_themes, dtype=np.bool_)
        self.phases: FloatArray | None = None
        self.loyalty: FloatArray | None = None
        self.extra: list[dict[str, Any]] = [{} for _ in range(n_themes)]
        """Per theme: fields that are not one float (breakdowns, windows, adjusted_for)."""

    def __getitem__(self, name: str) -> FloatArray:
        return self.arrays[name]

    def __setitem__(self, name: str, values: NDArray[Any]) -> None:
        self.arrays[name][:] = values

    def put(self, prefix: str, result: Comparison) -> None:
        """Store one outcome's comparison under ``prefix`` (``churn``, ``repurchase``)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(result.n1 > 0, result.x1 / result.n1, np.nan)
            self[f"{prefix}_rate"] = rate
            self[f"{prefix}_baseline_raw"] = np.where(result.n0 > 0, result.x0 / result.n0, np.nan)
            baseline = np.where(result.lift > 0, rate / result.lift, np.nan)
        self[f"{prefix}_baseline"] = baseline
        self[f"{prefix}_diff"] = rate - baseline
        for name, values in (
            ("lift", result.lift),
            ("low", result.low),
            ("high", result.high),
            ("p", result.p),
            ("cmh_p", result.cmh_p),
            ("matched_share", result.matched),
            ("lift_raw", result.raw_lift),
            ("raw_low", result.raw_low),
            ("raw_high", result.raw_high),
            ("p_raw", result.raw_p),
            ("n", result.n1),
            ("events", result.x1),
            ("reference_n", result.n0),
            ("reference_events", result.x0),
        ):
            self[f"{prefix}_{name}"] = values

    def record(self, i: int) -> ThemeValue:
        def get(name: str) -> float | None:
            value = float(self.arrays[name][i])
            return None if np.isnan(value) else value

        def interval(low: str, high: str) -> tuple[float, float] | None:
            lo, hi = get(low), get(high)
            return None if lo is None or hi is None else (lo, hi)

        skip = ("_low", "_high", "_raw_low", "_raw_high", "exit_customers")
        names = [f for f in self.FIELDS if not f.endswith(skip)]
        data: dict[str, Any] = {name: get(name) for name in names}
        for name in self.FIELDS:
            if name.endswith(_COUNTS) or name == "exit_customers":
                value = get(name)
                data[name] = None if value is None else int(value)
        for prefix in ("churn", "repurchase"):
            data[f"{prefix}_lift_ci"] = interval(f"{prefix}_low", f"{prefix}_high")
            data[f"{prefix}_lift_raw_ci"] = interval(f"{prefix}_raw_low", f"{prefix}_raw_high")
        for money in ("revenue_at_risk", "repurchase_value_at_risk"):
            data[f"{money}_ci"] = interval(f"{money}_low", f"{money}_high")
        data.update(self.extra[i])
        return ThemeValue(
            feedback_count=int(self.feedback_count[i]),
            customers=int(self.customers[i]),
            kind=self.kind[i],
            significant=bool(self.significant[i]),
            phases=_shares(PHASES, self.phases, i),
            loyalty=_shares(LOYALTY, self.loyalty, i),
            **data,
        )


def _shares(keys: tuple[str, ...], table: FloatArray | None, i: int) -> dict[str, float] | None:
    if table is None or np.isnan(table[i]).any():
        return None
    return {key: float(share) for key, share in zip(keys, table[i], strict=True)}


def _bound(low: FloatArray, high: FloatArray) -> FloatArray:
    """Distance of each interval from 0 (0 when it covers 0, NaN when unknown)."""
    return np.where(low > 0, low, np.where(high < 0, -high, np.where(np.isnan(low), np.nan, 0.0)))


def decide(stats: ThemeStats, config: ValueConfig) -> None:
    """Benjamini-Hochberg over all adjusted churn and repurchase tests, then kind and impact."""
    size = stats.n_themes
    pvalues, guards = [], {}
    for prefix in ("churn", "repurchase"):
        matched = stats[f"{prefix}_n"] * np.nan_to_num(stats[f"{prefix}_matched_share"])
        guard = (matched >= config.min_customers) & (
            stats[f"{prefix}_reference_n"] >= config.min_customers
        )
        guards[prefix] = guard
        pvalues.append(np.where(guard, stats[f"{prefix}_p"], np.nan))
    q = benjamini_hochberg(np.concatenate(pvalues))
    stats["churn_q"], stats["repurchase_q"] = q[:size], q[size:]

    # "good" direction: the theme's customers do better than the reference
    good = {"churn": stats["churn_lift"] < 1.0, "repurchase": stats["repurchase_lift"] > 1.0}
    bad = {"churn": stats["churn_lift"] > 1.0, "repurchase": stats["repurchase_lift"] < 1.0}
    better = np.zeros(size, dtype=np.bool_)
    worse = np.zeros(size, dtype=np.bool_)
    for prefix in good:
        with np.errstate(invalid="ignore"):
            significant = stats[f"{prefix}_q"] <= config.alpha
        better |= significant & good[prefix]
        worse |= significant & bad[prefix]

    bounds = []
    for money, prefix in (("revenue_at_risk", "churn"), ("repurchase_value_at_risk", "repurchase")):
        bound = _bound(stats[f"{money}_low"], stats[f"{money}_high"])
        bounds.append(np.where(guards[prefix], bound, np.nan))
    stats["impact"] = np.fmax(bounds[0], bounds[1])

    sentiment = stats["sentiment"]
    negative = sentiment < -config.sentiment_threshold
    positive = sentiment > config.sentiment_threshold
    exit_theme = np.nan_to_num(stats["exit_share"]) >= config.exit_share
    stats.significant[:] = better | worse
    for i in range(size):
        if exit_theme[i]:
            stats.kind[i] = "exit"
        elif worse[i] and not better[i]:
            stats.kind[i] = "contradiction" if positive[i] else "pain_point"
        elif better[i] and not worse[i]:
            stats.kind[i] = "contradiction" if negative[i] else "loyalty_driver"
