"""Per-theme value statistics: the arithmetic behind :func:`compute_theme_values`.

The package docstring (:mod:`textinsight.value`) states the statistical design; this
module implements it with numpy group-bys (``bincount`` over theme indices) so that
10^6 feedback items, 10^5 customers and 10^6 purchases take seconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from textinsight.errors import ValidationError
from textinsight.records import Customer, Purchase, StoredFeedback, ThemeValue
from textinsight.value.config import ValueConfig
from textinsight.value.lifecycle import PHASES, PurchaseHistory
from textinsight.value.stats import benjamini_hochberg, risk_ratio_ci, two_proportion_pvalue

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

NO_DAY = 1 << 40
"""Day number standing for "no date": later than any real day, so ``min`` skips it."""

LOYALTY = ("behavioural", "attitudinal", "both", "neither")
"""Keys of :attr:`ThemeValue.loyalty`."""


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
        sentiments: sentiment in [-1, 1] of each item, ``None`` when unknown.
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
    stats = _ThemeStats(len(theme_ids))
    _feedback_stats(items, stats)
    if customers:
        _customer_stats(items, customers, purchases, config, as_of, stats)
    _decide(stats, config)
    return {int(t): stats.record(i) for i, t in enumerate(theme_ids)}


def _check_length(name: str, got: int, want: int) -> None:
    if got != want:
        raise ValidationError(
            f"{name} has {got} entries but there are {want} feedback items; "
            "pass exactly one per feedback item, in the same order.",
            field=name,
        )


def parse_days(values: Iterable[str | None], field: str) -> IntArray:
    """Day numbers (days since 1970-01-01) of ISO dates or date-times; ``NO_DAY`` for None.

    Only the date part (the first 10 characters) counts: statistics work in whole
    days. Each distinct date is parsed once, so 10^6 values take a fraction of a second.

    Example:
        >>> parse_days(["1970-01-02", "1970-01-03T10:00:00+02:00", None], "d").tolist()
        [1, 2, 1099511627776]
    """
    codes: dict[str | None, int] = {None: 0}
    index = np.fromiter(
        (codes.setdefault(v[:10] if v else None, len(codes)) for v in values), dtype=np.int64
    )
    texts = list(codes)[1:]
    try:
        parsed = np.array(texts, dtype="datetime64[D]").astype(np.int64)
    except ValueError:
        bad = next(t for t in texts if not _is_date(t))
        raise ValidationError(
            f"'{bad}' is not an ISO-8601 date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS.",
            field=field,
        ) from None
    if np.any(parsed == np.iinfo(np.int64).min):  # "NaT" and friends
        raise ValidationError("'NaT' is not a date; leave the field empty instead.", field=field)
    return np.concatenate([[NO_DAY], parsed])[index]


def _is_date(text: str) -> bool:
    try:
        np.datetime64(text, "D")
    except ValueError:
        return False
    return True


def _floats(values: Iterable[float | None]) -> FloatArray:
    """Floats with ``NaN`` for ``None`` (numpy converts ``None`` itself, fast)."""
    return np.array(list(values), dtype=np.float64).reshape(-1)


def _group_mean(group: IntArray, values: FloatArray, size: int) -> FloatArray:
    """Mean of ``values`` per group index in ``range(size)``; NaN for empty groups."""
    total = np.bincount(group, values, minlength=size)
    count = np.bincount(group, minlength=size)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(count > 0, total / count, np.nan)


def _group_median(group: IntArray, values: FloatArray, size: int) -> FloatArray:
    """Median of ``values`` per group index in ``range(size)``; NaN for empty groups."""
    order = np.lexsort((values, group))
    sorted_values = values[order]
    count = np.bincount(group, minlength=size)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    out = np.full(size, np.nan)
    has = count > 0
    low = sorted_values[start[has] + (count[has] - 1) // 2]
    high = sorted_values[start[has] + count[has] // 2]
    out[has] = (low + high) / 2.0
    return out


def _first_per_key(key: IntArray, day: IntArray) -> tuple[IntArray, IntArray]:
    """The distinct keys (``>= 0``) and, for each, its earliest day (``NO_DAY`` if none).

    One sort of ``key * span + day`` instead of a two-key lexsort.
    """
    dated = day != NO_DAY
    low = int(day[dated].min()) if dated.any() else 0
    span = (int(day[dated].max()) - low + 2) if dated.any() else 1
    combined = np.sort(key * span + np.where(dated, day - low, span - 1))
    key, offset = combined // span, combined % span
    first = np.ones(len(key), dtype=np.bool_)
    first[1:] = key[1:] != key[:-1]
    return key[first], np.where(offset[first] == span - 1, NO_DAY, offset[first] + low)


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
        customer_id = [f.customer_id for f in feedback]
        codes: dict[str, int] = {}
        voter = np.fromiter(
            (-1 if c is None else codes.setdefault(c, len(codes)) for c in customer_id),
            dtype=np.int64,
            count=len(customer_id),
        )
        named = voter >= 0
        voter[~named] = len(codes) + np.arange(int((~named).sum()))
        in_theme = theme >= 0
        pairs = np.unique(voter[in_theme] * n_themes + theme[in_theme])
        return cls(
            n_themes=n_themes,
            theme=theme,
            voter=voter,
            n_named=len(codes),
            voter_ids=list(codes),
            day=parse_days((f.created_at for f in feedback), "created_at"),
            sentiment=_floats(sentiments),
            nps=_floats(f.nps for f in feedback),
            rating=_floats(f.rating for f in feedback),
            pair_voter=pairs // n_themes,
            pair_theme=pairs % n_themes,
        )


class _ThemeStats:
    """Per-theme arrays, NaN (or None) where not computable; turned into records last."""

    FIELDS = (
        "known_customer_share sentiment value_total value_median top_decile_share "
        "churn_rate churn_baseline churn_diff churn_lift churn_p churn_q "
        "repurchase_rate repurchase_baseline repurchase_diff repurchase_lift repurchase_p "
        "repurchase_q nps_mean nps_baseline rating_mean rating_baseline revenue_at_risk "
        "impact churn_low churn_high repurchase_low repurchase_high "
        "churn_n churn_n0 repurchase_n repurchase_n0"
    ).split()

    def __init__(self, n_themes: int) -> None:
        self.n_themes = n_themes
        self.arrays: dict[str, FloatArray] = {f: np.full(n_themes, np.nan) for f in self.FIELDS}
        self.feedback_count = np.zeros(n_themes, dtype=np.int64)
        self.customers = np.zeros(n_themes, dtype=np.int64)
        self.kind = ["neutral"] * n_themes
        self.significant = np.zeros(n_themes, dtype=np.bool_)
        self.phases: FloatArray | None = None
        self.loyalty: FloatArray | None = None

    def __getitem__(self, name: str) -> FloatArray:
        return self.arrays[name]

    def __setitem__(self, name: str, values: FloatArray) -> None:
        self.arrays[name][:] = values

    def record(self, i: int) -> ThemeValue:
        def get(name: str) -> float | None:
            value = float(self.arrays[name][i])
            return None if np.isnan(value) else value

        def interval(prefix: str) -> tuple[float, float] | None:
            low, high = get(f"{prefix}_low"), get(f"{prefix}_high")
            return None if low is None or high is None else (low, high)

        names = [f for f in self.FIELDS if not f.endswith(("_low", "_high", "_n", "_n0"))]
        return ThemeValue(
            feedback_count=int(self.feedback_count[i]),
            customers=int(self.customers[i]),
            kind=self.kind[i],
            significant=bool(self.significant[i]),
            churn_lift_ci=interval("churn"),
            repurchase_lift_ci=interval("repurchase"),
            phases=_shares(PHASES, self.phases, i),
            loyalty=_shares(LOYALTY, self.loyalty, i),
            **{name: get(name) for name in names},
        )


def _shares(keys: tuple[str, ...], table: FloatArray | None, i: int) -> dict[str, float] | None:
    if table is None or np.isnan(table[i]).any():
        return None
    return {key: float(share) for key, share in zip(keys, table[i], strict=True)}


def _feedback_stats(items: _Items, stats: _ThemeStats) -> None:
    """Counts, mean sentiment, and NPS / rating means with one vote per customer."""
    size = items.n_themes
    in_theme = items.theme >= 0
    stats.feedback_count[:] = np.bincount(items.theme[in_theme], minlength=size)
    stats.customers[:] = np.bincount(
        items.pair_theme[items.pair_voter < items.n_named], minlength=size
    )
    known = in_theme & ~np.isnan(items.sentiment)
    stats["sentiment"] = _group_mean(items.theme[known], items.sentiment[known], size)
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
    voter_mean = _group_mean(items.voter[known], values[known], n_voters)
    voter_has = ~np.isnan(voter_mean)
    filled = np.where(voter_has, voter_mean, 0.0)
    in_theme = known & (items.theme >= 0)
    key = items.voter[in_theme] * size + items.theme[in_theme]
    pairs, inverse = np.unique(key, return_inverse=True)
    pair_mean = _group_mean(inverse.reshape(-1), values[in_theme], len(pairs))
    theme_mean = _group_mean(pairs % size, pair_mean, size)
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
    stats: _ThemeStats,
) -> None:
    """Everything that needs the customers table (and, for some, purchases)."""
    size = items.n_themes
    index = {c.customer_id: i for i, c in enumerate(customers)}
    n_customers = len(customers)
    # customer index of each item, looked up once per distinct customer_id (-1: unknown)
    known = np.array([index.get(c, -1) for c in items.voter_ids] + [-1], dtype=np.int64)
    customer = known[np.minimum(items.voter, items.n_named)]
    value = _floats(c.value for c in customers)
    churn_day = parse_days((c.churned_at for c in customers), "churned_at")
    buyer = np.fromiter((index.get(p.customer_id, -1) for p in purchases), dtype=np.int64)
    buy_day = parse_days((p.purchased_at for p in purchases), "purchased_at")
    end = _as_of(as_of, items.day, buy_day, churn_day)
    churned = churn_day <= end if end is not None else churn_day != NO_DAY

    in_theme = items.theme >= 0
    stats["known_customer_share"] = _group_mean(
        items.theme[in_theme], (customer[in_theme] >= 0).astype(np.float64), size
    )
    sel = in_theme & (customer >= 0)
    keys, ref = _first_per_key(customer[sel] * size + items.theme[sel], items.day[sel])
    pc, pt = keys // size, keys % size
    wrote = customer >= 0
    first_day = np.full(n_customers, NO_DAY, dtype=np.int64)
    np.minimum.at(first_day, customer[wrote], items.day[wrote])
    has_feedback = np.zeros(n_customers, dtype=np.bool_)
    has_feedback[customer[wrote]] = True

    _value_stats(value, pc, pt, size, config, stats)
    n1 = np.bincount(pt, minlength=size).astype(np.float64)
    x1 = np.bincount(pt, churned[pc], minlength=size)
    n0 = has_feedback.sum() - n1
    x0 = (churned & has_feedback).sum() - x1
    _compare(stats, "churn", x1, n1, x0, n0, config)
    at_risk = churned[pc]

    usable = (buyer >= 0) & (buy_day <= (end if end is not None else NO_DAY))
    if len(purchases) and end is not None:
        history = PurchaseHistory(buyer[usable], buy_day[usable])
        window = config.repurchase_window_days
        theme_rep, theme_drop, theme_ok = _repurchase(history, pc, ref, end, window)
        cust_ok = has_feedback & (first_day + window <= end)
        cust_rep = np.zeros(n_customers, dtype=np.bool_)
        rows = np.flatnonzero(cust_ok)
        cust_rep[rows] = _repurchase(history, rows, first_day[rows], end, window)[0]
        n1 = np.bincount(pt, theme_ok, minlength=size)
        x1 = np.bincount(pt, theme_rep, minlength=size)
        n0 = cust_ok.sum() - np.bincount(pt, cust_ok[pc], minlength=size)
        x0 = cust_rep.sum() - np.bincount(pt, cust_rep[pc], minlength=size)
        _compare(stats, "repurchase", x1, n1, x0, n0, config)
        at_risk = at_risk | theme_drop
        _lifecycle_stats(items, customer, n_customers, history, pc, pt, ref, config, stats)

    has_value = ~np.isnan(value[pc])
    risk = np.bincount(pt, np.where(at_risk & has_value, value[pc], 0.0), minlength=size)
    stats["revenue_at_risk"] = np.where(np.bincount(pt, has_value, minlength=size) > 0, risk, np.nan)


def _as_of(as_of: str | None, *days: IntArray) -> int | None:
    if as_of is not None:
        return int(parse_days([as_of], "as_of")[0])
    dated = [int(d[d != NO_DAY].max()) for d in days if (d != NO_DAY).any()]
    return max(dated) if dated else None


def _value_stats(
    value: FloatArray, pc: IntArray, pt: IntArray, size: int, config: ValueConfig, stats: _ThemeStats
) -> None:
    """Total and median value of the theme's customers, share of them in the top decile."""
    pair_value = value[pc]
    known = ~np.isnan(pair_value)
    count = np.bincount(pt[known], minlength=size)
    total = np.bincount(pt[known], pair_value[known], minlength=size)
    stats["value_total"] = np.where(count > 0, total, np.nan)
    stats["value_median"] = _group_median(pt[known], pair_value[known], size)
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
    stats: _ThemeStats,
) -> None:
    """Mix of lifecycle phases and of loyalty among the theme's customers."""
    size = items.n_themes
    dated = ref != NO_DAY
    c, t, r = pc[dated], pt[dated], ref[dated]
    phase = history.phases(c, r, config)
    stats.phases = _mix(t, phase, size, len(PHASES))

    attitude = _attitude(items, customer, n_customers, config)
    behaves = history.behavioural(c, r, config)
    feels = attitude[c]
    known = feels >= 0
    # category: 0 behavioural only, 1 attitudinal only, 2 both, 3 neither
    category = np.where(behaves, np.where(feels == 1, 2, 0), np.where(feels == 1, 1, 3))
    mix = _mix(t[known], category[known], size, 4)
    stats.loyalty = np.column_stack(
        [mix[:, 0] + mix[:, 2], mix[:, 1] + mix[:, 2], mix[:, 2], mix[:, 3]]
    )


def _attitude(items: _Items, customer: IntArray, n_customers: int, config: ValueConfig) -> IntArray:
    """Per customer: 1 attitudinally loyal, 0 not, -1 unknown (no NPS, no sentiment).

    Loyal: mean NPS answer >= ``promoter_nps`` when they answered NPS, else mean
    sentiment >= ``attitudinal_sentiment`` over all their feedback.
    """
    wrote = customer >= 0
    answered = wrote & ~np.isnan(items.nps)
    nps = _group_mean(customer[answered], items.nps[answered], n_customers)
    felt = wrote & ~np.isnan(items.sentiment)
    sentiment = _group_mean(customer[felt], items.sentiment[felt], n_customers)
    by_sentiment = np.where(np.isnan(sentiment), -1, sentiment >= config.attitudinal_sentiment)
    return np.where(np.isnan(nps), by_sentiment, nps >= config.promoter_nps).astype(np.int64)


def _mix(group: IntArray, category: IntArray, size: int, n_categories: int) -> FloatArray:
    """Share of each category per group (rows sum to 1; NaN rows for empty groups)."""
    counts = np.bincount(group * n_categories + category, minlength=size * n_categories)
    counts = counts.reshape(size, n_categories).astype(np.float64)
    total = counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, counts / total, np.nan)


def _compare(
    stats: _ThemeStats,
    prefix: str,
    x1: FloatArray,
    n1: FloatArray,
    x0: FloatArray,
    n0: FloatArray,
    config: ValueConfig,
) -> None:
    """Rates, difference, lift with its interval, and p-value of theme vs baseline."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(n1 > 0, x1 / n1, np.nan)
        base = np.where(n0 > 0, x0 / n0, np.nan)
        lift = np.where(base > 0, rate / base, np.nan)
    low, high = risk_ratio_ci(x1, n1, x0, n0, confidence=config.confidence)
    stats[f"{prefix}_rate"] = rate
    stats[f"{prefix}_baseline"] = base
    stats[f"{prefix}_diff"] = rate - base
    stats[f"{prefix}_lift"] = lift
    stats[f"{prefix}_low"] = low
    stats[f"{prefix}_high"] = high
    stats[f"{prefix}_p"] = two_proportion_pvalue(x1, n1, x0, n0)
    stats[f"{prefix}_n"] = n1
    stats[f"{prefix}_n0"] = n0


def _decide(stats: _ThemeStats, config: ValueConfig) -> None:
    """Benjamini-Hochberg over all churn and repurchase tests, then kind and impact."""
    size = stats.n_themes
    pvalues = []
    for prefix in ("churn", "repurchase"):
        guarded = (stats[f"{prefix}_n"] >= config.min_customers) & (
            stats[f"{prefix}_n0"] >= config.min_customers
        )
        pvalues.append(np.where(guarded, stats[f"{prefix}_p"], np.nan))
    q = benjamini_hochberg(np.concatenate(pvalues))
    stats["churn_q"], stats["repurchase_q"] = q[:size], q[size:]

    # "good" differences: positive when the theme's customers do better than baseline
    good = {"churn": -stats["churn_diff"], "repurchase": stats["repurchase_diff"]}
    better = np.zeros(size, dtype=np.bool_)
    worse = np.zeros(size, dtype=np.bool_)
    shrunk = []
    for prefix, diff in good.items():
        q_prefix = stats[f"{prefix}_q"]
        with np.errstate(invalid="ignore"):
            significant = q_prefix <= config.alpha
        better |= significant & (diff > 0)
        worse |= significant & (diff < 0)
        shrink = np.where(np.isnan(q_prefix), 0.0, 1.0 - q_prefix)
        shrunk.append(np.where(np.isnan(diff), np.nan, np.abs(diff) * shrink))
    effect = np.fmax(shrunk[0], shrunk[1])
    stats["impact"] = stats["value_total"] * effect

    sentiment = stats["sentiment"]
    unknown = np.isnan(sentiment)
    negative = unknown | (sentiment < -config.sentiment_threshold)
    positive = unknown | (sentiment > config.sentiment_threshold)
    stats.significant[:] = better | worse
    for i in range(size):
        if worse[i] and not better[i] and negative[i]:
            stats.kind[i] = "pain_point"
        elif better[i] and not worse[i] and positive[i]:
            stats.kind[i] = "loyalty_driver"
