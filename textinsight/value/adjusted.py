"""Stratified comparison of every theme with its reference group, vectorised over themes.

The counts of all themes' 2x2xK tables come from one ``bincount`` each; the pooled
Mantel-Haenszel risk ratio and the Cochran-Mantel-Haenszel test come from
:class:`statsmodels.stats.contingency_tables.StratifiedTable`, the raw ratio's
interval and test are the same computation over one stratum. The Greenland-Robins
variance of the log Mantel-Haenszel risk ratio, which statsmodels does not offer, is
written here once (``tests/value/test_value.py`` checks its coverage by simulation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm
from statsmodels.stats.contingency_tables import StratifiedTable
from statsmodels.stats.meta_analysis import combine_effects

from textinsight.value.arrays import BoolArray, FloatArray, IntArray


@dataclass
class Comparison:
    """Per-theme results (NaN where not computable).

    ``x1``/``n1``: events and customers in the theme, ``x0``/``n0`` in its reference;
    ``lift``/``low``/``high``/``p``: the stratified (Mantel-Haenszel) risk ratio, its
    interval on the log scale with the larger of the Greenland-Robins and the CMH
    test-based variance, and the p-value of that same interval (they agree: the
    interval excludes 1 exactly when ``p`` < 1 - confidence; ``p`` is the larger of
    the Wald and the CMH p-value); ``cmh_p``: the Cochran-Mantel-Haenszel test;
    ``matched``: share of the theme's customers in strata that also hold reference
    customers (only they inform the adjusted figures);
    ``raw_*``: the same for the unstratified table (all strata merged).
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
        raw: also compute the unstratified (raw) ratio, interval and p-value.
    """
    k = int(max(stratum.max(initial=-1), pool_stratum.max(initial=-1))) + 1
    size = n_themes * k
    a = np.bincount(theme * k + stratum, event, minlength=size).reshape(n_themes, k).astype(float)
    n1 = np.bincount(theme * k + stratum, minlength=size).reshape(n_themes, k).astype(float)
    c = np.tile(np.bincount(pool_stratum, pool_event, minlength=k).astype(float), (n_themes, 1))
    m = np.tile(np.bincount(pool_stratum, minlength=k).astype(float), (n_themes, 1))
    own = pool_of_pair >= 0
    if own.any():
        row = pool_of_pair[own]
        key = theme[own] * k + pool_stratum[row]
        c -= np.bincount(key, pool_event[row], minlength=size).reshape(n_themes, k)
        m -= np.bincount(key, minlength=size).reshape(n_themes, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = n1.sum(axis=1)
        matched = np.where(weight > 0, (n1 * ((n1 > 0) & (m > 0))).sum(axis=1) / weight, 0.0)
    lift, low, high, p, cmh_p, log_var = _pooled(a, n1, c, m, confidence)
    out = Comparison(
        x1=a.sum(axis=1),
        n1=n1.sum(axis=1),
        x0=c.sum(axis=1),
        n0=m.sum(axis=1),
        lift=lift,
        low=low,
        high=high,
        p=p,
        log_var=log_var,
        cmh_p=cmh_p,
        matched=matched,
        raw_lift=np.full(n_themes, np.nan),
        raw_low=np.full(n_themes, np.nan),
        raw_high=np.full(n_themes, np.nan),
        raw_p=np.full(n_themes, np.nan),
    )
    if raw:
        one = (a.sum(axis=1, keepdims=True), n1.sum(axis=1, keepdims=True))
        zero = (c.sum(axis=1, keepdims=True), m.sum(axis=1, keepdims=True))
        out.raw_lift, out.raw_low, out.raw_high, out.raw_p, _, _ = _pooled(*one, *zero, confidence)
    return out


def _pooled(
    a: FloatArray, n1: FloatArray, c: FloatArray, m: FloatArray, confidence: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Per theme (row) over its strata (columns): MH risk ratio, interval, p, CMH p, log var.

    The log-scale variance is the larger of the Greenland-Robins variance and the CMH
    test-based variance ``ln(RR)^2 / chi2_CMH``, so the interval excludes 1 exactly
    when both the Wald test and the CMH test reject (``p`` is the larger p-value), and
    it stays wide where the Wald variance collapses (every customer of a small group
    has the event, e.g. 90 % repurchase among 20 customers).
    """
    n_themes = len(a)
    informative = (n1 > 0) & (m > 0)
    total = np.where(informative, n1 + m, 1.0)
    r = np.where(informative, a * m / total, 0.0).sum(axis=1)
    s = np.where(informative, c * n1 / total, 0.0).sum(axis=1)
    gr = np.where(informative, (n1 * m * (a + c) - a * c * total) / total**2, 0.0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        gr_var = np.where((r > 0) & (s > 0), gr / (r * s), np.nan)
    lift, cmh_p, test_var = (np.full(n_themes, np.nan) for _ in range(3))
    for t in range(n_themes):
        cells = informative[t]
        if not cells.any():
            continue
        b, d = n1[t, cells] - a[t, cells], m[t, cells] - c[t, cells]
        table = np.array([[a[t, cells], b], [c[t, cells], d]])
        with np.errstate(divide="ignore", invalid="ignore"):
            stratified = StratifiedTable(table)
            lift[t] = stratified.riskratio_pooled
            cmh = stratified.test_null_odds()
            cmh_p[t] = cmh.pvalue
            test_var[t] = np.log(lift[t]) ** 2 / cmh.statistic
    log_var = np.where(np.isnan(gr_var), np.nan, np.fmax(gr_var, test_var))
    z = norm.ppf(0.5 + confidence / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(log_var)
        log_lift = np.log(lift)
        low, high = np.exp(log_lift - z * se), np.exp(log_lift + z * se)
        wald = 2.0 * norm.sf(np.abs(log_lift) / se)
    p = np.where(np.isnan(wald), cmh_p, wald)
    return lift, low, high, p, cmh_p, log_var


def heterogeneity(log_lift: FloatArray, log_var: FloatArray) -> float:
    """p-value of Cochran's Q test that the groups' log risk ratios are equal.

    NaN with fewer than two groups that have a finite estimate.
    """
    ok = np.isfinite(log_lift) & np.isfinite(log_var) & (log_var > 0)
    if ok.sum() < 2:
        return float("nan")
    result = combine_effects(log_lift[ok], log_var[ok])
    return float(result.test_homogeneity().pvalue)
