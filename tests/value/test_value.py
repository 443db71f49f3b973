"""Value statistics: planted effects are found, noise is not, and the parts add up."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, timedelta

import numpy as np
import pytest

from textinsight.errors import ConfigError, ValidationError
from textinsight.records import Customer, Purchase, StoredFeedback, ThemeValue
from textinsight.stages.sentiment import explicit_sentiment
from textinsight.value import (
    LOYALTY,
    PHASES,
    PurchaseHistory,
    ValueConfig,
    benjamini_hochberg,
    compare_strata,
    compute_theme_values,
    heterogeneity,
    parse_days,
    two_proportion_pvalue,
)

START = date(2024, 1, 1)
A, B, C, D, E = range(5)
AS_OF = "2025-06-30"


def day(offset: int) -> str:
    return (START + timedelta(days=int(offset))).isoformat()


@dataclass
class World:
    feedback: list[StoredFeedback]
    labels: list[int]
    sentiments: list[float]
    customers: list[Customer]
    purchases: list[Purchase]

    def values(self, **kwargs: object) -> dict[int, ThemeValue]:
        kwargs.setdefault("as_of", AS_OF)
        return compute_theme_values(
            self.feedback,
            self.labels,
            self.sentiments,
            self.customers,
            self.purchases,
            **kwargs,  # type: ignore[arg-type]
        )


def simulate(
    seed: int,
    n_customers: int = 3000,
    churn: tuple[float, float] = (0.30, 0.10),
    repurchase: tuple[float, float] = (0.60, 0.40),
) -> World:
    """Customers, feedback and purchases with planted effects.

    Each customer mentions each of the themes A..E independently (so mentioning one
    theme says nothing about the others), with one or two items per theme; those who
    mention none, and 30 % of the others, also write an unassigned item. Customers who
    mention A churn with ``churn[0]``, everyone else with ``churn[1]``; customers who
    mention B buy again within 90 days of their feedback with ``repurchase[0]``,
    everyone else with ``repurchase[1]``. Before their feedback every customer buys
    every 20..40 days. A's items are rated low, B's high, C's..E's at random; 40 % of
    the items have no rating. C, D and E have no effect on anything.
    """
    rng = np.random.default_rng(seed)
    n = n_customers
    mentions = rng.random((n, 5)) < np.array([0.25, 0.25, 0.25, 0.3, 0.3])
    unassigned = ~mentions.any(axis=1) | (rng.random(n) < 0.3)
    per_theme = np.where(mentions, 1 + (rng.random((n, 5)) < 0.3), 0)
    owner = np.concatenate(
        [np.repeat(np.arange(n), per_theme.sum(axis=1)), np.flatnonzero(unassigned)]
    )
    theme = np.concatenate(
        [np.nonzero(per_theme)[1].repeat(per_theme[per_theme > 0]), np.full(unassigned.sum(), -1)]
    )
    order = np.argsort(owner, kind="stable")
    owner, theme = owner[order], theme[order]
    first = rng.integers(0, 180, n)
    created = first[owner] + rng.integers(0, 11, len(owner))
    last = np.zeros(n, dtype=np.int64)
    np.maximum.at(last, owner, created)
    first = np.full(n, 10**6)
    np.minimum.at(first, owner, created)

    rating = rng.integers(1, 6, len(owner))
    for t, values, weights in ((A, [1, 2, 3], [0.5, 0.3, 0.2]), (B, [3, 4, 5], [0.2, 0.3, 0.5])):
        rating[theme == t] = rng.choice(values, size=int((theme == t).sum()), p=weights)
    rated = rng.random(len(owner)) < 0.6

    p_churn = np.where(mentions[:, A], churn[0], churn[1])
    churned = rng.random(n) < p_churn
    churn_day = last + rng.integers(1, 61, n)
    value = rng.lognormal(6, 1, n)

    start = first - rng.integers(60, 200, n)
    interval = rng.integers(20, 41, n)
    n_history = (first - 1 - start) // interval + 1
    buyer = np.repeat(np.arange(n), n_history)
    step = np.arange(len(buyer)) - np.repeat(np.cumsum(n_history) - n_history, n_history)
    bought = start[buyer] + step * interval[buyer]
    p_buy = np.where(mentions[:, B], repurchase[0], repurchase[1])
    again = np.flatnonzero(rng.random(n) < p_buy)
    later = np.flatnonzero(rng.random(n) < 0.5)
    buyer = np.concatenate([buyer, again, later])
    bought = np.concatenate(
        [
            bought,
            last[again] + rng.integers(1, 81, len(again)),
            first[later] + rng.integers(120, 300, len(later)),
        ]
    )

    ids = [f"c{c}" for c in range(n)]
    days = {d: day(d) for d in np.unique(np.concatenate([created, bought, churn_day])).tolist()}
    feedback = [
        StoredFeedback(
            id=i,
            text="...",
            text_hash=str(i),
            channel="survey",
            source_id=str(i),
            language="en",
            created_at=days[d],
            customer_id=ids[c],
            rating=r if ok else None,
        )
        for i, (c, d, r, ok) in enumerate(
            zip(owner.tolist(), created.tolist(), rating.tolist(), rated.tolist(), strict=True)
        )
    ]
    customers = [
        Customer(ids[c], value=v, churned_at=days[d] if gone else None)
        for c, (v, gone, d) in enumerate(
            zip(value.tolist(), churned.tolist(), churn_day.tolist(), strict=True)
        )
    ]
    purchases = [
        Purchase(ids[c], days[d], 10.0)
        for c, d in zip(buyer.tolist(), bought.tolist(), strict=True)
    ]
    sentiments = np.where(rated, (rating - 3) / 2, np.nan).tolist()
    return World(feedback, theme.tolist(), sentiments, customers, purchases)


@pytest.fixture(scope="module")
def planted() -> dict[int, ThemeValue]:
    return simulate(seed=0).values()


# -- the acceptance tests ---------------------------------------------------


def test_planted_pain_point_is_found_and_its_lift_interval_covers_the_truth(
    planted: dict[int, ThemeValue],
) -> None:
    a = planted[A]
    assert a.kind == "pain_point" and a.significant
    assert a.churn_q is not None and a.churn_q <= 0.05
    assert a.churn_lift_ci is not None
    low, high = a.churn_lift_ci
    assert low <= 3.0 <= high
    assert a.churn_rate == pytest.approx(0.30, abs=0.05)
    assert a.churn_baseline == pytest.approx(0.10, abs=0.03)
    assert a.sentiment is not None and a.sentiment < 0


def test_planted_loyalty_driver_and_neutral_theme(planted: dict[int, ThemeValue]) -> None:
    b, c = planted[B], planted[C]
    assert b.kind == "loyalty_driver" and b.significant
    assert b.repurchase_rate == pytest.approx(0.60, abs=0.05)
    assert b.repurchase_baseline == pytest.approx(0.40, abs=0.04)
    assert b.repurchase_lift_ci is not None and b.repurchase_lift_ci[0] > 1.0
    assert c.kind == "neutral" and not c.significant
    assert planted[A].impact is not None and c.impact is not None
    assert planted[A].impact > 5 * c.impact and planted[B].impact > 5 * c.impact  # type: ignore[operator]


def test_a_no_effect_theme_is_significant_in_at_most_2_of_20_seeds() -> None:
    runs = [simulate(seed, n_customers=2000).values() for seed in range(20)]
    for theme in (C, D, E):  # none of them has any effect
        assert sum(values[theme].significant for values in runs) <= 2


def test_without_customers_or_purchases_every_value_field_is_none() -> None:
    world = simulate(seed=1, n_customers=200)
    values = compute_theme_values(world.feedback, world.labels, world.sentiments, [], [])
    feedback_level = {"feedback_count", "customers", "kind", "significant", "sentiment"}
    feedback_level |= {"nps_mean", "nps_baseline", "rating_mean", "rating_baseline"}
    for value in values.values():
        assert value.kind == "neutral" and not value.significant
        assert value.feedback_count > 0 and value.customers > 0
        for field in fields(ThemeValue):
            if field.name not in feedback_level:
                assert getattr(value, field.name) is None, field.name


def test_without_purchases_churn_is_computed_and_purchase_metrics_are_none() -> None:
    world = simulate(seed=2, n_customers=500)
    value = compute_theme_values(
        world.feedback, world.labels, world.sentiments, world.customers, [], as_of=AS_OF
    )[A]
    assert value.churn_rate is not None and value.value_total is not None
    assert value.revenue_at_risk is not None and value.revenue_at_risk > 0
    assert value.repurchase_rate is None and value.phases is None and value.loyalty is None


# -- one vote per customer ----------------------------------------------------------


def item(i: int, customer: str | None, created: str = "2024-03-01", **kw: object) -> StoredFeedback:
    return StoredFeedback(i, "t", str(i), "ticket", str(i), "en", created, customer, **kw)  # type: ignore[arg-type]


def test_a_customer_with_three_items_in_a_theme_counts_once() -> None:
    feedback = [
        item(0, "x", nps=0),
        item(1, "x", nps=0),
        item(2, "x", nps=0),
        item(3, "y", nps=10),
        item(4, "z", "2024-09-01"),
        item(5, None, nps=4),
    ]
    labels = [0, 0, 0, 0, 1, 1]
    customers = [
        Customer("x", value=100.0, churned_at="2024-04-01"),
        Customer("y", value=300.0),
        Customer("z", value=50.0),
    ]
    value = compute_theme_values(feedback, labels, [None] * 6, customers, [])[0]
    assert value.feedback_count == 4 and value.customers == 2
    assert value.churn_rate == 0.5 and value.churn_n == 2 and value.churn_events == 1
    assert value.churn_reference_n == 0 and value.churn_lift is None  # nobody unthemed
    assert value.value_total == 400.0 and value.value_median == 200.0
    assert value.nps_mean == 5.0  # x votes 0 once, y votes 10: not (0+0+0+10)/4
    assert value.nps_baseline == 4.0  # the anonymous item; z gave no NPS
    assert value.known_customer_share == 1.0
    other = compute_theme_values(feedback, labels, [None] * 6, customers, [])[1]
    assert other.customers == 1 and other.known_customer_share == 0.5


# -- statistics ---------------------------------------------------------------------


def stratified_draw(
    rng: np.random.Generator, n1: int, n0: int, p0: float, lift: float, strata: int
) -> tuple[float, float, float, float]:
    """One simulated theme vs reference over ``strata`` strata with a common risk ratio;
    returns (low, high, p, cmh_p) of the adjusted comparison."""
    s1, s0 = rng.integers(0, strata, n1), rng.integers(0, strata, n0)
    risk = np.minimum(np.linspace(0.6, 1.4, strata) * p0, 0.98 / lift)
    e1, e0 = rng.random(n1) < risk[s1] * lift, rng.random(n0) < risk[s0]
    r = compare_strata(np.zeros(n1, np.int64), s1, e1, s0, e0, np.full(n1, -1), 1, 0.95)
    return float(r.low[0]), float(r.high[0]), float(r.p[0]), float(r.cmh_p[0])


@pytest.mark.parametrize(
    ("n1", "n0", "p0", "lift", "strata", "at_least"),
    [
        (150, 800, 0.1, 3.0, 6, 0.93),  # a pain theme, sparse-ish strata
        (100, 500, 0.08, 1.0, 20, 0.93),  # no effect, many small strata
        (20, 1000, 0.9, 1.0, 1, 0.94),  # 20 customers, 90 % repurchase: Katz covers 86 %
        (30, 30, 0.9, 1.0, 1, 0.93),
    ],
)
def test_adjusted_interval_covers_the_true_lift_and_agrees_with_its_test(
    n1: int, n0: int, p0: float, lift: float, strata: int, at_least: float
) -> None:
    rng = np.random.default_rng(7)
    draws = [stratified_draw(rng, n1, n0, p0, lift, strata) for _ in range(600)]
    low, high, p, cmh = (np.array(x) for x in zip(*draws, strict=True))
    assert at_least <= np.mean((low <= lift) & (lift <= high)) <= 1.0
    excludes_one = (low > 1.0) | (high < 1.0)
    assert np.array_equal(excludes_one, p < 0.05)  # interval and test agree
    assert np.all(p >= cmh - 1e-12)  # never bolder than the CMH test


def test_heterogeneity_test_finds_a_difference_between_groups() -> None:
    assert heterogeneity(np.log([3.0, 1.0]), np.array([0.02, 0.03])) < 0.001
    assert heterogeneity(np.log([1.1, 1.0]), np.array([0.02, 0.03])) > 0.5
    assert np.isnan(heterogeneity(np.log([3.0]), np.array([0.02])))


def test_pvalues_are_uniform_under_no_effect_and_small_under_a_big_one() -> None:
    rng = np.random.default_rng(3)
    n1, n0 = np.full(2000, 100), np.full(2000, 300)
    p = two_proportion_pvalue(rng.binomial(n1, 0.1), n1, rng.binomial(n0, 0.1), n0)
    assert 0.03 <= np.mean(p <= 0.05) <= 0.07
    assert two_proportion_pvalue(60, 200, 60, 600)[0] < 1e-6


def test_small_counts_use_fishers_exact_test() -> None:
    from scipy.stats import fisher_exact

    p = two_proportion_pvalue([3, 30], [20, 100], [1, 10], [40, 100])
    assert p[0] == pytest.approx(fisher_exact([[3, 17], [1, 39]]).pvalue)
    assert p[1] < 0.001
    assert np.isnan(two_proportion_pvalue(0, 0, 1, 10)[0])


def test_benjamini_hochberg() -> None:
    p = [0.01, 0.04, 0.03, 0.005, np.nan]
    q = benjamini_hochberg(p)
    # sorted: 0.005 (x4/1), 0.01 (x4/2), 0.03 (x4/3), 0.04 (x4/4), then monotone from the top
    assert q[:4] == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert np.isnan(q[4])
    assert benjamini_hochberg([0.5, 0.9]).tolist() == [0.9, 0.9]
    assert benjamini_hochberg([]).size == 0


def test_min_customers_guard_keeps_small_themes_from_being_significant() -> None:
    feedback, labels, customers = [], [], []
    for i in range(200):
        theme = 0 if i < 10 else -1  # the others wrote unassigned feedback: the reference
        feedback.append(item(i, f"c{i}"))
        labels.append(theme)
        churned = "2024-05-01" if theme == 0 or i % 10 == 0 else None
        customers.append(Customer(f"c{i}", value=10.0, churned_at=churned))
    feedback.append(item(200, "c11", "2024-12-01"))  # the data reach December
    labels.append(-1)
    values = compute_theme_values(feedback, labels, [-1.0] * 201, customers, [])
    small = values[0]
    assert small.churn_rate == 1.0 and small.churn_p is not None and small.churn_p < 1e-6
    assert small.churn_q is None and not small.significant and small.kind == "neutral"
    assert small.impact is None
    loose = compute_theme_values(
        feedback, labels, [-1.0] * 201, customers, [], config=ValueConfig(min_customers=5)
    )[0]
    assert loose.kind == "pain_point"


def churn_world(
    groups: list[tuple[int, int, float]],
    sentiment: float = -0.5,
    reference: tuple[int, int] = (600, 60),
) -> dict[int, ThemeValue]:
    """Theme i has ``groups[i] = (customers, churned, value each)``; one item each.

    ``reference`` customers (how many, churned) wrote unassigned feedback; everybody
    wrote on 2024-03-01, churners churned a month later, the data reach December.
    """
    feedback: list[StoredFeedback] = []
    labels: list[int] = []
    customers: list[Customer] = []
    sentiments: list[float | None] = []
    for theme, (n, churned, value) in [*enumerate(groups), (-1, (*reference, 1.0))]:
        for j in range(n):
            cid = f"{theme}-{j}"
            feedback.append(item(len(feedback), cid))
            labels.append(theme)
            sentiments.append(sentiment)
            gone = "2024-04-01" if j < churned else None
            customers.append(Customer(cid, value=value, churned_at=gone))
    feedback.append(item(len(feedback), "last", "2024-12-01"))  # the data reach December
    labels.append(-1)
    sentiments.append(None)
    customers.append(Customer("last"))
    return compute_theme_values(feedback, labels, sentiments, customers, [])


def test_impact_grows_with_customer_value_and_with_effect_size() -> None:
    values = churn_world([(200, 60, 100.0), (200, 60, 200.0), (200, 90, 100.0)])
    cheap, dear, bigger = values[0], values[1], values[2]
    assert cheap.churn_diff == dear.churn_diff and cheap.kind == dear.kind == "pain_point"
    assert dear.impact is not None and cheap.impact is not None and bigger.impact is not None
    assert dear.impact > cheap.impact
    assert bigger.impact > cheap.impact
    # revenue at risk: the excess share of churners (1 - 1/lift) times their money
    assert cheap.churn_lift == pytest.approx(3.0, rel=0.01)
    assert cheap.revenue_at_risk == pytest.approx((1 - 1 / cheap.churn_lift) * 60 * 100.0)
    assert cheap.revenue_at_risk_ci is not None
    low, high = cheap.revenue_at_risk_ci
    assert low < cheap.revenue_at_risk < high
    assert cheap.impact == pytest.approx(low)  # themes rank by the lower bound


def test_kind_needs_sentiment_in_the_direction_of_the_outcome() -> None:
    contradicting = churn_world([(200, 80, 1.0), (600, 20, 1.0)], sentiment=0.5)
    assert contradicting[0].significant and contradicting[0].kind == "contradiction"
    assert contradicting[1].kind == "loyalty_driver"
    unknown = churn_world([(200, 80, 1.0), (600, 20, 1.0)], sentiment=float("nan"))
    assert unknown[0].kind == "pain_point"  # NaN counts as unknown: outcomes decide
    assert unknown[1].kind == "loyalty_driver" and unknown[1].sentiment is None
    praised = churn_world([(600, 20, 1.0)], sentiment=-0.5)[0]
    assert praised.kind == "contradiction"  # complaints, yet they stay


def test_top_decile_share() -> None:
    values = churn_world([(10, 0, 1000.0), (80, 0, 1.0)], reference=(0, 0))
    assert values[0].top_decile_share == 1.0 and values[1].top_decile_share == 0.0


# -- windows, exit feedback, as_of --------------------------------------------------


def test_forward_windows_exit_feedback_and_as_of() -> None:
    # theme 0 written on day 60 (2024-03-01); data until day 400
    buys = {
        "stays": [10, 100, 400],  # buys within 90 days after writing
        "gone": [10],  # churns on day 80: within the window
        "late": [10, 200],  # buys again, but after the 90-day window
        "exit": [10],  # churned on day 50, then wrote: exit feedback
        "future": [10],  # churn date after the data's last date: not churned yet
    }
    churn = {"gone": day(80), "exit": day(50), "future": "2031-01-01"}
    feedback = [item(i, cid, day(60)) for i, cid in enumerate(buys)]
    feedback += [item(5 + i, f"r{i}", day(60)) for i in range(3)]
    customers = [Customer(cid, value=10.0, churned_at=churn.get(cid)) for cid in buys]
    customers += [Customer(f"r{i}", value=1.0) for i in range(3)]
    purchases = [Purchase(cid, day(d), 20.0) for cid, ds in buys.items() for d in ds]
    labels = [0] * 5 + [-1] * 3
    value = compute_theme_values(feedback, labels, [None] * 8, customers, purchases)[0]
    assert value.exit_customers == 1 and value.exit_share == 0.2 and value.kind != "exit"
    assert value.churn_n == 4 and value.churn_events == 1  # exit left out; future: active
    assert value.repurchase_n == 4 and value.repurchase_events == 1  # only "stays"
    assert value.churn_reference_n == 3 and value.churn_reference_events == 0
    assert value.churn_windows is not None and value.churn_windows["30"]["events"] == 1
    early = compute_theme_values(
        feedback, labels, [None] * 8, customers, purchases, as_of="2024-04-15"
    )[0]
    assert early.churn_n == 0 and early.churn_rate is None  # 90 days not over yet
    future = compute_theme_values(
        feedback, labels, [None] * 8, customers, purchases, as_of="2031-06-01"
    )[0]
    assert future == value  # as_of never lies beyond the data's own dates
    exit_only = compute_theme_values(
        feedback, [1, 1, 1, 0, 1, -1, -1, -1], [None] * 8, customers, purchases
    )[0]
    assert exit_only.kind == "exit" and exit_only.churn_n == 0


# -- lifecycle and loyalty ----------------------------------------------------------


def phase_of(days: list[int], ref: int, config: ValueConfig | None = None) -> str:
    history = PurchaseHistory(np.zeros(len(days), dtype=np.int64), np.array(days, dtype=np.int64))
    code = history.phases(np.array([0]), np.array([ref]), config or ValueConfig())[0]
    return PHASES[code]


@pytest.mark.parametrize(
    ("days", "ref", "phase"),
    [
        ([], 100, "none"),
        ([200], 100, "none"),  # purchases after the feedback do not count
        ([80], 100, "activation"),  # first purchase 20 days before
        ([0, 30, 60, 90], 100, "activity"),
        ([0, 30, 60, 90], 200, "inactivity"),  # 110 days > 2 x 30
        ([0, 10, 20, 30], 95, "inactivity"),  # 65 days > max(2 x 10, 30)
        ([0, 10, 20, 30, 40, 50, 60], 85, "activity"),  # 25 days < the 30-day floor
        ([0, 30, 60, 200, 230], 240, "reactivation"),  # back on day 200 after 140 days
        ([0, 30, 60, 100, 130, 160, 190], 350, "inactivity"),
        ([0], 200, "inactivity"),  # one old purchase
    ],
)
def test_lifecycle_phase(days: list[int], ref: int, phase: str) -> None:
    assert phase_of(days, ref) == phase


def test_lifecycle_phases_of_several_customers_at_once() -> None:
    history = PurchaseHistory(np.array([1, 1, 0, 1, 2]), np.array([60, 0, 95, 30, 0]))
    codes = history.phases(
        np.array([0, 1, 1, 2, 3]), np.array([100, 70, 300, 10, 10]), ValueConfig()
    )
    assert [PHASES[c] for c in codes] == [
        "activation",
        "activity",
        "inactivity",
        "activation",
        "none",
    ]


@pytest.mark.parametrize(
    ("days", "ref", "loyal"),
    [
        ([0, 30, 60, 90, 120], 130, True),  # monthly
        ([0, 30, 60], 70, False),  # too few
        ([0, 2, 4, 6], 300, False),  # a burst, then silence
        ([0, 5, 60, 62, 200], 210, False),  # irregular: gaps 5, 55, 2, 138, 10
        ([-400, 0, 30, 60, 90], 100, True),  # a purchase older than a year is ignored
        ([0, 30, 60, 90, 120], 300, False),  # lapsed: stopped buying
    ],
)
def test_behavioural_loyalty(days: list[int], ref: int, loyal: bool) -> None:
    history = PurchaseHistory(np.zeros(len(days), dtype=np.int64), np.array(days))
    assert history.behavioural(np.array([0]), np.array([ref]), ValueConfig())[0] == loyal


def test_phase_and_loyalty_mix_of_a_theme() -> None:
    buys = {"regular": [0, 30, 60, 90, 120], "new": [110], "none": [], "quiet": []}
    feedback = [
        item(0, "regular", day(100), rating=5),  # what they said before the theme counts
        item(1, "new", day(100), rating=5),
        item(2, "none", day(100), nps=10),
        item(3, "regular", day(125), rating=1),  # the theme's own items do not
        item(4, "new", day(125), rating=1),
        item(5, "none", day(125), rating=1),
        item(6, "quiet", day(125), rating=5),
    ]
    customers = [Customer(cid, value=1.0) for cid in buys]
    purchases = [Purchase(cid, day(d)) for cid, ds in buys.items() for d in ds]
    sentiments = [explicit_sentiment(f.rating, f.nps) for f in feedback]
    labels = [-1, -1, -1, 0, 0, 0, 1]
    value = compute_theme_values(feedback, labels, sentiments, customers, purchases)[0]
    assert value.phases is not None and value.loyalty is not None
    assert value.phases == pytest.approx(
        {"activation": 1 / 3, "activity": 1 / 3, "inactivity": 0, "reactivation": 0, "none": 1 / 3}
    )
    # regular: both; new: attitudinal only; none: promoter by an earlier NPS
    assert set(value.loyalty) == set(LOYALTY)
    assert value.loyalty == pytest.approx(
        {
            "behavioural": 1 / 3,
            "attitudinal": 1.0,
            "both": 1 / 3,
            "neither": 0.0,
            "discount_hunter": 0.0,
        }
    )
    quiet = compute_theme_values(feedback, labels, sentiments, customers, purchases)[1]
    assert quiet.loyalty is not None and quiet.loyalty["attitudinal"] == 0.0  # said nothing before


# -- inputs -------------------------------------------------------------------------


def test_inputs_are_checked() -> None:
    with pytest.raises(ValidationError, match="labels has 1 entries but there are 2"):
        compute_theme_values([item(0, "x"), item(1, "x")], [0], [None, None], [], [])
    with pytest.raises(ValidationError, match="'2024-13-45' is not an ISO-8601 date"):
        parse_days(["2024-01-01", "2024-13-45"], "created_at")
    with pytest.raises(ConfigError, match="alpha"):
        ValueConfig(alpha=1.5)
    with pytest.raises(ConfigError, match="min_customers"):
        ValueConfig(min_customers=0)
    assert compute_theme_values([item(0, "x")], [-1], [None], [], []) == {}


def test_theme_keys_are_the_labels_and_as_of_defaults_to_the_latest_date() -> None:
    world = simulate(seed=3, n_customers=300)
    labels = [t * 10 if t >= 0 else t for t in world.labels]
    default = compute_theme_values(
        world.feedback, labels, world.sentiments, world.customers, world.purchases
    )
    assert sorted(default) == [0, 10, 20, 30, 40]
    latest = max(p.purchased_at for p in world.purchases)
    explicit = world.values(as_of=latest)
    assert default[0] == explicit[0]
