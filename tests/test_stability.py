"""Labels and kinds carried across runs, and the verdict the hysteresis reads back."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import make_theme
from textinsight.lineage import LineageEvent
from textinsight.records import ThemeValue
from textinsight.stability import carry_over, held_kind, kind_at
from textinsight.value import ValueConfig
from textinsight.value.verdict import ThemeStats, decide


def _value(kind: str = "neutral", **fields: float) -> ThemeValue:
    return ThemeValue(feedback_count=50, customers=40, kind=kind, **fields)  # type: ignore[arg-type]


def test_kind_at_reproduces_the_value_verdict() -> None:
    """Over random themes, ``kind_at`` at the configured alpha gives ``decide``'s kind."""
    rng = np.random.default_rng(0)
    config = ValueConfig()
    n = 400
    stats = ThemeStats(n)
    stats["sentiment"] = rng.uniform(-1, 1, n)
    stats["value_total"] = rng.uniform(0, 1e5, n)
    for prefix in ("churn", "repurchase"):
        stats[f"{prefix}_lift"] = np.exp(rng.normal(0, 0.3, n))
        stats[f"{prefix}_p"] = rng.uniform(0, 0.2, n) ** 2
        stats[f"{prefix}_n"] = np.full(n, 50.0)
        stats[f"{prefix}_matched_share"] = np.ones(n)
        stats[f"{prefix}_reference_n"] = np.full(n, 500.0)
    stats["exit_share"] = rng.uniform(0, 0.6, n)
    decide(stats, config)
    for i in range(n):
        value = stats.record(i)
        assert kind_at(value, config.alpha, config) == value.kind


@pytest.mark.parametrize(
    ("previous", "q", "kind", "expected"),
    [
        ("pain_point", 0.08, "neutral", "pain_point"),  # weaker, but not gone: stays
        ("pain_point", 0.5, "neutral", "neutral"),  # gone: leaves
        ("neutral", 0.04, "pain_point", "neutral"),  # just under alpha: not yet
        ("neutral", 0.001, "pain_point", "pain_point"),  # clear: enters
    ],
)
def test_held_kind_has_hysteresis(previous: str, q: float, kind: str, expected: str) -> None:
    value = _value(kind, churn_q=q, churn_lift=1.5, sentiment=-0.5)
    assert held_kind(previous, value, ValueConfig()) == expected


def test_carry_over_keeps_label_of_the_same_members_only() -> None:
    before = {
        1: make_theme(id=1, label="late delivery", value=_value("pain_point")),
        2: make_theme(id=2, label="rude staff"),
    }
    themes = [
        make_theme(
            id=1,
            label="delivery late parcel",
            value=_value("neutral", churn_q=0.1, churn_lift=1.2, sentiment=-0.3),
        ),
        make_theme(id=2, label="staff manager"),
        make_theme(id=3, label="new one"),
    ]
    events = [
        LineageEvent("same", 1, (1,), 0.9, 0.8),
        LineageEvent("same", 2, (2,), 0.9, 0.2),  # kept id, but mostly other members now
        LineageEvent("new", 3, (), 0.1),
    ]
    out = carry_over(themes, before, events)
    assert [t.label for t in out] == ["late delivery", "staff manager", "new one"]
    assert out[0].value is not None and out[0].value.kind == "pain_point"


def test_a_label_still_supported_by_the_keywords_is_kept() -> None:
    before = {4: make_theme(id=4, label="late / parcel")}
    themes = [make_theme(id=4, label="delivery / courier", keywords=("courier", "parcel", "late"))]
    events = [LineageEvent("same", 4, (4,), 0.9, 0.1)]
    assert carry_over(themes, before, events)[0].label == "late / parcel"
    moved = [make_theme(id=4, label="delivery / courier", keywords=("courier", "delivery"))]
    assert carry_over(moved, before, events)[0].label == "delivery / courier"
