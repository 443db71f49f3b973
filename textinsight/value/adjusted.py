"""Stratified comparison of every theme with its reference group, vectorised over themes.

The counts of all themes' 2x2xK tables come from one ``bincount`` each; the pooled
Mantel-Haenszel risk ratio and the Cochran-Mantel-Haenszel test come from
:class:`statsmodels.stats.contingency_tables.StratifiedTable`, the raw ratio's score
interval and test from :mod:`statsmodels.stats.proportion`. The Greenland-Robins
variance of the log Mantel-Haenszel risk ratio, which statsmodels does not offer, is
written here once (``tests/test_value_adjusted.py`` checks its coverage by simulation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm
from statsmodels.stats.contingency_tables import StratifiedTable
from statsmodels.stats.meta_analysis import combine_effects
from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep

from textinsight.value.arrays import BoolArray, FloatArray, IntArray


@dataclass
class Comparison:
    """Per-theme results (NaN where not computable).

    ``x1``/``n1``: events and customers in the theme, ``x0``/``n0`` in its reference;
    ``lift``/``low``/``high``/``p``: the stratified (Mantel-Haenszel) risk ratio, its
    Greenland-Robins interval and the Wald p-value of that same interval (they agree:
    the interval excludes 1 exactly when ``p`` < 1 - confidence); ``cmh_p``: the
    Cochran-Mantel-Haenszel test; ``matched``: share of the theme's customers in
    strata that also hold reference customers (only they inform the adjusted figures);
    ``raw_*``: the unstratified ratio with its score interval and score test.
    """

    x1: FloatArray
    n1: FloatArray
    x0: FloatArray
    n0: FloatArray
    lift: FloatArray
    low: FloatArray
    high: FloatArray
    p: FloatArray
    log_var: FloatArray
    cmh_p: FloatArray
    matched: FloatArray
    raw_lift: FloatArray
    raw_low: FloatArray
    raw_high: FloatArray
    raw_p: FloatArray


def compare_strata(
    theme: IntArray,
    stratum: IntArray,
    event: BoolArray,
    pool_stratum: IntArray,
    pool_event: BoolArray,
    pool_of_pair: IntArray,
    n_themes: int,
    confidence: float,
    *,
    raw: bool = True,
) -> Comparison:
    """Compare each theme's customers with the reference pool, stratum by stratum.

    Args:
        theme, stratum, event: one row per counted (customer, theme) pair.
        pool_stratum, pool_event: one row per counted customer of the reference pool.
        pool_of_pair: for each pair, its customer's row in the pool (-1: not in it);
            a theme's own customers are taken out of its reference.
        n_themes: number of themes.
        confidence: level of the intervals.
        raw: also compute the unstratified ratio's score interval and test.
    """
    k = int(max(stratum.max(initial=-1), pool_stratum.max(initial=-1))) + 1
    size = n_themes * k
    a = np.bincount(theme * k + stratum, event, minlength=size).reshape(n_themes, k)
    n1 = np.bincount(theme * k + stratum, minlength=size).reshape(n_themes, k).astype(float)
    c = np.tile(np.bincount(pool_stratum, pool_event, minlength=k), (n_themes, 1))
    m = np.tile(np.bincount(pool_stratum, minlength=k).astype(float), (n_themes, 1))
    own = pool_of_pair >= 0
    if own.any():
        row = pool_of_pair[own]
        key = theme[own] * k + pool_stratum[row]
        c -= np.bincount(key, pool_event[row], minlength=size).reshape(n_themes, k)
        m -= np.bincount(key, minlength=size).reshape(n_themes, k)
    informative = (n1 > 0) & (m > 0)
    total = np.where(informative, n1 + m, 1.0)
    r = np.where(informative, a * m / total, 0.0).sum(axis=1)
    s = np.where(informative, c * n1 / total, 0.0).sum(axis=1)
    gr = np.where(informative, (n1 * m * (a + c) - a * c * total) / total**2, 0.0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_var = np.where((r > 0) & (s > 0), gr / (r * s), np.nan)
        matched = np.where(n1.sum(axis=1) > 0, (n1 * informative).sum(axis=1) / n1.sum(axis=1), 0)

    out = Comparison(
        x1=a.sum(axis=1),
        n1=n1.sum(axis=1),
        x0=c.sum(axis=1),
        n0=m.sum(axis=1),
        log_var=log_var,
        matched=matched,
        **{f: np.full(n_themes, np.nan) for f in _LIBRARY_FIELDS},
    )
    z = norm.ppf(0.5 + confidence / 2.0)
    for t in range(n_themes):
        cells = informative[t]
        if cells.any():
            table = np.array(
                [
                    [a[t, cells], n1[t, cells] - a[t, cells]],
                    [c[t, cells], m[t, cells] - c[t, cells]],
                ]
            )
            stratified = StratifiedTable(table)
            with np.errstate(divide="ignore", invalid="ignore"):
                out.lift[t] = stratified.riskratio_pooled
                out.cmh_p[t] = stratified.test_null_odds().pvalue
        if raw:
            _raw(out, t, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(log_var)
        log_lift = np.log(out.lift)
        out.low[:] = np.exp(log_lift - z * se)
        out.high[:] = np.exp(log_lift + z * se)
        wald = 2.0 * norm.sf(np.abs(log_lift) / se)
    out.p[:] = np.where(np.isnan(wald), out.cmh_p, wald)
    return out


_LIBRARY_FIELDS = ("lift", "low", "high", "p", "cmh_p", "raw_lift", "raw_low", "raw_high", "raw_p")


def _raw(out: Comparison, t: int, confidence: float) -> None:
    """Unstratified ratio with the score interval and score test (they agree)."""
    x1, n1, x0, n0 = out.x1[t], out.n1[t], out.x0[t], out.n0[t]
    if n1 == 0 or n0 == 0 or x0 == 0:
        return
    out.raw_lift[t] = (x1 / n1) / (x0 / n0)
    with np.errstate(divide="ignore", invalid="ignore"):
        low, high = confint_proportions_2indep(
            x1, n1, x0, n0, method="score", compare="ratio", alpha=1.0 - confidence
        )
        test = test_proportions_2indep(x1, n1, x0, n0, method="score", compare="ratio")
    out.raw_low[t], out.raw_high[t], out.raw_p[t] = max(low, 0.0), high, test.pvalue


def heterogeneity(log_lift: FloatArray, log_var: FloatArray) -> float:
    """p-value of Cochran's Q test that the groups' log risk ratios are equal.

    NaN with fewer than two groups that have a finite estimate.
    """
    ok = np.isfinite(log_lift) & np.isfinite(log_var) & (log_var > 0)
    if ok.sum() < 2:
        return float("nan")
    result = combine_effects(log_lift[ok], log_var[ok])
    return float(result.test_homogeneity().pvalue)
