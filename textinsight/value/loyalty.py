"""Loyalty on a given day: regular buying still going on, discount hunting, attitude.

Behavioural loyalty comes from :meth:`PurchaseHistory.behavioural`; attitude from the
NPS answers (else the sentiment) a customer gave *before* the day in question, so a
theme's own feedback never decides whether its writers count as loyal.
"""

from __future__ import annotations

import numpy as np

from textinsight.value.arrays import NO_DAY, BoolArray, FloatArray, IntArray
from textinsight.value.config import ValueConfig
from textinsight.value.lifecycle import PurchaseHistory

QUADRANTS = ("truly_loyal", "behavioural_only", "attitudinal_only", "neither", "discount_hunter")
"""Loyalty quadrants: regular buying and a good attitude, one of them, neither; and
discount hunters (mostly discounted purchases), who are never behaviourally loyal."""


def quadrants(
    day: IntArray,
    nps: FloatArray,
    sentiment: FloatArray,
    customer: IntArray,
    history: PurchaseHistory,
    c: IntArray,
    ref: IntArray,
    config: ValueConfig,
) -> IntArray:
    """Index into :data:`QUADRANTS` of each (customer ``c``, day ``ref``) row.

    ``day``, ``nps``, ``sentiment`` and ``customer`` describe the feedback items (the
    customer index is -1 for unknown customers).
    """
    hunter = history.discount_share(c, ref, config.loyalty_days) >= config.discount_hunter_share
    behaves = history.behavioural(c, ref, config) & ~hunter
    feels = _attitude_before(day, nps, sentiment, customer, c, ref, config)
    quadrant = np.where(behaves, np.where(feels, 0, 1), np.where(feels, 2, 3))
    return np.where(hunter, 4, quadrant).astype(np.int64)


def _attitude_before(
    day: IntArray,
    nps_values: FloatArray,
    sentiment_values: FloatArray,
    customer: IntArray,
    c: IntArray,
    ref: IntArray,
    config: ValueConfig,
) -> BoolArray:
    """Attitudinally loyal from the customer's items written before ``ref``.

    Mean NPS answer >= ``promoter_nps`` when they answered NPS before, else mean
    sentiment >= ``attitudinal_sentiment``; False when nothing was said before.
    """
    wrote = np.flatnonzero(customer >= 0)
    order = wrote[np.lexsort((day[wrote], customer[wrote]))]
    key = customer[order] * (NO_DAY + 1) + day[order]
    at = np.searchsorted(key, c * (NO_DAY + 1) + ref, side="left")
    start = np.searchsorted(key, c * (NO_DAY + 1), side="left")

    def prior_mean(values: FloatArray) -> FloatArray:
        v = values[order]
        known = ~np.isnan(v)
        total = np.concatenate([[0.0], np.cumsum(np.where(known, v, 0.0))])
        count = np.concatenate([[0], np.cumsum(known)])
        n = count[at] - count[start]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(n > 0, (total[at] - total[start]) / n, np.nan)

    nps = prior_mean(nps_values)
    sentiment = prior_mean(sentiment_values)
    by_sentiment = np.nan_to_num(sentiment, nan=-np.inf) >= config.attitudinal_sentiment
    return np.where(np.isnan(nps), by_sentiment, nps >= config.promoter_nps)
