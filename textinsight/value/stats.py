"""Two-proportion p-values (used by trends) and the multiple-testing correction.

Arrays of counts in (one entry per theme), arrays out, ``NaN`` where a group is empty.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import fisher_exact, norm
from statsmodels.stats.multitest import multipletests

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


def benjamini_hochberg(pvalues: ArrayLike) -> FloatArray:
    """Benjamini-Hochberg adjusted p-values (q-values); ``NaN`` entries stay ``NaN``.

    ``q_(i) = min over j >= i of (m * p_(j) / j)``, capped at 1, where ``p_(1) <= ...
    <= p_(m)`` are the ``m`` non-missing p-values (statsmodels' ``fdr_bh``). Calling
    ``q <= alpha`` significant keeps the expected share of false discoveries at or
    below ``alpha``.

    Example:
        >>> benjamini_hochberg([0.01, 0.04, 0.03, 0.005]).round(3).tolist()
        [0.02, 0.04, 0.04, 0.02]
    """
    p = np.atleast_1d(np.asarray(pvalues, dtype=np.float64))
    q = np.full(p.shape, np.nan)
    known = ~np.isnan(p)
    if known.any():
        q[known] = multipletests(p[known], method="fdr_bh")[1]
    return q
