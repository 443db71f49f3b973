from tests.conftest import make_theme
from textinsight.impact_chart import KIND_COLOURS, impact_chart, outcome_effect
from textinsight.records import Theme, ThemeValue


def _theme(i: int, value: ThemeValue | None) -> Theme:
    return make_theme(id=i, label=f"theme <{i}>", size=10, share=0.1, value=value)


def test_effect_is_signed_up_for_better_and_follows_the_stronger_outcome() -> None:
    pain = ThemeValue(
        feedback_count=5,
        customers=5,
        churn_diff=0.2,
        churn_q=0.01,
        repurchase_diff=-0.05,
        repurchase_q=0.5,
    )
    assert outcome_effect(pain) == -20.0
    driver = ThemeValue(
        feedback_count=5,
        customers=5,
        churn_diff=-0.01,
        churn_q=0.9,
        repurchase_diff=0.3,
        repurchase_q=0.001,
    )
    assert abs(outcome_effect(driver) - 30.0) < 1e-9
    assert outcome_effect(ThemeValue(feedback_count=1, customers=0)) is None


def test_chart_draws_one_circle_per_theme_with_value_coloured_by_kind() -> None:
    themes = [
        _theme(
            1,
            ThemeValue(
                feedback_count=9,
                customers=9,
                kind="pain_point",
                value_total=5e4,
                churn_diff=0.2,
                churn_q=0.01,
            ),
        ),
        _theme(
            2,
            ThemeValue(
                feedback_count=9,
                customers=4,
                kind="loyalty_driver",
                value_total=2e3,
                repurchase_diff=0.3,
                repurchase_q=0.02,
            ),
        ),
        _theme(3, None),
    ]
    svg = impact_chart(themes)
    assert svg.count("<circle") == 2
    assert KIND_COLOURS["pain_point"] in svg and KIND_COLOURS["loyalty_driver"] in svg
    assert "theme &lt;1&gt;" in svg and "<1>" not in svg


def test_no_value_metrics_gives_a_note() -> None:
    assert "No value metrics" in impact_chart([_theme(1, None)])
