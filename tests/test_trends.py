from textinsight.trends import theme_growth


def test_a_surging_theme_is_flagged_and_stable_ones_are_not() -> None:
    weeks = [f"2026-0{m}-0{d}" for m in (3, 4) for d in (2, 9)]
    counts = {
        1: {w: 40 for w in weeks},
        2: {w: 40 for w in weeks},
        3: {**{w: 5 for w in weeks[:-1]}, weeks[-1]: 40},  # app update: surge in last week
    }
    growth = {g.theme_id: g for g in theme_growth(counts)}
    assert growth[3].growing and growth[3].ratio and growth[3].ratio > 3
    assert not growth[1].growing and not growth[2].growing
    assert growth[3].period == weeks[-1]
    assert theme_growth(counts)[0].theme_id == 3


def test_small_counts_and_single_period_are_never_growing() -> None:
    assert theme_growth({1: {"2026-01-05": 3}}) == []
    counts = {1: {"a": 100, "b": 100}, 2: {"a": 0, "b": 3}}
    assert not any(g.growing for g in theme_growth(counts, min_count=5))
