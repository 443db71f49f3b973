"""Difference-in-differences over unit arrays: the estimator behind the action ledger.

Two small functions, both ordinary least squares (statsmodels) with standard errors
that are robust to clustering (``cov_type="cluster"``, one cluster per customer):

- :func:`diff_in_diff`: ``y ~ 1 + treated + post + treated:post``; the coefficient of
  ``treated:post`` is the change in the treated group's mean of ``y`` minus the change in
  the comparison group's. Without a comparison group (``treated=None``) the model is
  ``y ~ 1 + post`` and the estimate is the plain change (used for a share that is already
  relative to all feedback).
- :func:`pretrend_p`: on the units before the action only, placebo dates split the
  period into bins; ``y ~ treated * bin`` and a joint cluster-robust Wald test that the
  treated-by-bin terms are all zero, i.e. that the two groups moved in parallel before
  the action. A small p-value means the comparison is not credible.

With a binary ``y`` this is the linear probability model, whose interaction is the
difference in differences of the rates themselves (a logit interaction would not be).

``strata`` (optional, one code per unit, e.g. the comparison unit's theme) adds a fixed
effect per stratum in place of the ``treated`` main effect: the comparison's change is
then the change *within* each stratum, so a comparison pool whose mix shifts between
before and after (one theme surging) does not pass the shift off as a change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm

from textinsight.value.arrays import BoolArray, FloatArray, IntArray


@dataclass(frozen=True)
class Cells:
    """Means and unit counts of the four cells (comparison cells are None without one)."""

    treated_before: float | None
    treated_after: float | None
    comparison_before: float | None
    comparison_after: float | None
    n_treated_before: int
    n_treated_after: int
    n_comparison_before: int
    n_comparison_after: int

    @property
    def smallest(self) -> int:
        """The smallest cell (comparison cells count only when there is a comparison)."""
        sizes = [self.n_treated_before, self.n_treated_after]
        if self.comparison_before is not None or self.n_comparison_before:
            sizes += [self.n_comparison_before, self.n_comparison_after]
        return min(sizes)


@dataclass(frozen=True)
class DidResult:
    """The difference in differences with its interval and p-value."""

    estimate: float
    ci: tuple[float, float]
    p: float


def cells(y: FloatArray, post: BoolArray, treated: BoolArray | None) -> Cells:
    """Means and counts of ``y`` in the (treated, post) cells."""
    group = np.ones(len(y), dtype=np.bool_) if treated is None else treated

    def mean(mask: BoolArray) -> float | None:
        return float(y[mask].mean()) if mask.any() else None

    tb, ta = group & ~post, group & post
    cb, ca = ~group & ~post, ~group & post
    has_comparison = treated is not None
    return Cells(
        mean(tb),
        mean(ta),
        mean(cb) if has_comparison else None,
        mean(ca) if has_comparison else None,
        int(tb.sum()),
        int(ta.sum()),
        int(cb.sum()),
        int(ca.sum()),
    )


def diff_in_diff(
    y: FloatArray,
    post: BoolArray,
    treated: BoolArray | None,
    cluster: IntArray,
    *,
    confidence: float = 0.95,
    strata: IntArray | None = None,
) -> DidResult:
    """The difference in differences of ``y`` (or the change, without ``treated``).

    Args:
        y: outcome per unit (0/1 for rates).
        post: the unit is after the action.
        treated: the unit is in the treated group; None: one group only.
        cluster: cluster id per unit (the customer); units of one cluster are not
            assumed independent.
        confidence: level of the interval.
        strata: a fixed effect per code (treated units must have codes of their own).

    Example:
        >>> y = np.array([0.0, 1, 0, 1, 1, 1, 0, 0])
        >>> post = np.array([0, 0, 1, 1, 0, 0, 1, 1], dtype=bool)
        >>> treated = np.array([1, 1, 1, 1, 0, 0, 0, 0], dtype=bool)
        >>> round(diff_in_diff(y, post, treated, np.arange(8)).estimate, 2)
        1.0
    """
    columns = [np.ones(len(y)), post.astype(np.float64)]
    if treated is not None:
        t = treated.astype(np.float64)
        columns += _group_effects(t, strata) + [t * columns[1]]
    fit = sm.OLS(y, np.column_stack(columns)).fit(
        cov_type="cluster", cov_kwds={"groups": _codes(cluster)}
    )
    k = len(columns) - 1
    low, high = fit.conf_int(alpha=1.0 - confidence)[k]
    return DidResult(float(fit.params[k]), (float(low), float(high)), float(fit.pvalues[k]))


def pretrend_p(
    y: FloatArray,
    bin_index: IntArray,
    treated: BoolArray | None,
    cluster: IntArray,
    *,
    strata: IntArray | None = None,
) -> float | None:
    """p-value of the joint test that the treated group moved like the comparison
    across the bins before the action (without a comparison: that ``y`` stayed level).

    ``bin_index`` numbers the bins between placebo dates, 0 the oldest. None when
    fewer than two bins have units in every group.
    """
    bins = np.unique(bin_index)
    if len(bins) < 2:
        return None
    dummies = [(bin_index == b).astype(np.float64) for b in bins[1:]]
    columns = [np.ones(len(y)), *dummies]
    if treated is not None:
        t = treated.astype(np.float64)
        for b in bins:
            in_bin = bin_index == b
            if not (treated[in_bin].any() and (~treated[in_bin]).any()):
                return None
        columns += _group_effects(t, strata) + [t * d for d in dummies]
    design = np.column_stack(columns)
    fit = sm.OLS(y, design).fit(cov_type="cluster", cov_kwds={"groups": _codes(cluster)})
    tested = len(dummies)
    restriction = np.zeros((tested, design.shape[1]))
    restriction[:, design.shape[1] - tested :] = np.eye(tested)
    if not np.all(np.isfinite(fit.cov_params())):
        return None
    test = fit.wald_test(restriction, scalar=True, use_f=False)
    p = float(test.pvalue)
    return p if np.isfinite(p) else None


def _group_effects(treated: FloatArray, strata: IntArray | None) -> list[FloatArray]:
    """The ``treated`` main effect, or a dummy per stratum but the first."""
    if strata is None:
        return [treated]
    codes = _codes(strata)
    return [(codes == k).astype(np.float64) for k in range(1, int(codes.max()) + 1)]


def _codes(cluster: IntArray) -> IntArray:
    """Dense 0..k-1 codes (statsmodels wants them small and non-negative)."""
    return np.unique(cluster, return_inverse=True)[1].astype(np.int64)
