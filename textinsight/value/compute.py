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
from textinsight.value.cohort import (
    Cohort,
    forward_churn,
    forward_repurchase,
    spend_before,
    summary,
)
from textinsight.value.config import ValueConfig
from textinsight.value.lifecycle import PHASES, PurchaseHistory
from textinsight.value.loyalty import QUADRANTS, quadrants
from textinsight.value.strata import (
    DROP_ORDER,
    VALUE_TIERS,
    Profile,
    combine,
    used_covariates,
)
from textinsight.value.verdict import ThemeStats, decide

AUTO_UNASSIGNED_SHARE = 0.05
"""``reference="auto"`` compares with writers of unassigned feedback only when they are
at least this share of the writers (and ``min_customers``); else with writers outside
the theme."""


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
    # customer index of each item, looked up once per distinct customer_id (-1: unknown)
    known = np.array([index.get(c, -1) for c in items.voter_ids] + [-1], dtype=np.int64)
    customer = known[np.minimum(items.voter, items.n_named)]
    value = floats(c.value for c in customers)
    churn_day = parse_days((c.churned_at for c in customers), "churned_at")
    buyer_id = list(map(attrgetter("customer_id"), purchases))
    buyer = lookup(buyer_id, {c: index.get(c, -1) for c in set(buyer_id)})
    buy_day = parse_days(map(attrgetter("purchased_at"), purchases), "purchased_at")
    end = _as_of(as_of, items.day, buy_day)

    in_theme = items.theme >= 0
    wrote = customer >= 0
    stats["known_customer_share"] = group_mean(
        items.theme[in_theme], wrote[in_theme].astype(np.float64), size
    )
    sel = in_theme & wrote
    all_keys, _ = first_per_key(customer[sel] * size + items.theme[sel], items.day[sel])
    _value_stats(value, all_keys // size, all_keys % size, size, config, stats)
    if end is None:
        return
    churn_day = np.where(churn_day <= end, churn_day, NO_DAY)  # future churn: not yet
    # exit feedback (on or after the churn date) is never a cause
    cause = sel & (items.day < churn_day[np.maximum(customer, 0)])
    keys, ref = first_per_key(customer[cause] * size + items.theme[cause], items.day[cause])
    exits = ~np.isin(all_keys, keys)
    exit_count = np.bincount(all_keys[exits] % size, minlength=size)
    all_count = np.bincount(all_keys % size, minlength=size)
    stats["exit_customers"] = exit_count
    with np.errstate(divide="ignore", invalid="ignore"):
        stats["exit_share"] = np.where(all_count > 0, exit_count / all_count, np.nan)
    pc, pt = keys // size, keys % size

    usable = (buyer >= 0) & (buy_day <= end)
    history = None
    if usable.any():
        history = PurchaseHistory(
            buyer[usable],
            buy_day[usable],
            floats(p.amount for p in purchases)[usable],
            np.array([bool(p.discount) for p in purchases], dtype=np.bool_)[usable],
        )
    cohort, profile = _cohort(
        items, customer, customers, value, churn_day, history, (pc, pt, ref), end, config
    )
    window = config.repurchase_window_days
    dated_ref = np.where(ref != NO_DAY, ref, end)
    pool_ref = cohort.pool_ref
    adjusted_for = list(profile.used)

    churned = forward_churn(ref, churn_day[pc], window)[1]
    pool_churned = forward_churn(pool_ref, churn_day[cohort.pool_c], window)[1]
    churn = cohort.compare(window, churned, pool_churned)
    stats.put("churn", churn)
    spend = spend_before(history, value, pc, dated_ref, config.spend_days)
    pair_ok, _ = cohort.observed(window)
    at_stake = np.bincount(pt[pair_ok & churned], np.nan_to_num(spend[pair_ok & churned]), size)
    with np.errstate(divide="ignore", invalid="ignore"):
        for suffix, lift in (("", churn.lift), ("_low", churn.low), ("_high", churn.high)):
            stats[f"revenue_at_risk{suffix}"] = (1.0 - 1.0 / lift) * at_stake
    windows = {
        w: cohort.compare(
            w,
            forward_churn(ref, churn_day[pc], w)[1],
            forward_churn(pool_ref, churn_day[cohort.pool_c], w)[1],
            raw=False,
        )
        for w in config.report_windows
    }

    groups: dict[str, tuple[IntArray, IntArray, list[str]]] = {
        "membership": (
            profile.member[pc],
            profile.member[cohort.pool_c],
            ["unknown", "non_member", "member"],
        ),
        "segment": (profile.segment[pc], profile.segment[cohort.pool_c], profile.segments),
        "value_tier": (
            profile.value_tier(pc, config.top_value_quantile),
            profile.value_tier(cohort.pool_c, config.top_value_quantile),
            list(VALUE_TIERS),
        ),
    }
    if history is not None:
        repurchased = forward_repurchase(history, pc, dated_ref, window) & (ref != NO_DAY)
        pool_dated = np.where(pool_ref != NO_DAY, pool_ref, end)
        pool_repurchased = forward_repurchase(history, cohort.pool_c, pool_dated, window)
        repurchase = cohort.compare(window, repurchased, pool_repurchased)
        stats.put("repurchase", repurchase)
        order = history.mean_amount()
        lost = repurchase.x1 * order
        with np.errstate(divide="ignore", invalid="ignore"):
            for suffix, lift in (
                ("", repurchase.lift),
                ("_low", repurchase.high),
                ("_high", repurchase.low),
            ):
                stats[f"repurchase_value_at_risk{suffix}"] = (1.0 / lift - 1.0) * lost
        pair_phase = history.phases(pc, dated_ref, config)
        stats.phases = mix(pt[ref != NO_DAY], pair_phase[ref != NO_DAY], size, len(PHASES))
        groups["lifecycle"] = (
            pair_phase,
            history.phases(cohort.pool_c, pool_dated, config),
            list(PHASES),
        )
        pair_loyalty = quadrants(
            items.day, items.nps, items.sentiment, customer, history, pc, dated_ref, config
        )
        pool_loyalty = quadrants(
            items.day,
            items.nps,
            items.sentiment,
            customer,
            history,
            cohort.pool_c,
            pool_dated,
            config,
        )
        share = mix(pt[ref != NO_DAY], pair_loyalty[ref != NO_DAY], size, len(QUADRANTS))
        stats.loyalty = np.column_stack(
            [
                share[:, 0] + share[:, 1],
                share[:, 0] + share[:, 2],
                share[:, 0],
                share[:, 3],
                share[:, 4],
            ]
        )
        groups["loyalty"] = (pair_loyalty, pool_loyalty, list(QUADRANTS))

    breakdowns = {
        name: cohort.breakdown(window, churned, pool_churned, pair_group, pool_group, names)
        for name, (pair_group, pool_group, names) in groups.items()
    }
    for t in range(size):
        extra = stats.extra[t]
        extra["reference"] = profile.reference
        extra["adjusted_for"] = adjusted_for
        extra["window_days"] = window
        extra["churn_windows"] = {str(w): summary(r, t) for w, r in windows.items()}
        extra["breakdowns"] = {n: b[t] for n, b in breakdowns.items() if b is not None} or None
        if breakdowns.get("loyalty") is not None:
            extra["loyalty_churn"] = breakdowns["loyalty"][t]["groups"]  # type: ignore[index]


def _cohort(
    items: _Items,
    customer: IntArray,
    customers: Sequence[Customer],
    value: FloatArray,
    churn_day: IntArray,
    history: PurchaseHistory | None,
    pairs: tuple[IntArray, IntArray, IntArray],
    end: int,
    config: ValueConfig,
) -> tuple[Cohort, Profile]:
    """The pairs and the reference pool, coded into strata of the covariates that vary."""
    pc, pt, ref = pairs
    n_customers = len(customers)
    wrote = customer >= 0
    n_items = np.bincount(customer[wrote], minlength=n_customers)
    alive = wrote & (items.day < churn_day[np.maximum(customer, 0)])
    first_day = np.full(n_customers, NO_DAY, dtype=np.int64)
    np.minimum.at(first_day, customer[alive], items.day[alive])
    has_feedback = n_items > 0
    themed = np.zeros(n_customers, dtype=np.bool_)
    themed[customer[wrote & (items.theme >= 0)]] = True
    dated = first_day[first_day != NO_DAY]
    landmark = int(np.median(dated)) if len(dated) else NO_DAY
    pool_ref = np.where(has_feedback, first_day, landmark)
    active = (pool_ref != NO_DAY) & forward_churn(pool_ref, churn_day, 0)[0]  # on the day
    pools = {
        "unassigned": has_feedback & ~themed,
        "unthemed": ~themed,
        "outside": has_feedback,
        "never": ~has_feedback,
    }
    reference = config.reference
    if reference == "auto":
        enough = max(config.min_customers, AUTO_UNASSIGNED_SHARE * int(has_feedback.sum()))
        reference = "unassigned" if (pools["unassigned"] & active).sum() >= enough else "outside"
    in_pool = pools[reference] & active
    pool_c = np.flatnonzero(in_pool)
    position = np.full(n_customers, -1, dtype=np.int64)
    position[pool_c] = np.arange(len(pool_c))

    segment_names = sorted({c.segment for c in customers if c.segment is not None})
    segment_code: dict[str | None, int] = {s: i + 1 for i, s in enumerate(segment_names)}
    profile = Profile(
        joined=parse_days((c.joined_at for c in customers), "joined_at"),
        segment=np.array([segment_code.get(c.segment, 0) for c in customers], dtype=np.int64),
        member=np.array(
            [0 if c.is_member is None else 1 + int(c.is_member) for c in customers], dtype=np.int64
        ),
        value=value,
        items=n_items,
        history=history,
        segments=["unknown", *segment_names],
    )
    pair_cov = profile.covariates(pc, np.where(ref != NO_DAY, ref, end))
    pool_cov = profile.covariates(pool_c, pool_ref[pool_c])
    profile.used = used_covariates(pair_cov, pool_cov)
    profile.reference = reference
    pair_stratum, pool_stratum = combine([pair_cov, pool_cov], profile.used)
    # strata adapt: drop the least important covariates while clearly fewer of the theme
    # customers share a stratum with reference customers than with tenure and number of
    # items alone (which are never dropped)
    own = (position[pc] >= 0).astype(np.int64)
    core = tuple(c for c in profile.used if c not in DROP_ORDER)
    pair_core, pool_core = combine([pair_cov, pool_cov], core)
    target = config.min_matched * _matched(pair_core, pool_core, own)
    droppable = [c for c in DROP_ORDER if c in profile.used]
    while droppable and _matched(pair_stratum, pool_stratum, own) < target:
        drop = droppable.pop(0)
        profile.used = tuple(c for c in profile.used if c != drop)
        pair_stratum, pool_stratum = combine([pair_cov, pool_cov], profile.used)
    cohort = Cohort(
        pc=pc,
        pt=pt,
        ref=ref,
        pool_c=pool_c,
        pool_ref=pool_ref[pool_c],
        pool_of_pair=position[pc],
        pair_stratum=pair_stratum,
        pool_stratum=pool_stratum,
        end=end,
        n_themes=items.n_themes,
        confidence=config.confidence,
    )
    return cohort, profile


def _matched(pair_stratum: IntArray, pool_stratum: IntArray, own: IntArray) -> float:
    """Share of pairs whose stratum holds at least one reference customer other than
    the pair's own customer (``own``: 1 where that customer is in the pool)."""
    if len(pair_stratum) == 0:
        return 1.0
    size = int(max(pair_stratum.max(), pool_stratum.max(initial=0))) + 1
    count = np.bincount(pool_stratum, minlength=size)[pair_stratum]
    return float(np.mean(count - own > 0))


def _as_of(as_of: str | None, *days: IntArray) -> int | None:
    """The given ``as_of``, never later than the data's own latest date (the latest
    feedback or purchase date); that date when not given."""
    dated = [int(d[d != NO_DAY].max()) for d in days if (d != NO_DAY).any()]
    latest = max(dated) if dated else None
    if as_of is None:
        return latest
    given = int(parse_days([as_of], "as_of")[0])
    return given if latest is None else min(given, latest)


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
