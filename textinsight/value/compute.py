"""Per-theme value statistics: the arithmetic behind :func:`compute_theme_values`.

The package docstring (:mod:`textinsight.value`) states the statistical design; this
module implements it with numpy group-bys (``bincount`` over theme indices) so that
10^6 feedback items, 10^5 customers and 10^6 purchases take seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter

import numpy as np
from numpy.typing import NDArray

from textinsight.errors import ValidationError
from textinsight.records import Customer, Purchase, StoredFeedback, ThemeValue
from textinsight.value.arrays import (
    NO_DAY,
    BoolArray,
    FloatArray,
    IntArray,
    distinct,
    first_per_key,
    floats,
    group_mean,
    group_median,
    lookup,
    mix,
    parse_days,
)
from textinsight.value.config import ValueConfig
from textinsight.value.lifecycle import PHASES, PurchaseHistory
from textinsight.value.verdict import ThemeStats, compare, decide


def compute_theme_values(
    feedback: Sequence[StoredFeedback],
    labels: Sequence[int] | NDArray[np.integer],
    sentiments: Sequence[float | None],
    customers: Sequence[Customer],
    purchases: Sequence[Purchase],
    *,
    config: ValueConfig | None = None,
    as_of: str | None = None,
) -> dict[int, ThemeValue]:
    """Value, outcome and lifecycle statistics of every theme.

    Args:
        feedback: the feedback items of the run.
        labels: theme index of each item; ``-1`` (any negative) is unassigned.
        sentiments: sentiment in [-1, 1] of each item, ``None`` (or NaN) when unknown.
        customers: every known customer (may be empty).
        purchases: every known purchase (may be empty).
        config: thresholds and windows; the defaults of :class:`ValueConfig`.
        as_of: ISO date the churn and repurchase windows are measured against;
            default the latest date in the feedback, purchases and churn dates.

    Returns:
        One :class:`ThemeValue` per theme index present in ``labels``.

    Raises:
        ValidationError: ``labels`` or ``sentiments`` do not have one entry per
            feedback item, or a date is not ISO-8601.

    Example:
        >>> from textinsight.records import StoredFeedback
        >>> items = [StoredFeedback(i, "t", "h", "ticket", str(i), "en") for i in range(3)]
        >>> values = compute_theme_values(items, [0, 0, -1], [-0.5, None, None], [], [])
        >>> values[0].feedback_count, values[0].sentiment, values[0].churn_rate
        (2, -0.5, None)
    """
    config = config or ValueConfig()
    labels_array = np.asarray(labels, dtype=np.int64).reshape(-1)
    _check_length("labels", len(labels_array), len(feedback))
    _check_length("sentiments", len(sentiments), len(feedback))
    theme_ids = np.unique(labels_array[labels_array >= 0])
    if len(theme_ids) == 0:
        return {}
    items = _Items.build(feedback, labels_array, theme_ids, sentiments)
    stats = ThemeStats(len(theme_ids))
    _feedback_stats(items, stats)
    if customers:
        _customer_stats(items, customers, purchases, config, as_of, stats)
    decide(stats, config)
    return {int(t): stats.record(i) for i, t in enumerate(theme_ids)}


def _check_length(name: str, got: int, want: int) -> None:
    if got != want:
        raise ValidationError(
            f"{name} has {got} entries but there are {want} feedback items; "
            "pass exactly one per feedback item, in the same order.",
            field=name,
        )


@dataclass
class _Items:
    """Feedback items as arrays; ``theme`` is a dense index into the run's themes."""

    n_themes: int
    theme: IntArray
    voter: IntArray
    n_named: int
    voter_ids: list[str]
    day: IntArray
    sentiment: FloatArray
    nps: FloatArray
    rating: FloatArray
    pair_voter: IntArray
    pair_theme: IntArray

    @classmethod
    def build(
        cls,
        feedback: Sequence[StoredFeedback],
        labels: IntArray,
        theme_ids: IntArray,
        sentiments: Sequence[float | None],
    ) -> _Items:
        n_themes = len(theme_ids)
        theme = np.where(labels >= 0, np.searchsorted(theme_ids, labels), -1)
        customer_id = list(map(attrgetter("customer_id"), feedback))
        names = sorted(c for c in set(customer_id) if c is not None)
        codes: dict[str | None, int] = {c: i for i, c in enumerate(names)}
        codes[None] = -1
        voter = lookup(customer_id, codes)
        anonymous = voter < 0
        voter[anonymous] = len(names) + np.arange(int(anonymous.sum()))
        in_theme = theme >= 0
        pairs = distinct(voter[in_theme] * n_themes + theme[in_theme])
        return cls(
            n_themes=n_themes,
            theme=theme,
            voter=voter,
            n_named=len(names),
            voter_ids=names,
            day=parse_days(map(attrgetter("created_at"), feedback), "created_at"),
            sentiment=floats(sentiments),
            nps=floats(map(attrgetter("nps"), feedback)),
            rating=floats(map(attrgetter("rating"), feedback)),
            pair_voter=pairs // n_themes,
            pair_theme=pairs % n_themes,
        )


def _feedback_stats(items: _Items, stats: ThemeStats) -> None:
    """Counts, mean sentiment, and NPS / rating means with one vote per customer."""
    size = items.n_themes
    in_theme = items.theme >= 0
    stats.feedback_count[:] = np.bincount(items.theme[in_theme], minlength=size)
    stats.customers[:] = np.bincount(
        items.pair_theme[items.pair_voter < items.n_named], minlength=size
    )
    known = in_theme & ~np.isnan(items.sentiment)
    stats["sentiment"] = group_mean(items.theme[known], items.sentiment[known], size)
    for name, values in (("nps", items.nps), ("rating", items.rating)):
        mean, baseline = _voter_means(items, values)
        stats[f"{name}_mean"] = mean
        stats[f"{name}_baseline"] = baseline


def _voter_means(items: _Items, values: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Theme and baseline means of ``values`` with one vote per customer.

    A voter is a customer (all their items together) or, for anonymous feedback, the
    item itself. The theme mean averages, over the theme's voters, each voter's mean on
    the theme's items; the baseline averages, over the voters who never wrote about
    the theme, each voter's mean on all their items.
    """
    size = items.n_themes
    known = ~np.isnan(values)
    n_voters = int(items.voter.max()) + 1 if len(items.voter) else 0
    voter_mean = group_mean(items.voter[known], values[known], n_voters)
    voter_has = ~np.isnan(voter_mean)
    filled = np.where(voter_has, voter_mean, 0.0)
    in_theme = known & (items.theme >= 0)
    key = items.voter[in_theme] * size + items.theme[in_theme]
    pairs = distinct(key)
    pair_mean = group_mean(np.searchsorted(pairs, key), values[in_theme], len(pairs))
    theme_mean = group_mean(pairs % size, pair_mean, size)
    excluded_sum = np.bincount(items.pair_theme, filled[items.pair_voter], minlength=size)
    excluded_n = np.bincount(items.pair_theme, voter_has[items.pair_voter], minlength=size)
    rest_n = voter_has.sum() - excluded_n
    with np.errstate(divide="ignore", invalid="ignore"):
        baseline = np.where(rest_n > 0, (filled.sum() - excluded_sum) / rest_n, np.nan)
    return theme_mean, baseline


def _customer_stats(
    items: _Items,
    customers: Sequence[Customer],
    purchases: Sequence[Purchase],
    config: ValueConfig,
    as_of: str | None,
    stats: ThemeStats,
) -> None:
    """Everything that needs the customers table (and, for some, purchases)."""
    size = items.n_themes
    index = {c.customer_id: i for i, c in enumerate(customers)}
    n_customers = len(customers)
    # customer index of each item, looked up once per distinct customer_id (-1: unknown)
    known = np.array([index.get(c, -1) for c in items.voter_ids] + [-1], dtype=np.int64)
    customer = known[np.minimum(items.voter, items.n_named)]
    value = floats(c.value for c in customers)
    churn_day = parse_days((c.churned_at for c in customers), "churned_at")
    buyer_id = list(map(attrgetter("customer_id"), purchases))
    buyer = lookup(buyer_id, {c: index.get(c, -1) for c in set(buyer_id)})
    buy_day = parse_days(map(attrgetter("purchased_at"), purchases), "purchased_at")
    end = _as_of(as_of, items.day, buy_day, churn_day)
    churned = churn_day <= end if end is not None else churn_day != NO_DAY

    in_theme = items.theme >= 0
    stats["known_customer_share"] = group_mean(
        items.theme[in_theme], (customer[in_theme] >= 0).astype(np.float64), size
    )
    sel = in_theme & (customer >= 0)
    keys, ref = first_per_key(customer[sel] * size + items.theme[sel], items.day[sel])
    pc, pt = keys // size, keys % size
    wrote = customer >= 0
    first_day = np.full(n_customers, NO_DAY, dtype=np.int64)
    np.minimum.at(first_day, customer[wrote], items.day[wrote])
    has_feedback = np.zeros(n_customers, dtype=np.bool_)
    has_feedback[customer[wrote]] = True

    _value_stats(value, pc, pt, size, config, stats)
    everyone = np.ones(len(pc), dtype=np.bool_)
    counts = _theme_vs_rest(pc, pt, size, churned[pc], everyone, churned, has_feedback)
    compare(stats, "churn", *counts, config)
    at_risk = churned[pc]

    if len(purchases) and end is not None:
        usable = (buyer >= 0) & (buy_day <= end)
        history = PurchaseHistory(buyer[usable], buy_day[usable])
        window = config.repurchase_window_days
        repurchased, dropped, observed = _repurchase(history, pc, ref, end, window)
        everybody = np.arange(n_customers)
        base_day = np.where(has_feedback, first_day, NO_DAY)
        base_repurchased, _, base_observed = _repurchase(history, everybody, base_day, end, window)
        counts = _theme_vs_rest(
            pc, pt, size, repurchased, observed, base_repurchased, base_observed
        )
        compare(stats, "repurchase", *counts, config)
        at_risk = at_risk | dropped
        _lifecycle_stats(items, customer, n_customers, history, pc, pt, ref, config, stats)

    has_value = ~np.isnan(value[pc])
    risk = np.bincount(pt, np.where(at_risk & has_value, value[pc], 0.0), minlength=size)
    stats["revenue_at_risk"] = np.where(
        np.bincount(pt, has_value, minlength=size) > 0, risk, np.nan
    )


def _theme_vs_rest(
    pc: IntArray,
    pt: IntArray,
    size: int,
    event: BoolArray,
    counted: BoolArray,
    base_event: BoolArray,
    base_counted: BoolArray,
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """``(x1, n1, x0, n0)`` per theme: events and customers in the theme and in its baseline.

    ``event``/``counted`` are per (customer ``pc``, theme ``pt``) pair; ``base_event``/
    ``base_counted`` per customer, measured for the baseline. The baseline of a theme
    is every counted customer minus the theme's own customers.
    """
    n1 = np.bincount(pt, counted, minlength=size)
    x1 = np.bincount(pt, event & counted, minlength=size)
    n0 = base_counted.sum() - np.bincount(pt, base_counted[pc], minlength=size)
    base = base_event & base_counted
    x0 = base.sum() - np.bincount(pt, base[pc], minlength=size)
    return x1, n1, x0, n0


def _as_of(as_of: str | None, *days: IntArray) -> int | None:
    if as_of is not None:
        return int(parse_days([as_of], "as_of")[0])
    dated = [int(d[d != NO_DAY].max()) for d in days if (d != NO_DAY).any()]
    return max(dated) if dated else None


def _value_stats(
    value: FloatArray,
    pc: IntArray,
    pt: IntArray,
    size: int,
    config: ValueConfig,
    stats: ThemeStats,
) -> None:
    """Total and median value of the theme's customers, share of them in the top decile."""
    pair_value = value[pc]
    known = ~np.isnan(pair_value)
    count = np.bincount(pt[known], minlength=size)
    total = np.bincount(pt[known], pair_value[known], minlength=size)
    stats["value_total"] = np.where(count > 0, total, np.nan)
    stats["value_median"] = group_median(pt[known], pair_value[known], size)
    all_values = value[~np.isnan(value)]
    if len(all_values):
        cut = np.quantile(all_values, config.top_value_quantile)
        top = np.bincount(pt[known], pair_value[known] >= cut, minlength=size)
        with np.errstate(divide="ignore", invalid="ignore"):
            stats["top_decile_share"] = np.where(count > 0, top / count, np.nan)


def _repurchase(
    history: PurchaseHistory, customer: IntArray, ref: IntArray, end: int, window: int
) -> tuple[BoolArray, BoolArray, BoolArray]:
    """Per row: repurchased within ``window`` days after ``ref``; bought less in that
    window than in the ``window`` days up to ``ref``; and whether the row's window is
    fully observed by ``end`` (only those rows count; the other two are False)."""
    ok = (ref != NO_DAY) & (ref <= end - window)
    rows = np.flatnonzero(ok)
    after = np.zeros(len(customer), dtype=np.int64)
    before = np.zeros(len(customer), dtype=np.int64)
    c, r = customer[rows], ref[rows]
    after[rows] = history.count(c, r, r + window)
    before[rows] = history.count(c, r - window, r)
    return ok & (after > 0), ok & (after < before), ok


def _lifecycle_stats(
    items: _Items,
    customer: IntArray,
    n_customers: int,
    history: PurchaseHistory,
    pc: IntArray,
    pt: IntArray,
    ref: IntArray,
    config: ValueConfig,
    stats: ThemeStats,
) -> None:
    """Mix of lifecycle phases and of loyalty among the theme's customers."""
    size = items.n_themes
    dated = ref != NO_DAY
    c, t, r = pc[dated], pt[dated], ref[dated]
    phase = history.phases(c, r, config)
    stats.phases = mix(t, phase, size, len(PHASES))

    attitude = _attitude(items, customer, n_customers, config)
    behaves = history.behavioural(c, r, config)
    feels = attitude[c]
    known = feels >= 0
    # category: 0 behavioural only, 1 attitudinal only, 2 both, 3 neither
    category = np.where(behaves, np.where(feels == 1, 2, 0), np.where(feels == 1, 1, 3))
    share = mix(t[known], category[known], size, 4)
    stats.loyalty = np.column_stack(
        [share[:, 0] + share[:, 2], share[:, 1] + share[:, 2], share[:, 2], share[:, 3]]
    )


def _attitude(items: _Items, customer: IntArray, n_customers: int, config: ValueConfig) -> IntArray:
    """Per customer: 1 attitudinally loyal, 0 not, -1 unknown (no NPS, no sentiment).

    Loyal: mean NPS answer >= ``promoter_nps`` when they answered NPS, else mean
    sentiment >= ``attitudinal_sentiment`` over all their feedback.
    """
    wrote = customer >= 0
    answered = wrote & ~np.isnan(items.nps)
    nps = group_mean(customer[answered], items.nps[answered], n_customers)
    felt = wrote & ~np.isnan(items.sentiment)
    sentiment = group_mean(customer[felt], items.sentiment[felt], n_customers)
    by_sentiment = np.where(np.isnan(sentiment), -1, sentiment >= config.attitudinal_sentiment)
    return np.where(np.isnan(nps), by_sentiment, nps >= config.promoter_nps).astype(np.int64)
