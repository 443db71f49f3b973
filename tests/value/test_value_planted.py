"""The value stage's verdicts over 40 planted data sets per situation (issue 11's thresholds).

Each situation is switched on in :mod:`tests.value.planted_value`; theme labels are perfect,
so every miss is the statistics' own.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from tests.value.planted_value import (
    EARLY,
    EXIT,
    LATE,
    LOYAL,
    ONBOARD,
    PAIN,
    REGULAR,
    SALE,
    Situation,
    plant,
)
from textinsight.records import ThemeValue

SEEDS = range(40)
SITUATIONS = {
    "effects": Situation(pain=True, loyalty=True, member_pain=True),
    "new_customers": Situation(new_customers=True),
    "items_dose": Situation(items_dose=True),
    "early_exit": Situation(early=True, exit_theme=True),
    "dominant_pain": Situation(dominant_pain=True),
    "discount": Situation(discount=True),
}


@cache
def runs(name: str) -> list[dict[int, ThemeValue]]:
    return [plant(seed, SITUATIONS[name]).values() for seed in SEEDS]


def count(name: str, rule: object) -> int:
    return sum(bool(rule(v)) for v in runs(name))  # type: ignore[operator]


def covers(interval: tuple[float, float] | list[float] | None, x: float) -> bool:
    return interval is not None and interval[0] <= x <= interval[1]


def test_true_pain_point_is_found_and_its_adjusted_interval_covers_3() -> None:
    assert count("effects", lambda v: v[PAIN].kind == "pain_point") >= 38
    assert count("effects", lambda v: covers(v[PAIN].churn_lift_ci, 3.0)) >= 36


def test_true_loyalty_driver_is_found() -> None:
    assert count("effects", lambda v: v[LOYAL].kind == "loyalty_driver") >= 38


def test_confounded_no_effect_theme_written_by_new_customers_stays_neutral() -> None:
    assert count("new_customers", lambda v: v[ONBOARD].kind == "neutral") >= 38
    # ... while the raw comparison is fooled
    assert count("new_customers", lambda v: v[ONBOARD].churn_lift_raw > 1.5) >= 38


def test_themes_of_prolific_writers_stay_neutral() -> None:
    assert count("items_dose", lambda v: all(t.kind == "neutral" for t in v.values())) >= 36


def test_early_theme_is_rarely_significant_and_exit_feedback_is_exit() -> None:
    assert count("early_exit", lambda v: v[EARLY].significant) <= 2
    assert count("early_exit", lambda v: v[EXIT].kind == "exit") >= 38
    assert count("early_exit", lambda v: v[EXIT].kind == "pain_point") == 0


def test_dominant_pain_theme_leaves_the_others_neutral() -> None:
    others = lambda v: all(t.kind == "neutral" for k, t in v.items() if k != PAIN)  # noqa: E731
    assert count("dominant_pain", others) >= 38
    assert count("dominant_pain", lambda v: v[PAIN].kind == "pain_point") >= 38


def test_without_effects_the_excess_money_interval_covers_zero() -> None:
    intervals = [
        t.revenue_at_risk_ci
        for v in runs("early_exit")
        for k, t in v.items()
        if k != EXIT and t.revenue_at_risk_ci is not None
    ]
    assert len(intervals) >= 40 * 3
    assert np.mean([covers(ci, 0.0) for ci in intervals]) >= 0.90


def test_member_only_pain_shows_in_the_membership_breakdown() -> None:
    def split(v: dict[int, ThemeValue]) -> bool:
        membership = (v[LATE].breakdowns or {})["membership"]
        groups = membership["groups"]
        return (
            covers(groups["member"]["ci"], 3.0)
            and covers(groups["non_member"]["ci"], 1.0)
            and membership["heterogeneity_p"] < 0.05
        )

    assert count("effects", split) >= 32


def test_sale_week_buyers_are_discount_hunters_and_regular_buyers_loyal() -> None:
    for v in runs("discount"):
        sale, regular = v[SALE].loyalty, v[REGULAR].loyalty
        assert sale is not None and regular is not None
        assert sale["discount_hunter"] >= 0.80
        assert regular["discount_hunter"] <= 0.10
        assert regular["behavioural"] >= 0.80
        # random (Poisson) buyers are not called loyal
        assert v[PAIN].loyalty is not None and v[PAIN].loyalty["behavioural"] <= 0.15


def test_every_output_carries_group_sizes_and_what_was_adjusted_for() -> None:
    v = runs("effects")[0][PAIN]
    assert v.churn_n and v.churn_events and v.churn_reference_n and v.churn_reference_events
    assert v.repurchase_n and v.repurchase_reference_n
    assert v.adjusted_for and "tenure" in v.adjusted_for and v.reference == "unthemed"
    assert set(v.churn_windows or {}) == {"30", "60", "90"}
    assert v.loyalty_churn is not None and v.breakdowns is not None
    assert set(v.breakdowns) >= {"membership", "segment", "value_tier", "lifecycle", "loyalty"}
