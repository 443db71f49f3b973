"""The action ledger's statistics, by simulation over 40 seeds (vectorised, a few seconds).

A planted world: 8,000 customers each write one item on day 0..499 about one of five
themes from one of four regions; churn within 90 days is 20% (+5 points over the
period, for everyone). Theme A (0): 30%, falling to 10% for feedback from region 0 on
or after day 250 (the action), not elsewhere. In a second world theme C (2) trends
down over the whole period (55% to 10%) with no step at the action.
"""

from __future__ import annotations

import numpy as np
import pytest

from textinsight.records import ActionEffect
from textinsight.value.actions import OUTCOMES, ActionConfig, ActionPanel, measure_action
from textinsight.value.arrays import NO_DAY

ACTION = 250
END = 500
SEEDS = range(40)


def world(
    seed: int, *, trend: bool = False, surge: bool = False, drift: float = 0.0, n: int = 8000
) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    shocks = np.random.default_rng([seed, 1]).normal(0.0, drift, 3)  # theme B, per period
    day = rng.integers(0, END, n)
    theme = rng.integers(0, 5, n)
    if surge:  # theme D (3), churn 40%, takes half of the feedback after the action
        theme = np.where((day >= ACTION) & (rng.random(n) < 0.5), 3, theme)
    region = rng.integers(0, 4, n)
    season = 0.05 * day / END
    p = np.where(theme == 0, 0.30, 0.20) + season
    if surge:
        p = np.where(theme == 3, 0.40 + season, p)
    p = np.where((theme == 0) & (region == 0) & (day >= ACTION), 0.10 + season, p)
    if trend:
        p = np.where(theme == 2, 0.55 - 0.45 * day / END, p)
    if drift:  # periods: before the placebo date, before the action, after it
        p = np.where(
            theme == 1, p + shocks[np.searchsorted([ACTION // 2, ACTION], day, "right")], p
        )
    churned = rng.random(n) < p
    churn_day = np.where(churned, day + rng.integers(1, 91, n), NO_DAY)
    later = ~churned & (rng.random(n) < 0.2)
    churn_day = np.where(later, day + 91 + rng.integers(0, 300, n), churn_day)
    customer = np.arange(n)
    before = np.repeat(day, 2) - rng.integers(1, 300, 2 * n)
    again = day + rng.integers(1, 91, n)
    buys = (rng.random(n) < 0.6) & (again < np.minimum(churn_day, END))
    return {
        "day": day,
        "theme": theme,
        "region": region,
        "churn_day": churn_day,
        "sentiment": np.clip(rng.normal(-0.3, 0.4, n), -1, 1),
        "purchase_customer": np.concatenate([np.repeat(customer, 2), customer[buys]]),
        "purchase_day": np.concatenate([before, again[buys]]),
        "purchase_amount": rng.uniform(200, 800, 2 * n + int(buys.sum())),
    }


def measure(
    w: dict[str, np.ndarray],
    target: int,
    *,
    region: int | None = None,
    with_actions: tuple[int, ...] = (),
    day: int = ACTION,
    pooled: bool = False,
    outcomes: tuple[str, ...] = ("churn",),
) -> ActionEffect:
    """Measure an action on ``target``; ``pooled``: one comparison pool, no theme effects."""
    in_theme = w["theme"] == target
    n = len(w["day"])
    panel = ActionPanel(
        day=w["day"],
        theme=np.where(in_theme | pooled, -1, w["theme"]),
        in_theme=in_theme,
        in_comparison=~in_theme & ~np.isin(w["theme"], with_actions),
        in_scope=None if region is None else w["region"] == region,
        sentiment=w["sentiment"],
        customer=np.arange(n),
        churn_day=w["churn_day"],
        value=np.full(n, np.nan),
        purchase_customer=w["purchase_customer"],
        purchase_day=w["purchase_day"],
        purchase_amount=w["purchase_amount"],
        as_of=END - 1,
    )
    return measure_action(panel, day, outcomes=outcomes)


def test_scoped_action_interval_covers_the_true_churn_change() -> None:
    covered = flagged = 0
    for seed in SEEDS:
        churn = measure(world(seed), 0, region=0).outcome("churn")
        assert churn is not None and churn.status == "measured" and churn.ci is not None
        covered += churn.ci[0] <= -0.20 <= churn.ci[1]
        flagged += churn.credible is False
    assert covered >= 36, covered  # >= 90% of 40
    assert flagged <= 8, flagged


def test_placebo_action_on_a_no_effect_theme_covers_zero() -> None:
    """The issue asks for >= 95%. Checked over 200 seeds (0-199: 193 covered, 96.5%;
    96.3% over 1,000 seeds) rather than 40: a calibrated 95% interval makes >= 38 of a
    given 40 seeds only about 2 times in 3, so 40 seeds cannot tell a calibrated interval
    from a slightly narrow one. Seeds 0-39 alone give 37 of 40 (cluster-robust interval
    without the placebo-calibrated drift term: 36); the three misses (z 2.39, -2.04,
    -2.47) have placebo dates with no drift at all."""
    covered = 0
    seeds = range(200)
    for seed in seeds:  # compared with the other themes, but not A, which has an action
        churn = measure(world(seed), 1, with_actions=(0,)).outcome("churn")
        assert churn is not None and churn.ci is not None
        covered += churn.ci[0] <= 0.0 <= churn.ci[1]
    assert covered >= 0.95 * len(seeds), covered


def test_drift_at_the_placebo_dates_widens_the_interval() -> None:
    """Theme B's churn gets a random shift (sd 5 points) in each period, the action's
    none: the change after the date is drift, not the action. The cluster-robust
    interval covers 0 in 21 of 40 (111 of 200 seeds); adding the drift that the one
    placebo date shows: 27 (150 of 200): better, not nominal (one date, one degree of
    freedom for the drift)."""
    covered = robust = 0
    for seed in SEEDS:
        churn = measure(world(seed, drift=0.05), 1, with_actions=(0,)).outcome("churn")
        assert churn is not None and churn.ci is not None and churn.estimate is not None
        assert churn.drift_sd is not None
        half = (churn.ci[1] - churn.ci[0]) / 2
        se = np.sqrt(max((half / 1.959964) ** 2 - churn.drift_sd**2, 0.0))
        covered += churn.ci[0] <= 0.0 <= churn.ci[1]
        robust += abs(churn.estimate) <= 1.959964 * se
    assert covered >= 25 and covered >= robust + 4, (covered, robust)


def test_a_surging_comparison_theme_does_not_move_the_comparison() -> None:
    """Theme D churns 40% and takes half the feedback after the date: pooled, the
    comparison's churn would rise with the mix; within each theme it does not."""
    covered = pooled_covered = 0
    for seed in SEEDS:
        w = world(seed, surge=True)
        churn = measure(w, 1, with_actions=(0,)).outcome("churn")
        pooled = measure(w, 1, with_actions=(0,), pooled=True).outcome("churn")
        assert churn is not None and churn.ci is not None
        assert pooled is not None and pooled.ci is not None
        covered += churn.ci[0] <= 0.0 <= churn.ci[1]
        pooled_covered += pooled.ci[0] <= 0.0 <= pooled.ci[1]
    assert covered >= 37, covered  # measured: 38 of 40 (cluster-robust alone: 37)
    assert pooled_covered <= 20, pooled_covered  # one pooled comparison: 9 of 40


def test_a_theme_already_trending_down_is_flagged_by_the_pretrend_check() -> None:
    flagged = 0
    for seed in SEEDS:
        churn = measure(world(seed, trend=True), 2, with_actions=(0,)).outcome("churn")
        assert churn is not None and churn.status == "measured"
        flagged += churn.credible is False
        assert churn.credible is not False or "NOT CREDIBLE" in churn.message
    assert flagged >= 32, flagged  # >= 80% of 40


def test_money_is_churners_avoided_times_their_spend() -> None:
    effect = measure(world(0), 0, region=0)
    churn = effect.outcome("churn")
    assert churn is not None and churn.estimate is not None and churn.ci is not None
    assert effect.spend_per_customer == pytest.approx(1000, rel=0.1)  # two purchases of ~500
    assert effect.money == pytest.approx(
        -churn.estimate * churn.n_treated_after * effect.spend_per_customer
    )
    assert effect.money_ci is not None and effect.money_ci[0] < effect.money < effect.money_ci[1]


def test_too_early_says_how_many_weeks_and_when() -> None:
    effect = measure(world(0), 0, region=0, day=END - 22, outcomes=OUTCOMES)
    volume, churn = effect.outcome("volume_share"), effect.outcome("churn")
    assert volume is not None and volume.status == "too_early"
    assert "too early: 3 weeks of 8 needed" in volume.message
    assert churn is not None and churn.status == "too_early" and churn.ready_on is not None


def test_config_is_checked() -> None:
    from textinsight.errors import ConfigError

    with pytest.raises(ConfigError, match="confidence"):
        ActionConfig(confidence=1.5)
    with pytest.raises(ConfigError, match="unknown outcome 'nps'"):
        measure(world(0), 0, outcomes=("nps",))


def test_an_action_before_the_data_has_nothing_to_compare_with() -> None:
    effect = measure(world(0), 0, region=0, day=-10)
    churn = effect.outcome("churn")
    assert churn is not None and churn.status == "too_few"
    assert "no data before the date" in churn.message
    assert effect.money is None
