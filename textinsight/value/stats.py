"""Two-group comparisons of proportions, vectorised over themes.

Every function takes arrays of counts (one entry per theme) and returns arrays, with
``NaN`` where a group is empty. Group 1 is the theme's customers, group 0 the
baseline; ``x`` counts events (churned, repurchased) out of ``n`` customers.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import fisher_exact, norm

FloatArray = NDArray[np.float64]

FISHER_BELOW = 5.0
"""Fisher's exact test replaces the z test when an expected cell count is below this."""


def _counts(*arrays: ArrayLike) -> tuple[FloatArray, ...]:
    return tuple(np.atleast_1d(np.asarray(a, dtype=np.float64)) for a in arrays)


def two_proportion_pvalue(x1: ArrayLike, n1: ArrayLike, x0: ArrayLike, n0: ArrayLike) -> FloatArray:
    """Two-sided p-value of "both groups have the same event rate".

    The pooled two-proportion z test, or Fisher's exact test on the 2x2 table when
    the smallest expected cell count is below :data:`FISHER_BELOW` (where the normal
    approximation is poor). ``NaN`` where either group is empty.

    Example:
        >>> round(float(two_proportion_pvalue(30, 100, 10, 100)[0]), 5)
        0.00041
    """
    x1, n1, x0, n0 = _counts(x1, n1, x0, n0)
    p = np.full(x1.shape, np.nan)
    ok = (n1 > 0) & (n0 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (x1 + x0) / (n1 + n0)
        se = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n0))
        z = (x1 / n1 - x0 / n0) / se
        p_z = np.where(se > 0, 2.0 * norm.sf(np.abs(z)), 1.0)
        expected = np.minimum(np.minimum(n1, n0) * pooled, np.minimum(n1, n0) * (1.0 - pooled))
    p[ok] = p_z[ok]
    for i in np.flatnonzero(ok & (expected < FISHER_BELOW)):
        table = [[x1[i], n1[i] - x1[i]], [x0[i], n0[i] - x0[i]]]
        p[i] = fisher_exact(np.asarray(table, dtype=np.int64)).pvalue
    return p


def risk_ratio_ci(
    x1: ArrayLike, n1: ArrayLike, x0: ArrayLike, n0: ArrayLike, *, confidence: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Katz log interval for the risk ratio ``(x1/n1) / (x0/n0)``.

    ``exp(ln RR +- z * sqrt(1/x1 - 1/n1 + 1/x0 - 1/n0))``; when either event count is
    zero, 0.5 is added to every cell of the 2x2 table (Haldane-Anscombe) so the
    interval stays finite. Returns ``(low, high)``, ``NaN`` where a group is empty.

    Example:
        >>> low, high = risk_ratio_ci(30, 100, 10, 100)
        >>> round(float(low[0]), 2), round(float(high[0]), 2)
        (1.55, 5.8)
    """
    x1, n1, x0, n0 = _counts(x1, n1, x0, n0)
    z = norm.ppf(0.5 + confidence / 2.0)
    zero = (x1 == 0) | (x0 == 0)
    a, na = np.where(zero, x1 + 0.5, x1), np.where(zero, n1 + 1.0, n1)
    c, nc = np.where(zero, x0 + 0.5, x0), np.where(zero, n0 + 1.0, n0)
    ok = (n1 > 0) & (n0 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_rr = np.log(a / na) - np.log(c / nc)
        se = np.sqrt(1.0 / a - 1.0 / na + 1.0 / c - 1.0 / nc)
        low = np.where(ok, np.exp(log_rr - z * se), np.nan)
        high = np.where(ok, np.exp(log_rr + z * se), np.nan)
    return low, high


def benjamini_hochberg(pvalues: ArrayLike) -> FloatArray:
    """Benjamini-Hochberg adjusted p-values (q-values); ``NaN`` entries stay ``NaN``.

    ``q_(i) = min over j >= i of (m * p_(j) / j)``, capped at 1, where ``p_(1) <= ...
    <= p_(m)`` are the ``m`` non-missing p-values. Calling ``q <= alpha`` significant
    keeps the expected share of false discoveries at or below ``alpha``.

    Example:
        >>> benjamini_hochberg([0.01, 0.04, 0.03, 0.005]).round(3).tolist()
        [0.02, 0.04, 0.04, 0.02]
    """
    p = np.atleast_1d(np.asarray(pvalues, dtype=np.float64))
    q = np.full(p.shape, np.nan)
    known = np.flatnonzero(~np.isnan(p))
    m = len(known)
    if m == 0:
        return q
    order = known[np.argsort(p[known], kind="stable")]
    scaled = p[order] * m / np.arange(1, m + 1)
    q[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return q
