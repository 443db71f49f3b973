"""Difference-in-differences over unit arrays: the estimator behind the action ledger.

Two small functions, both ordinary least squares (statsmodels) with standard errors
that are robust to clustering (``cov_type="cluster"``, one cluster per customer):

- :func:`diff_in_diff`: ``y ~ 1 + treated + post + treated:post``; the coefficient of
  ``treated:post`` is the change in the treated group's mean of ``y`` minus the change in
  the comparison group's. Without a comparison group (``treated=None``) the model is
  ``y ~ 1 + post`` and the estimate is the plain change (used for a share that is already
  relative to all feedback).
- :func:`pretrend`: on the units before the action only, placebo dates split the
  period into bins; ``y ~ treated * bin`` and a joint cluster-robust Wald test that the
  treated-by-bin terms are all zero, i.e. that the two groups moved in parallel before
  the action. A small p-value means the comparison is not credible. It also estimates
  the **drift variance** that the interval of :func:`diff_in_diff` adds.

**Placebo-calibrated interval.** The customer-clustered standard error counts only
sampling noise. But one treated group (one theme, or one scope) against one
comparison can also drift apart for reasons that have nothing to do with the action
and that do not shrink with more customers (group-by-period shocks: Donald & Lang
2007, Conley & Taber 2011). The before period shows how much: at each placebo date
the same contrast (the treated-vs-comparison gap in one bin minus the gap in the bin
before) is a difference in differences where nothing happened, ``d_k`` with sampling
variance ``s_k^2``. The method of moments (as in DerSimonian-Laird, with the mean
known to be 0) gives the drift variance ``tau^2 = max(0, mean_k(d_k^2 - s_k^2))``,
and the interval is ``estimate +- z sqrt(se^2 + tau^2)`` (the p-value likewise).
Where the placebo dates show no more movement than sampling explains, ``tau^2 = 0``
and the interval is the cluster-robust one. Measured on planted data with no drift
(``tests/value/test_actions.py``, 1,000 seeds): the cluster-robust interval covers 0
in 95.0 % (calibrated), the placebo-calibrated one in 96.3 %, 26 % wider on average.

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
from scipy import stats

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
    """The difference in differences with its interval and p-value.

    ``se`` is the cluster-robust standard error, ``drift_sd`` the square root of the
    drift variance added to it (0 without one).
    """

    estimate: float
    ci: tuple[float, float]
    p: float
    se: float = 0.0
    drift_sd: float = 0.0


@dataclass(frozen=True)
class PreTrend:
    """The pre-trend check: the joint p-value (None when it could not be run) and the
    drift variance its placebo dates show beyond sampling noise (0 when none)."""

    p: float | None
    drift_variance: float = 0.0


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
    drift_variance: float = 0.0,
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
        drift_variance: added to the sampling variance (:attr:`PreTrend.drift_variance`).

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
    estimate = float(fit.params[k])
    se = float(np.sqrt(fit.cov_params()[k, k]))
    drift = max(float(drift_variance), 0.0)
    total = float(np.sqrt(se * se + drift))
    if total > 0 and np.isfinite(total):
        half = float(stats.norm.ppf(0.5 + confidence / 2.0)) * total
        p = float(2.0 * stats.norm.sf(abs(estimate) / total))
    else:  # no variation left: a point interval
        half, p = 0.0, float(fit.pvalues[k]) if np.isfinite(fit.pvalues[k]) else 1.0
    return DidResult(estimate, (estimate - half, estimate + half), p, se, float(np.sqrt(drift)))


def pretrend(
    y: FloatArray,
    bin_index: IntArray,
    treated: BoolArray | None,
    cluster: IntArray,
    *,
    strata: IntArray | None = None,
) -> PreTrend:
    """The joint test that the treated group moved like the comparison across the bins
    before the action (without a comparison: that ``y`` stayed level), and the drift
    variance of the placebo contrasts (see the module docstring).

    ``bin_index`` numbers the bins between placebo dates, 0 the oldest. The p-value is
    None (and the drift 0) when fewer than two bins have units in every group.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> y = rng.normal(size=400)
        >>> bins = np.repeat([0, 1], 200)
        >>> treated = np.tile([True, False], 200)
        >>> check = pretrend(y, bins, treated, np.arange(400))
        >>> 0 <= check.p <= 1 and check.drift_variance >= 0
        True
    """
    bins = np.unique(bin_index)
    if len(bins) < 2:
        return PreTrend(None)
    dummies = [(bin_index == b).astype(np.float64) for b in bins[1:]]
    columns = [np.ones(len(y)), *dummies]
    if treated is not None:
        t = treated.astype(np.float64)
        for b in bins:
            in_bin = bin_index == b
            if not (treated[in_bin].any() and (~treated[in_bin]).any()):
                return PreTrend(None)
        columns += _group_effects(t, strata) + [t * d for d in dummies]
    design = np.column_stack(columns)
    fit = sm.OLS(y, design).fit(cov_type="cluster", cov_kwds={"groups": _codes(cluster)})
    tested = len(dummies)
    restriction = np.zeros((tested, design.shape[1]))
    restriction[:, design.shape[1] - tested :] = np.eye(tested)
    cov = np.asarray(fit.cov_params())
    if not np.all(np.isfinite(cov)):
        return PreTrend(None)
    test = fit.wald_test(restriction, scalar=True, use_f=False)
    p = float(test.pvalue)
    if not np.isfinite(p):
        return PreTrend(None)
    return PreTrend(p, _drift_variance(fit.params[-tested:], cov[-tested:, -tested:]))


def _drift_variance(gaps: FloatArray, cov: FloatArray) -> float:
    """``max(0, mean(d_k^2 - Var d_k))`` over the placebo contrasts ``d_k``: each bin's
    gap (relative to bin 0) minus the bin before's; ``cov`` is the gaps' covariance."""
    n = len(gaps)
    step = np.eye(n) - np.eye(n, k=-1)  # d = step @ gaps (the gap of bin 0 is 0)
    d = step @ np.asarray(gaps, dtype=np.float64)
    var = np.diag(step @ cov @ step.T)
    return max(float(np.mean(d * d - var)), 0.0)


def _group_effects(treated: FloatArray, strata: IntArray | None) -> list[FloatArray]:
    """The ``treated`` main effect, or a dummy per stratum but the first."""
    if strata is None:
        return [treated]
    codes = _codes(strata)
    return [(codes == k).astype(np.float64) for k in range(1, int(codes.max()) + 1)]


def _codes(cluster: IntArray) -> IntArray:
    """Dense 0..k-1 codes (statsmodels wants them small and non-negative)."""
    return np.unique(cluster, return_inverse=True)[1].astype(np.int64)
