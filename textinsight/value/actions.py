"""Did the fix pay off? Measure one action against its theme, before vs after its date.

:func:`measure_action` takes an :class:`ActionPanel` (the run's dated feedback items
and the customers' churn dates and purchases, as arrays) and the action's day, and
returns an :class:`~textinsight.records.ActionEffect`. Pure: no store, no I/O.

Statistical design
------------------
**Design: difference in differences.** Each outcome is compared before vs after the
action's date, in the treated group and in a comparison group; the estimate is the
treated group's change minus the comparison's change, so that what moved for
everyone (season, a price change, a new customer mix over time) cancels out.

**Groups.** With a scope (stores, segments, channels), the treated group is the
theme's feedback inside the scope and the comparison is the *same theme outside the
scope*. Without one, the treated group is the theme's feedback and the comparison is
the feedback of *comparable themes*: the run's other themes, leaving out themes with
an action of their own (their change is not "what would have happened anyway").

**Outcomes.**

- ``volume_share``: unit a feedback item, ``y`` = 1 when it is in the theme. With a
  scope, the theme's share of the feedback inside vs outside the scope; without one,
  the theme's share of all feedback (already relative to the total, so the change
  itself is reported, with the same pre-trend check).
- ``sentiment``: unit a feedback item with a sentiment, ``y`` its sentiment in [-1, 1].
- ``churn`` (forward, over equal follow-up): unit a customer in a (group, period
  bin), reference day = their first item there. A unit counts only when the customer
  was still a customer on that day (feedback written on or after the churn date is
  exit feedback, never counted) and the whole window of ``window_days`` (W, 90) after
  it is observed (reference day + W <= ``as_of``); ``y`` = churned within W days.
- ``repurchase``: the same units, ``y`` = bought within W days after the reference day
  (needs purchases).

**Periods.** Before: up to ``max_weeks_before`` weeks (52) before the date; after: from the
date, up to ``max_weeks_after`` weeks. For churn and repurchase the after period ends
W days before ``as_of`` (the latest feedback or purchase day; future churn dates are
ignored). An outcome needs ``min_weeks_after`` weeks (8) of such data after the date;
before that it is ``too_early`` ("too early: 3 weeks of 8 needed") with the day it
will be ready. Any cell below ``min_units`` units is ``too_few``.

**Estimate and interval.** Ordinary least squares ``y ~ treated * post`` (a linear
probability model for rates), whose interaction is the difference in differences;
without a scope with a fixed effect per comparison theme in place of ``treated`` (the
comparison's change is the change within each theme, so a theme that surges after the
date does not move the comparison by its own level; a unit is then a customer in one
theme and period);
cluster-robust standard errors by customer (a customer who wrote before and after
is one cluster), normal interval at ``confidence`` (95 %), **placebo-calibrated**: the
drift between the groups that the placebo dates show beyond sampling noise is added to
the variance (the interval is the cluster-robust one where they show none). See
:mod:`textinsight.value.did`.

**Pre-trend check: placebo dates.** ``placebo_dates`` (1: the middle) dates split the
before period into equal bins; on the before period only, the same difference in
differences at each placebo date (a placebo action where nothing happened), and a
cluster-robust Wald test that they are all zero, i.e. that the treated group moved
like the comparison before the action. When p < ``pretrend_alpha`` (0.10) the
groups were already drifting apart before the action, and the estimate is marked not
credible (``credible=False``): the comparison does not stand for what would have
happened without the action.

**Money** (in the unit of purchase amounts): churners avoided = -(churn estimate) x
the treated customers after the date, times their mean spend in the 12 months
(``spend_days``) before their reference day (customer ``value`` for a customer with no
purchase amount in that time: the value statistics' rule,
:func:`~textinsight.value.cohort.spend_before`); the interval scales the churn
interval. Positive when churn fell. The forward outcomes are the value statistics'
own (:func:`~textinsight.value.cohort.forward_churn`,
:func:`~textinsight.value.cohort.forward_repurchase`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any

import numpy as np

from textinsight.errors import ConfigError
from textinsight.records import ActionEffect, OutcomeEffect
from textinsight.value.arrays import BoolArray, FloatArray, IntArray, first_per_key
from textinsight.value.cohort import forward_churn, forward_repurchase, spend_before
from textinsight.value.did import Cells, cells, diff_in_diff, pretrend
from textinsight.value.lifecycle import PurchaseHistory

OUTCOMES = ("volume_share", "sentiment", "churn", "repurchase")


@dataclass(frozen=True)
class ActionConfig:
    """Windows and thresholds of :func:`measure_action` (see the module docstring).

    Attributes:
        window_days: W, the churn and repurchase window after each reference day.
        min_weeks_after: weeks of data after the date before a verdict.
        max_weeks_before: the before period is at most this long.
        max_weeks_after: the after period is at most this long.
        placebo_dates: placebo dates in the before period for the pre-trend check.
        pretrend_alpha: the comparison is not credible when the pre-trend p is below.
        confidence: level of the intervals.
        min_units: smallest number of units in any cell.
        spend_days: the spend behind the money is summed over this many days.
    """

    window_days: int = 90
    min_weeks_after: int = 8
    max_weeks_before: int = 52
    max_weeks_after: int = 26
    placebo_dates: int = 1
    pretrend_alpha: float = 0.10
    confidence: float = 0.95
    min_units: int = 20
    spend_days: int = 365

    def __post_init__(self) -> None:
        for name in ("pretrend_alpha", "confidence"):
            value = getattr(self, name)
            if not 0.0 < value < 1.0:
                raise ConfigError(f"ActionConfig.{name} is {value}; use a number in (0, 1).")
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name not in ("pretrend_alpha", "confidence") and value < 1:
                raise ConfigError(f"ActionConfig.{field.name} is {value}; use a whole number >= 1.")


@dataclass(frozen=True)
class ActionPanel:
    """What :func:`measure_action` reads, as arrays (days: days since 1970-01-01).

    Item arrays (one entry per dated feedback item of the run): ``day``; ``theme``
    (any integer code per theme, -1 unassigned); ``in_theme`` (the action's theme,
    after lineage); ``in_comparison`` (a comparable theme; used
    without a scope); ``in_scope`` (matches the scope; None: no scope); ``sentiment``
    (NaN unknown); ``customer`` (index into the customer arrays, -1 unknown).
    Customer arrays: ``churn_day`` (``NO_DAY`` when not churned), ``value`` (NaN
    unknown). Purchase arrays: ``purchase_customer``, ``purchase_day``,
    ``purchase_amount`` (NaN unknown). ``as_of``: the last day of data.
    """

    day: IntArray
    theme: IntArray
    in_theme: BoolArray
    in_comparison: BoolArray
    in_scope: BoolArray | None
    sentiment: FloatArray
    customer: IntArray
    churn_day: IntArray
    value: FloatArray
    purchase_customer: IntArray
    purchase_day: IntArray
    purchase_amount: FloatArray
    as_of: int


@dataclass(frozen=True)
class _Window:
    """The periods of one kind of outcome: bins 0..n_bins-1 before, n_bins after."""

    start: int
    action: int
    end: int
    n_bins: int
    weeks_after: float
    ready: int

    def bins(self, day: IntArray) -> IntArray:
        """Bin of each day; -1 outside the window."""
        width = max(self.action - self.start, 1)
        before = np.clip((day - self.start) * self.n_bins // width, 0, self.n_bins - 1)
        out = np.where(day >= self.action, self.n_bins, before)
        return np.where((day < self.start) | (day > self.end), -1, out).astype(np.int64)


def measure_action(
    panel: ActionPanel,
    action_day: int,
    *,
    config: ActionConfig | None = None,
    comparison: str | None = None,
    outcomes: Sequence[str] = OUTCOMES,
) -> ActionEffect:
    """Every outcome's difference in differences, pre-trend check and the money.

    Args:
        panel: the run's items, customers and purchases as arrays.
        action_day: the day the action took effect.
        config: windows and thresholds.
        comparison: how to describe the comparison group (default from the scope).
        outcomes: which of :data:`OUTCOMES` to measure (default all; money needs churn).

    Returns:
        The effect, with one :class:`~textinsight.records.OutcomeEffect` per outcome.
    """
    config = config or ActionConfig()
    scoped = panel.in_scope is not None
    if comparison is None:
        comparison = "the same theme outside the scope" if scoped else "comparable themes"
    items = _window(panel, action_day, config, follow_up=0)
    people = _window(panel, action_day, config, follow_up=config.window_days)
    unknown = sorted(set(outcomes) - set(OUTCOMES))
    if unknown:
        raise ConfigError(f"unknown outcome '{unknown[0]}'; use some of {', '.join(OUTCOMES)}")
    found: list[OutcomeEffect] = []
    if "volume_share" in outcomes:
        found.append(_volume(panel, items, config))
    if "sentiment" in outcomes:
        found.append(_sentiment(panel, items, config))
    churn, spend = None, None
    if "churn" in outcomes or "repurchase" in outcomes:
        churn, repurchase, spend = _customer_outcomes(panel, people, config, outcomes)
        found += [o for o in (churn, repurchase) if o is not None]
    money = money_ci = None
    if (
        churn is not None
        and churn.status == "measured"
        and spend is not None
        and churn.estimate is not None
    ):
        scale = churn.n_treated_after * spend
        money = -churn.estimate * scale
        low, high = churn.ci or (churn.estimate, churn.estimate)
        money_ci = (-high * scale, -low * scale)
    return ActionEffect(
        comparison=comparison,
        window_days=config.window_days,
        as_of=iso(panel.as_of),
        outcomes=tuple(found),
        money=money,
        money_ci=money_ci,
        spend_per_customer=spend,
    )


def iso(day: int) -> str:
    """ISO date of a day number."""
    return (date(1970, 1, 1) + timedelta(days=int(day))).isoformat()


def _window(panel: ActionPanel, action: int, config: ActionConfig, follow_up: int) -> _Window:
    first = int(panel.day.min()) if len(panel.day) else action
    start = max(action - 7 * config.max_weeks_before, first)
    last = panel.as_of - follow_up
    end = min(last, action + 7 * config.max_weeks_after - 1)
    return _Window(
        start=start,
        action=action,
        end=end,
        n_bins=config.placebo_dates + 1,
        weeks_after=max(last - action + 1, 0) / 7.0,
        ready=action + 7 * config.min_weeks_after - 1 + follow_up,
    )


def _volume(panel: ActionPanel, window: _Window, config: ActionConfig) -> OutcomeEffect:
    bins = window.bins(panel.day)
    keep = bins >= 0
    treated = None if panel.in_scope is None else panel.in_scope[keep]
    y = panel.in_theme[keep].astype(np.float64)
    cluster = _item_clusters(panel.customer)[keep]
    return _estimate("volume_share", y, bins[keep], treated, cluster, window, config)


def _sentiment(panel: ActionPanel, window: _Window, config: ActionConfig) -> OutcomeEffect:
    bins = window.bins(panel.day)
    if panel.in_scope is None:
        units = panel.in_theme | panel.in_comparison
        group = panel.in_theme
    else:
        units, group = panel.in_theme, panel.in_scope
    keep = (bins >= 0) & units & ~np.isnan(panel.sentiment)
    if not (units & ~np.isnan(panel.sentiment)).any():
        return _missing("sentiment", window, config, "no sentiment on the theme's feedback")
    cluster = _item_clusters(panel.customer)[keep]
    y = panel.sentiment[keep]
    strata = None if panel.in_scope is not None else _strata(panel)[keep]
    return _estimate("sentiment", y, bins[keep], group[keep], cluster, window, config, strata)


def _strata(panel: ActionPanel) -> IntArray:
    """Per item: 0 for the action's theme, 1.. for each other theme (fixed effects)."""
    codes = np.unique(panel.theme, return_inverse=True)[1].astype(np.int64)
    return np.where(panel.in_theme, 0, codes + 1)


def _item_clusters(customer: IntArray) -> IntArray:
    """The customer, or a cluster of its own for an item without one."""
    return np.where(customer >= 0, customer, -1 - np.arange(len(customer)))


def _customer_outcomes(
    panel: ActionPanel, window: _Window, config: ActionConfig, wanted: Sequence[str]
) -> tuple[OutcomeEffect | None, OutcomeEffect | None, float | None]:
    if len(panel.churn_day) == 0:
        reason = "no customers ingested"
        return (
            _missing("churn", window, config, reason) if "churn" in wanted else None,
            _missing("repurchase", window, config, reason) if "repurchase" in wanted else None,
            None,
        )
    customer, group, bin_index, ref, stratum = _units(panel, window)
    active, churned_all = forward_churn(ref, panel.churn_day[customer], config.window_days)
    customer, group, bin_index, ref = (
        customer[active],
        group[active],
        bin_index[active],
        ref[active],
    )
    strata = None if stratum is None else stratum[active]
    churned = churned_all[active].astype(np.float64)
    treated = group == 1
    churn = None
    if "churn" in wanted:
        churn = _estimate("churn", churned, bin_index, treated, customer, window, config, strata)
    history = None
    if len(panel.purchase_day):
        history = PurchaseHistory(
            panel.purchase_customer, panel.purchase_day, panel.purchase_amount
        )
    spend_all = spend_before(history, panel.value, customer, ref, config.spend_days)
    after = treated & (bin_index == window.n_bins)
    spend = float(np.nanmean(spend_all[after])) if np.isfinite(spend_all[after]).any() else None
    repurchase = None
    if "repurchase" not in wanted:
        pass
    elif history is None:
        repurchase = _missing("repurchase", window, config, "no purchases ingested")
    else:
        bought = forward_repurchase(history, customer, ref, config.window_days)
        repurchase = _estimate(
            "repurchase",
            bought.astype(np.float64),
            bin_index,
            treated,
            customer,
            window,
            config,
            strata,
        )
    return churn, repurchase, spend


def _units(
    panel: ActionPanel, window: _Window
) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray | None]:
    """(customer, group 1/0, bin, reference day, stratum) of every customer unit.

    A unit is a customer in one group and bin (without a scope: and one comparison
    theme, its stratum); its reference day is their first item there.
    """
    bins = window.bins(panel.day)
    scoped = panel.in_scope is not None
    if panel.in_scope is None:
        member = panel.in_theme | panel.in_comparison
        group = panel.in_theme.astype(np.int64)
        stratum = _strata(panel)
    else:
        member = panel.in_theme
        group = panel.in_scope.astype(np.int64)
        stratum = np.zeros(len(panel.day), dtype=np.int64)
    keep = member & (bins >= 0) & (panel.customer >= 0)
    n_bins, n_strata = window.n_bins + 1, int(stratum.max(initial=0)) + 1
    key = ((panel.customer[keep] * 2 + group[keep]) * n_bins + bins[keep]) * n_strata
    key, ref = first_per_key(key + stratum[keep], panel.day[keep])
    unit_stratum, rest = key % n_strata, key // n_strata
    bin_index, rest = rest % n_bins, rest // n_bins
    customer, unit_group = rest // 2, rest % 2
    if scoped:
        return customer, unit_group, bin_index, ref, None
    # a comparison unit only when the customer is not treated in that bin
    cell = customer * n_bins + bin_index
    clash = (unit_group == 0) & np.isin(cell, cell[unit_group == 1])
    keep_unit = ~clash
    return (
        customer[keep_unit],
        unit_group[keep_unit],
        bin_index[keep_unit],
        ref[keep_unit],
        unit_stratum[keep_unit],
    )


def _missing(name: str, window: _Window, config: ActionConfig, reason: str) -> OutcomeEffect:
    return OutcomeEffect(
        outcome=name,
        status="no_data",
        message=f"{name.replace('_', ' ')}: {reason}",
        weeks_after=round(window.weeks_after, 1),
        weeks_needed=config.min_weeks_after,
    )


def _estimate(
    name: str,
    y: FloatArray,
    bin_index: IntArray,
    treated: BoolArray | None,
    cluster: IntArray,
    window: _Window,
    config: ActionConfig,
    strata: IntArray | None = None,
) -> OutcomeEffect:
    post = bin_index == window.n_bins
    counts = cells(y, post, treated)
    common: dict[str, Any] = {
        "outcome": name,
        "weeks_after": round(window.weeks_after, 1),
        "weeks_needed": config.min_weeks_after,
        **_cell_fields(counts),
    }
    label = name.replace("_", " ")
    if window.weeks_after < config.min_weeks_after:
        follow = (
            f" (each customer needs {config.window_days} days of follow-up)"
            if name in ("churn", "repurchase")
            else ""
        )
        return OutcomeEffect(
            status="too_early",
            message=f"{label}: too early: {int(window.weeks_after)} weeks of "
            f"{config.min_weeks_after} needed{follow}; ready on {iso(window.ready)}",
            ready_on=iso(window.ready),
            **common,
        )
    if counts.n_treated_before == 0:
        return OutcomeEffect(
            status="too_few",
            message=f"{label}: no data before the date: nothing to compare with",
            **common,
        )
    if counts.smallest < config.min_units:
        return OutcomeEffect(
            status="too_few",
            message=f"{label}: too few: {counts.smallest} units in the smallest "
            f"before/after cell, {config.min_units} needed",
            **common,
        )
    if np.ptp(y) == 0:
        return OutcomeEffect(
            status="no_data",
            message=f"{label}: every unit has the same outcome ({y[0]:.2f}); nothing to compare",
            **common,
        )
    before = ~post
    check = pretrend(
        y[before],
        bin_index[before],
        None if treated is None else treated[before],
        cluster[before],
        strata=None if strata is None else strata[before],
    )
    result = diff_in_diff(
        y,
        post,
        treated,
        cluster,
        confidence=config.confidence,
        strata=strata,
        drift_variance=check.drift_variance,
    )
    p_trend = check.p
    credible = None if p_trend is None else p_trend >= config.pretrend_alpha
    return OutcomeEffect(
        status="measured",
        message=_describe(label, counts, result.estimate, result.ci, config, p_trend, credible),
        estimate=result.estimate,
        ci=result.ci,
        p=result.p,
        pretrend_p=p_trend,
        credible=credible,
        drift_sd=result.drift_sd,
        **common,
    )


def _cell_fields(counts: Cells) -> dict[str, Any]:
    return {f.name: getattr(counts, f.name) for f in fields(counts)}


def _describe(
    label: str,
    counts: Cells,
    estimate: float,
    ci: tuple[float, float],
    config: ActionConfig,
    p_trend: float | None,
    credible: bool | None,
) -> str:
    rate = label != "sentiment"

    def level(value: float | None) -> str:
        if value is None:
            return "n/a"
        return f"{value:.1%}" if rate else f"{value:+.2f}"

    def change(value: float) -> str:
        return f"{value * 100:+.1f} pts" if rate else f"{value:+.2f}"

    text = f"{label} {level(counts.treated_before)} -> {level(counts.treated_after)}"
    if counts.comparison_before is not None:
        text += (
            f" vs {level(counts.comparison_before)} -> {level(counts.comparison_after)}"
            " in the comparison"
        )
    text += f": {change(estimate)} ({config.confidence:.0%} CI {change(ci[0])} to {change(ci[1])})"
    if credible is False:
        text += (
            f"; NOT CREDIBLE: the groups already moved apart before the date "
            f"(pre-trend p {p_trend:.3f})"
        )
    elif credible:
        text += f"; pre-trend check passed (p {p_trend:.2f})"
    else:
        text += "; no pre-trend check (too little data before the date)"
    return text


__all__ = ["OUTCOMES", "ActionConfig", "ActionPanel", "iso", "measure_action"]
