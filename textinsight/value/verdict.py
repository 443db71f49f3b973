"""From per-theme counts to verdicts: rates, lifts, q-values, kind and impact.

:class:`ThemeStats` holds one array per metric (``NaN`` where not computable) while
the statistics are computed for all themes at once, then turns each theme's row into
a :class:`~textinsight.records.ThemeValue`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from textinsight.records import ThemeValue
from textinsight.value.arrays import FloatArray, IntArray
from textinsight.value.config import ValueConfig
from textinsight.value.lifecycle import PHASES
from textinsight.value.stats import benjamini_hochberg, risk_ratio_ci, two_proportion_pvalue

LOYALTY = ("behavioural", "attitudinal", "both", "neither")
"""Keys of :attr:`ThemeValue.loyalty`."""


class ThemeStats:
    """Per-theme arrays, NaN (or None) where not computable; turned into records last."""

    FIELDS = (
        "known_customer_share",
        "sentiment",
        "value_total",
        "value_median",
        "top_decile_share",
        *(
            f"{outcome}_{stat}"
            for outcome in ("churn", "repurchase")
            for stat in ("rate", "baseline", "diff", "lift", "p", "q", "low", "high", "n", "n0")
        ),
        "nps_mean",
        "nps_baseline",
        "rating_mean",
        "rating_baseline",
        "revenue_at_risk",
        "impact",
    )
    """Every float field; ``*_low``/``*_high`` form the lift intervals, ``*_n``/``*_n0``
    are the group sizes behind the minimum-n guard."""

    def __init__(self, n_themes: int) -> None:
        self.n_themes = n_themes
        self.arrays: dict[str, FloatArray] = {f: np.full(n_themes, np.nan) for f in self.FIELDS}
        self.feedback_count = np.zeros(n_themes, dtype=np.int64)
        self.customers = np.zeros(n_themes, dtype=np.int64)
        self.kind = ["neutral"] * n_themes
        self.significant = np.zeros(n_themes, dtype=np.bool_)
        self.phases: FloatArray | None = None
        self.loyalty: FloatArray | None = None

    def __getitem__(self, name: str) -> FloatArray:
        return self.arrays[name]

    def __setitem__(self, name: str, values: NDArray[Any]) -> None:
        self.arrays[name][:] = values

    def record(self, i: int) -> ThemeValue:
        def get(name: str) -> float | None:
            value = float(self.arrays[name][i])
            return None if np.isnan(value) else value

        def interval(prefix: str) -> tuple[float, float] | None:
            low, high = get(f"{prefix}_low"), get(f"{prefix}_high")
            return None if low is None or high is None else (low, high)

        names = [f for f in self.FIELDS if not f.endswith(("_low", "_high", "_n", "_n0"))]
        return ThemeValue(
            feedback_count=int(self.feedback_count[i]),
            customers=int(self.customers[i]),
            kind=self.kind[i],
            significant=bool(self.significant[i]),
            churn_lift_ci=interval("churn"),
            repurchase_lift_ci=interval("repurchase"),
            phases=_shares(PHASES, self.phases, i),
            loyalty=_shares(LOYALTY, self.loyalty, i),
            **{name: get(name) for name in names},
        )


def _shares(keys: tuple[str, ...], table: FloatArray | None, i: int) -> dict[str, float] | None:
    if table is None or np.isnan(table[i]).any():
        return None
    return {key: float(share) for key, share in zip(keys, table[i], strict=True)}


def compare(
    stats: ThemeStats,
    prefix: str,
    x1: IntArray,
    n1: IntArray,
    x0: IntArray,
    n0: IntArray,
    config: ValueConfig,
) -> None:
    """Rates, difference, lift with its interval, and p-value of theme vs baseline."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(n1 > 0, x1 / n1, np.nan)
        base = np.where(n0 > 0, x0 / n0, np.nan)
        lift = np.where(base > 0, rate / base, np.nan)
    low, high = risk_ratio_ci(x1, n1, x0, n0, confidence=config.confidence)
    stats[f"{prefix}_rate"] = rate
    stats[f"{prefix}_baseline"] = base
    stats[f"{prefix}_diff"] = rate - base
    stats[f"{prefix}_lift"] = lift
    stats[f"{prefix}_low"] = low
    stats[f"{prefix}_high"] = high
    stats[f"{prefix}_p"] = two_proportion_pvalue(x1, n1, x0, n0)
    stats[f"{prefix}_n"] = n1
    stats[f"{prefix}_n0"] = n0


def decide(stats: ThemeStats, config: ValueConfig) -> None:
    """Benjamini-Hochberg over all churn and repurchase tests, then kind and impact."""
    size = stats.n_themes
    pvalues = []
    for prefix in ("churn", "repurchase"):
        guarded = (stats[f"{prefix}_n"] >= config.min_customers) & (
            stats[f"{prefix}_n0"] >= config.min_customers
        )
        pvalues.append(np.where(guarded, stats[f"{prefix}_p"], np.nan))
    q = benjamini_hochberg(np.concatenate(pvalues))
    stats["churn_q"], stats["repurchase_q"] = q[:size], q[size:]

    # "good" differences: positive when the theme's customers do better than baseline
    good = {"churn": -stats["churn_diff"], "repurchase": stats["repurchase_diff"]}
    better = np.zeros(size, dtype=np.bool_)
    worse = np.zeros(size, dtype=np.bool_)
    shrunk = []
    for prefix, diff in good.items():
        q_prefix = stats[f"{prefix}_q"]
        with np.errstate(invalid="ignore"):
            significant = q_prefix <= config.alpha
        better |= significant & (diff > 0)
        worse |= significant & (diff < 0)
        shrink = np.where(np.isnan(q_prefix), 0.0, 1.0 - q_prefix)
        shrunk.append(np.where(np.isnan(diff), np.nan, np.abs(diff) * shrink))
    effect = np.fmax(shrunk[0], shrunk[1])
    stats["impact"] = stats["value_total"] * effect

    sentiment = stats["sentiment"]
    unknown = np.isnan(sentiment)
    negative = unknown | (sentiment < -config.sentiment_threshold)
    positive = unknown | (sentiment > config.sentiment_threshold)
    stats.significant[:] = better | worse
    for i in range(size):
        if worse[i] and not better[i] and negative[i]:
            stats.kind[i] = "pain_point"
        elif better[i] and not worse[i] and positive[i]:
            stats.kind[i] = "loyalty_driver"
