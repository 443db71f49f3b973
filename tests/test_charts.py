"""The shared plotly figures: valid plotly JSON, one point per theme, click ids."""

from __future__ import annotations

import pytest

from tests.conftest import make_theme
from textinsight import charts
from textinsight.dashboard import CHARTS
from textinsight.records import Theme, ThemeValue

go = pytest.importorskip("plotly.graph_objects")


def _theme(i: int, value: ThemeValue | None) -> Theme:
    return make_theme(id=i, label=f"theme <{i}>", size=10 * i, share=0.1, value=value, x=i, y=-i)


PAIN = ThemeValue(
    feedback_count=9, customers=9, kind="pain_point", value_total=5e4, churn_diff=0.2, churn_q=0.01
)
DRIVER = ThemeValue(
    feedback_count=9,
    customers=4,
    kind="loyalty_driver",
    value_total=2e3,
    repurchase_diff=0.3,
    repurchase_q=0.02,
    phases={"activation": 0.5, "activity": 0.5},
    loyalty={"behavioural": 0.25, "neither": 0.75},
)


def test_effect_is_signed_up_for_better_and_follows_the_stronger_outcome() -> None:
    assert charts.outcome_effect(PAIN) == -20.0
    mixed = ThemeValue(
        feedback_count=5, customers=5, churn_diff=-0.01, churn_q=0.9, repurchase_diff=0.3,
        repurchase_q=0.001,
    )  # fmt: skip
    assert abs(charts.outcome_effect(mixed) - 30.0) < 1e-9
    assert charts.outcome_effect(ThemeValue(feedback_count=1, customers=0)) is None


def test_impact_figure_has_one_trace_per_kind_with_theme_ids() -> None:
    fig = charts.impact_figure([_theme(1, PAIN), _theme(2, DRIVER), _theme(3, None)])
    go.Figure(fig)  # valid plotly JSON
    by_kind = {t["name"]: t for t in fig["data"]}
    assert set(by_kind) == {"pain point", "loyalty driver"}
    assert by_kind["pain point"]["customdata"] == [1] and by_kind["pain point"]["y"] == [-20.0]
    assert by_kind["pain point"]["marker"]["color"] == charts.KIND_COLOURS["pain_point"]
    assert "theme &lt;1&gt;" in by_kind["pain point"]["hovertemplate"][0]


def test_no_value_metrics_gives_a_note() -> None:
    fig = charts.impact_figure([_theme(1, None)])
    go.Figure(fig)
    assert fig["data"] == [] and "No value metrics" in fig["layout"]["annotations"][0]["text"]


@pytest.mark.parametrize("interval", ["day", "week", "month"])
def test_zero_filled_periods(interval: str) -> None:
    first = {"day": "2024-01-30", "week": "2024-01-29", "month": "2024-01-01"}[interval]
    last = {"day": "2024-02-02", "week": "2024-02-19", "month": "2024-04-01"}[interval]
    periods = charts.zero_filled([first, last], interval)
    assert periods[0] == first and periods[-1] == last and len(periods) == 4


def test_every_figure_is_valid_plotly() -> None:
    themes = [_theme(1, PAIN), _theme(2, DRIVER)]
    figures = [
        charts.map_figure(themes),
        charts.trends_figure([(themes[0], {"2024-01-01": 3, "2024-01-15": 1})]),
        charts.theme_trend_figure([("2024-01-01", 3, -0.5), ("2024-03-01", 1, None)], "month"),
        charts.sentiment_figure({"negative": 3, "neutral": 1, "positive": 2, "unknown": 0}),
        charts.mix_figure(DRIVER),
        charts.mix_figure(None),
        charts.compare_figure([(themes[0], 0.1, 0.3, True)], ("April", "May")),
    ]
    for fig in figures:
        go.Figure(fig)
    assert figures[2]["data"][0]["y"] == [3, 0, 1]  # March is zero-filled
    assert figures[6]["data"][0]["y"] == ["★ theme <1>"]


def test_plotly_js_ships_in_the_wheel() -> None:
    path = charts.plotly_js()
    assert path.name == "plotly.min.js" and path.stat().st_size > 1_000_000


def test_chart_names_match_the_api() -> None:
    from typing import get_args

    from api.routes.dashboard import ChartName

    assert set(get_args(ChartName)) == set(CHARTS)
