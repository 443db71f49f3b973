"""Link themes to customer value: outcomes, significance, impact, lifecycle, loyalty.

:func:`compute_theme_values` takes the run's feedback, its theme labels and
sentiments, the customers and the purchases, and returns one
:class:`~textinsight.records.ThemeValue` per theme. It is pure: no store, no I/O.

Statistical design
------------------
**Unit: the customer, one vote each.** A customer who wrote about a theme in a ticket,
a survey and a social post counts once for every customer-level metric. A theme's
customers are the known customers (``customer_id`` in the customers table) with at
least one item in the theme. ``customers`` counts distinct ``customer_id`` values on
the theme's feedback; ``known_customer_share`` is the share of the theme's items whose
customer is in the table. ``sentiment`` is the mean of the theme's item sentiments;
``nps_mean`` / ``rating_mean`` give one vote per customer (their mean over their items
in the theme), ``nps_baseline`` / ``rating_baseline`` the same over everyone outside it.

**Dates and ``as_of``.** Whole days. ``as_of`` (default: the latest feedback or
purchase date) is never later than the data's own latest feedback or purchase date,
so a churn date in the future (a contract end date) is ignored until it happens.

**Reference day and exit feedback.** A customer's reference day for theme *T* is
their first item in *T* written *before* their churn date. Feedback written on or
after the churn date is **exit feedback**: it is never a cause. ``exit_customers`` /
``exit_share`` count the theme's customers who wrote it only after churning; a theme
with ``exit_share >= exit_share`` (config, 0.5) gets the kind ``exit``.

**Forward outcomes over equal follow-up.** Window *W* = ``repurchase_window_days``
(90). A customer counts for an outcome only if they were active on their reference
day (not yet churned) and the whole window lies before ``as_of``. Churned: churn date
in ``(ref, ref + W]``; repurchased: a purchase in ``(ref, ref + W]``. Churn is also
reported over each of ``report_windows`` (30/60/90 days) in ``churn_windows``.

**Reference group.** ``reference = "unthemed"`` (default): customers with no item in
any theme, i.e. customers who never wrote plus writers whose feedback is all
unassigned; a writer's reference day is their first item (before churn), a
never-writer's is the median of the writers' first-item days (one landmark day). It
does not move with the themes: a strong pain theme cannot make the others look good,
and it never holds exit writers. Also offered: ``unassigned`` (writers of unassigned
feedback only), ``outside`` (writers with no item in *T*, the former baseline),
``never`` (never-writers only) and ``auto`` (``unassigned`` when they are at least
5 % of the writers, else ``outside``). ``scripts/bench_value.py --references``
measures them on planted data: ``outside`` turns one dominant pain theme into false
loyalty drivers in 40 of 40 data sets (every other theme's reference holds its
churners) and its interval covers a true lift of 3 in 7 of 40; ``unthemed`` passes
every planted situation. Where churn follows contact itself (customers leave soon
after writing, whatever they write), never-writers make every theme look worse; the
number-of-items stratum (0-1 items together) limits but does not remove this, and
``unassigned`` is then the better choice when the clustering leaves enough writers
unassigned.

**Strata.** Each theme customer (on their reference day) and each reference customer
(on theirs) is coded by: tenure band from ``joined_at`` (<90 days, <1 year, <2 years,
longer, unknown), ``segment``, membership (member, non-member, unknown), purchase
recency (days since the last purchase: <=30, <=90, <=365, longer, never) and frequency
(purchases in the year before: 0, 1-2, 3-5, 6-11, 12+), and number of feedback items
in the period (0-1, 2, 3, 4+). Covariates that do not vary (not given, or no
purchases) are left out, and while the strata leave clearly fewer theme customers
with reference customers beside them (less than ``min_matched`` = 0.8 of the share
that tenure and number of items alone leave), segment, membership, frequency and
recency are dropped in that order; ``adjusted_for`` lists those used. Missing values
are a category of their own.

**Adjusted comparison: Mantel-Haenszel risk ratio.** Per theme and outcome, over the
strata *k* with customers on both sides (``*_matched_share`` of the theme's customers
are in them), with ``a_k`` events among ``n1_k`` theme customers, ``c_k`` among ``n0_k``
reference customers, ``N_k = n1_k + n0_k``::

    RR_MH = sum(a_k n0_k / N_k) / sum(c_k n1_k / N_k)              (statsmodels)
    Var_GR(ln RR_MH) = sum((n1_k n0_k (a_k + c_k) - a_k c_k N_k) / N_k^2)
                       / (sum(a_k n0_k / N_k) * sum(c_k n1_k / N_k))  (Greenland-Robins)
    chi2_CMH = (sum(a_k - n1_k (a_k + c_k) / N_k))^2 / sum(n1_k n0_k m1_k m0_k
               / (N_k^2 (N_k - 1)))                                 (statsmodels)
    V = max(Var_GR, ln(RR_MH)^2 / chi2_CMH)
    CI = exp(ln RR_MH +- 1.96 sqrt(V));  p = 2 (1 - Phi(|ln RR_MH| / sqrt(V)))

(``m1_k``, ``m0_k``: events and non-events in stratum *k*.) Taking the larger of the
Greenland-Robins and the CMH test-based variance makes interval and test agree
exactly (the interval excludes 1 iff ``p < 0.05``; ``p`` is the larger of the Wald and
the CMH p-value, ``*_cmh_p`` holds the latter) and keeps the interval wide where the
Wald variance collapses (20 customers who all repurchase: Katz covered 86 %, this
covers 99 %). ``churn_lift``, ``churn_lift_ci``, ``churn_p`` (and the repurchase ones)
are these adjusted figures; ``churn_rate`` is the theme's rate, ``churn_baseline`` the
reference rate made comparable (``rate / RR_MH``), ``churn_diff`` their difference.
``*_raw`` (``churn_lift_raw``, ``churn_lift_raw_ci``, ``churn_p_raw``,
``churn_baseline_raw``) are the same computation over one stratum (unadjusted).
Group sizes on both sides: ``*_n``, ``*_events``, ``*_reference_n``,
``*_reference_events``. Every figure is an association, adjusted for the covariates
listed, not proof of cause.

**Multiple themes: Benjamini-Hochberg** (statsmodels ``fdr_bh``) over the adjusted
churn and repurchase p-values of all themes that pass the minimum-n guard (at least
``min_customers`` = 20 matched theme customers and reference customers); ``*_q``. A
test is significant when ``q <= alpha`` (0.05).

**Kind.** ``worse``: a significant churn lift > 1 or repurchase lift < 1; ``better``
the reverse. ``exit`` first (see above); then ``pain_point``: worse, not better, and
sentiment not positive; ``loyalty_driver``: better, not worse, sentiment not
negative; ``contradiction``: significant with sentiment the other way (customers who
say nice things and leave, or complain and stay); else ``neutral``. Unknown sentiment:
the outcomes decide.

**Money in one unit** (the customers' currency). ``revenue_at_risk`` = excess churners'
money: ``(1 - 1/RR_MH) x S``, where ``S`` is the spend of the theme's churners in the
``spend_days`` (365) before their reference day (purchase ``amount``; their customer
``value`` when they have no purchase amounts); ``revenue_at_risk_ci`` from the RR
interval. ``repurchase_value_at_risk`` = lost repurchases x mean order amount:
``x1 (1/RR_MH - 1) x mean amount`` (``x1``: the theme's repurchasers), with its
interval. Negative money is money the theme's customers bring in over the reference.
``impact`` = the larger distance of the two intervals from 0 (0 when both cover 0;
None below the minimum n): the money we are 95 % sure moves with the theme, so ranking
by it ranks by the lower bound. Themes overlap (a customer writes about several), so
these amounts are never added up across themes.

**Breakdowns.** ``breakdowns`` holds, per dimension (``membership``, ``segment``,
``value_tier``: top decile / next 40 % / bottom half / unknown, ``lifecycle`` phase and
``loyalty`` quadrant on the reference day), for each group: the adjusted churn lift with
its interval and p, n and events on both sides, the theme's share in the group beside
the reference's share (the reference mix), and ``heterogeneity_p``: Cochran's Q test
(statsmodels ``combine_effects``) that the group lifts are equal. Breakdowns are not
corrected for multiple testing: read them for the themes that matter.

**Value.** ``value_total`` / ``value_median`` over the theme's customers with a known
``value``; ``top_decile_share``: share of them at or above the 90th percentile.

**Lifecycle phase** of each customer on the reference day, from their purchases up to
it, first rule that applies: ``none``; ``activation`` (first purchase at most 60 days
before); ``inactivity`` (last purchase older than ``max(2 x usual interval, 30 days)``,
the usual interval the median of their last 12 gaps); ``reactivation`` (a purchase in
the last 90 days after a gap longer than that); else ``activity``.

**Loyalty** on the reference day. Behavioural: at least 4 purchases in the 365 days up
to it, gaps (the open one to the reference day included) with a coefficient of
variation at most 0.5 (a Poisson buyer has about 1), still buying (phase
``activity``: lapsed customers are not loyal), and not a discount hunter. Discount
hunter: at least 80 % of their purchases in those 365 days on discount (optional
purchase column ``discount``: true/false or an amount > 0). Attitudinal: mean NPS >= 9
when they answered NPS *before* the reference day, else mean sentiment >= 0.5 of what
they wrote before it (never the theme's own item; nothing said before: not
attitudinally loyal). ``loyalty`` gives the theme's shares ``behavioural``,
``attitudinal``, ``both``, ``neither`` and ``discount_hunter``; ``loyalty_churn`` the
churn per quadrant (``truly_loyal``, ``behavioural_only``, ``attitudinal_only``,
``neither``, ``discount_hunter``) against the reference in the same quadrant: does this
theme drive out our truly loyal customers?

**Missing data.** No customers: every customer-level field is ``None``. No purchases:
repurchase, phases, loyalty and the purchase strata are ``None`` / left out. A group
with nobody in it gives ``None``, not 0.

**Not here.** Time to churn (Kaplan-Meier per theme, stratified Cox) would use the
whole follow-up instead of a fixed window; the fixed window keeps every theme on
equal follow-up and the verdicts simple, so it is left for later.
"""

from __future__ import annotations

from textinsight.records import ThemeValue
from textinsight.value.adjusted import Comparison, compare_strata, heterogeneity
from textinsight.value.arrays import parse_days
from textinsight.value.compute import compute_theme_values
from textinsight.value.config import ValueConfig
from textinsight.value.lifecycle import PHASES, PurchaseHistory
from textinsight.value.loyalty import QUADRANTS
from textinsight.value.stats import benjamini_hochberg, two_proportion_pvalue
from textinsight.value.summary import value_lines
from textinsight.value.verdict import LOYALTY

__all__ = [
    "LOYALTY",
    "PHASES",
    "QUADRANTS",
    "Comparison",
    "PurchaseHistory",
    "ThemeValue",
    "ValueConfig",
    "benjamini_hochberg",
    "compare_strata",
    "compute_theme_values",
    "heterogeneity",
    "parse_days",
    "two_proportion_pvalue",
    "value_lines",
]
