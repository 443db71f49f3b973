"""Planted customer data for the value tests: each situation of issue 11 can be switched on.

:func:`plant` returns feedback with perfect theme labels, customers and purchases in
which only the planted effects exist. Themes (label = index):

- ``PAIN``: churn x3 when ``pain`` (or ``dominant_pain``: it then also holds 40 % of
  the items); items rated 1-2.
- ``LOYAL``: repurchase within 90 days 75 % instead of 45 % when ``loyalty``; rated 4-5.
- ``ONBOARD``: with ``new_customers``, 25 % of customers are new (joined under 60
  days ago) and churn 25 % instead of 8 % whatever they write; 70 % of their items are
  onboarding items, the established customers' items go elsewhere. No effect.
- ``EARLY``: with ``early``, its writers write in the first 90 days. No effect.
- ``EXIT``: with ``exit_theme``, written by extra customers on or after they churned.
- ``LATE``: with ``member_pain``, churn x3 for members, no effect for non-members;
  rated 1-2.
- ``SALE`` / ``REGULAR``: with ``discount``, written by customers who buy only in sale
  weeks (on discount) and by customers who buy every 25-31 days (on discount only in
  sale weeks); everyone else buys at random (a Poisson process).

Churn: probability ``p`` of churning within 90 days of the first item (8 %, or by
situation), then a constant hazard (~8 % per 90 days) afterwards, so "ever churned by
``as_of``" grows with follow-up while forward churn does not. Customers who never
write (30 %) have the same churn and purchase processes, measured from the day the
value stage uses for them (the median first-item day of the writers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from textinsight.records import Customer, Purchase, StoredFeedback, ThemeValue
from textinsight.value import ValueConfig, compute_theme_values

PAIN, LOYAL, ONBOARD, EARLY, EXIT, LATE, SALE, REGULAR = range(8)
N_THEMES = 8
START = date(2024, 1, 1)
END_DAY = 730
SALE_WEEKS = np.array([70, 160, 250, 340, 435, 525, 615, 705])
BUY_RATE = -np.log(0.55) / 90  # P(a purchase within 90 days) = 45 %
LOYAL_RATE = np.log(4.0) / 90  # ... = 75 %


@dataclass(frozen=True)
class Situation:
    """Which planted situations are on (all off: no effect anywhere)."""

    pain: bool = False
    dominant_pain: bool = False
    loyalty: bool = False
    new_customers: bool = False
    items_dose: bool = False
    early: bool = False
    exit_theme: bool = False
    member_pain: bool = False
    discount: bool = False
    n_customers: int = 4000


@dataclass
class Planted:
    feedback: list[StoredFeedback]
    labels: list[int]
    sentiments: list[float | None]
    customers: list[Customer]
    purchases: list[Purchase]
    as_of: str = (START + timedelta(days=END_DAY)).isoformat()
    texts: dict[int, list[str]] = field(default_factory=dict)

    def values(self, config: ValueConfig | None = None) -> dict[int, ThemeValue]:
        """The value stage's output on this data."""
        return compute_theme_values(
            self.feedback,
            self.labels,
            self.sentiments,
            self.customers,
            self.purchases,
            config=config,
            as_of=self.as_of,
        )


_DAYS = [(START + timedelta(days=d)).isoformat() for d in range(-2500, 6000)]


def _day(d: int) -> str:
    return _DAYS[d + 2500]


def plant(seed: int, s: Situation) -> Planted:
    """One planted data set (see the module docstring)."""
    rng = np.random.default_rng(seed)
    n = s.n_customers
    writes = rng.random(n) < 0.7
    new = rng.random(n) < (0.25 if s.new_customers else 0.0)
    member = rng.random(n) < 0.5
    kind = np.zeros(n, dtype=np.int64)  # 0 random buyer, 1 sale-week buyer, 2 regular buyer
    if s.discount:
        kind = rng.choice(3, n, p=[0.4, 0.3, 0.3])

    # items: how many, which themes
    n_items = np.where(writes, 1, 0)
    if s.items_dose:
        n_items = np.where(writes, rng.choice([1, 2, 3, 4], n, p=[0.4, 0.3, 0.2, 0.1]), 0)
    owner = np.repeat(np.arange(n), n_items)
    weights = np.ones(N_THEMES)
    weights[[EXIT, SALE, REGULAR]] = 0.0
    if not s.member_pain:
        weights[LATE] = 0.0
    else:
        weights[LATE] = 2.0
    if s.dominant_pain:
        rest = weights.sum() - weights[PAIN]
        weights[PAIN] = rest * 0.4 / 0.6
    weights /= weights.sum()
    theme = rng.choice(N_THEMES, len(owner), p=weights)
    if s.new_customers:
        usual = weights.copy()
        usual[ONBOARD] = 0.0
        usual /= usual.sum()
        theme = rng.choice(N_THEMES, len(owner), p=usual)
        onboard = new[owner] & (rng.random(len(owner)) < 0.7)
        theme[onboard] = ONBOARD
    if s.discount:
        theme[kind[owner] == 1] = SALE
        theme[kind[owner] == 2] = REGULAR
    unassigned = rng.random(len(owner)) < 0.08
    theme[unassigned] = -1

    # first day of writing, items within 10 days of it
    first = rng.integers(0, END_DAY - 180, n)
    if s.early:
        early = np.zeros(n, dtype=np.bool_)
        early[owner[theme == EARLY]] = True
        first[early] = rng.integers(0, 90, int(early.sum()))
    created = first[owner] + rng.integers(0, 11, len(owner))
    landmark = int(np.median(np.minimum.reduceat(created, _starts(n_items))))
    ref = np.where(writes, first, landmark)

    # churn: p within 90 days of ref (after the last item), then a constant hazard
    p = np.where(new, 0.25, 0.08)
    if s.items_dose:
        p = np.array([0.07, 0.07, 0.13, 0.19, 0.25])[n_items]
    wrote_theme = np.zeros((n, N_THEMES), dtype=np.bool_)
    wrote_theme[owner[theme >= 0], theme[theme >= 0]] = True
    if s.pain or s.dominant_pain:
        p = np.where(wrote_theme[:, PAIN], np.minimum(3 * p, 1.0), p)
    if s.member_pain:
        p = np.where(wrote_theme[:, LATE] & member, np.minimum(3 * p, 1.0), p)
    soon = rng.random(n) < p
    offset = np.where(writes, 10, 0)
    churn = np.where(
        soon,
        ref + offset + rng.integers(1, 91 - offset, n),
        ref + offset + 90 + np.minimum(rng.exponential(1100, n), 4000).astype(np.int64) + 1,
    )

    # exit feedback: extra customers who wrote after churning
    n_exit = int(0.05 * n) if s.exit_theme else 0
    exit_churn = rng.integers(30, END_DAY - 30, n_exit)

    # purchases
    joined = ref - np.where(new, rng.integers(0, 60, n), rng.integers(200, 1500, n))
    buyers, days, discount = _purchases(rng, s, kind, joined, churn, ref, wrote_theme)

    ids = [f"c{c}" for c in range(n + n_exit)]
    rating = rng.integers(1, 6, len(owner))
    low = np.isin(theme, [PAIN, LATE])
    rating[low] = rng.integers(1, 3, int(low.sum()))
    high = theme == LOYAL
    rating[high] = rng.integers(4, 6, int(high.sum()))
    feedback = [
        StoredFeedback(i, "...", str(i), "survey", str(i), "en", _day(d), ids[c])
        for i, (c, d) in enumerate(zip(owner.tolist(), created.tolist(), strict=True))
    ]
    labels = theme.tolist()
    sentiments: list[float | None] = ((rating - 3) / 2).tolist()
    for j, d in enumerate(exit_churn.tolist()):
        i = len(feedback)
        feedback.append(
            StoredFeedback(i, "...", str(i), "survey", str(i), "en", _day(d + j % 15), ids[n + j])
        )
        labels.append(EXIT)
        sentiments.append(-0.5)
    segment = rng.choice(["consumer", "business"], n + n_exit).tolist()
    value = rng.lognormal(6, 1, n + n_exit).tolist()
    member_all = np.concatenate([member, rng.random(n_exit) < 0.5]).tolist()
    joined_all = np.concatenate([joined, exit_churn - rng.integers(200, 1500, n_exit)]).tolist()
    churn_all = np.concatenate([churn, exit_churn]).tolist()
    customers = [
        Customer(
            ids[c], segment[c], member_all[c], _day(joined_all[c]), value[c], _day(churn_all[c])
        )
        for c in range(n + n_exit)
    ]
    with_discount = "discount" in Purchase.__dataclass_fields__  # older versions lack it
    purchases = [
        Purchase(ids[c], _day(d), 50.0, *([1.0 if off else 0.0] if with_discount else []))
        for c, d, off in zip(buyers.tolist(), days.tolist(), discount.tolist(), strict=True)
    ]
    return Planted(feedback, labels, sentiments, customers, purchases)


def _starts(counts: np.ndarray) -> np.ndarray:
    """Start of each non-empty run in a repeat(arange, counts) array."""
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return starts[counts > 0]


def _purchases(
    rng: np.random.Generator,
    s: Situation,
    kind: np.ndarray,
    joined: np.ndarray,
    churn: np.ndarray,
    ref: np.ndarray,
    wrote_theme: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(customer, day, on discount) of every purchase before churn and the data's end."""
    n = len(kind)
    begin = np.maximum(joined, -400)
    stop = np.minimum(churn, END_DAY)
    # random buyers: a Poisson process
    span = np.maximum(stop - begin, 0)
    counts = rng.poisson(span * BUY_RATE)
    buyer = np.repeat(np.arange(n), counts)
    day = begin[buyer] + (rng.random(len(buyer)) * span[buyer]).astype(np.int64)
    if s.loyalty:
        boosted = wrote_theme[:, LOYAL]
        in_window = boosted[buyer] & (day > ref[buyer]) & (day <= ref[buyer] + 90)
        buyer, day = buyer[~in_window], day[~in_window]
        extra = rng.poisson(90 * LOYAL_RATE, n) * boosted
        more = np.repeat(np.arange(n), extra)
        more_day = ref[more] + rng.integers(1, 91, len(more))
        buyer, day = np.concatenate([buyer, more]), np.concatenate([day, more_day])
    keep = kind[buyer] == 0
    buyer, day = buyer[keep], day[keep]
    # sale-week buyers: in most sale weeks, only then
    sale = np.flatnonzero(kind == 1)
    week = np.repeat(sale, len(SALE_WEEKS))
    week_day = np.tile(SALE_WEEKS, len(sale)) + rng.integers(0, 7, len(week))
    bought = rng.random(len(week)) < 0.9
    week, week_day = week[bought], week_day[bought]
    # regular buyers: every 25-31 days
    regular = np.flatnonzero(kind == 2)
    steps = (END_DAY + 400) // 25 + 1
    reg = np.repeat(regular, steps)
    step = np.tile(np.arange(steps), len(regular))
    reg_day = -400 + step * 28 + rng.integers(-3, 4, len(reg))
    buyer = np.concatenate([buyer, week, reg])
    day = np.concatenate([day, week_day, reg_day])
    alive = (day >= begin[buyer]) & (day < stop[buyer])
    buyer, day = buyer[alive], day[alive]
    in_sale = ((day[:, None] >= SALE_WEEKS) & (day[:, None] < SALE_WEEKS + 7)).any(axis=1)
    return buyer, day, in_sale
