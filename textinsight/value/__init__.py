"""Link themes to customer value: outcomes, significance, impact, lifecycle, loyalty.

:func:`compute_theme_values` takes the run's feedback, its theme labels and
sentiments, the customers and the purchases, and returns one
:class:`~textinsight.records.ThemeValue` per theme. It is pure: no store, no I/O.

Statistical design
------------------
**Unit: the customer, one vote each.** A customer who wrote about a theme in a ticket,
a survey and a social post counts once for every customer-level metric (value,
churn, repurchase, revenue at risk, phases, loyalty). A theme's customers are the
known customers (``customer_id`` in the customers table) with at least one item in
the theme. ``customers`` counts distinct ``customer_id`` values on the theme's
feedback (in the table or not); ``known_customer_share`` is the share of the theme's
items whose customer is in the table. ``sentiment`` is the mean of the theme's known
item sentiments (items without one are skipped). ``nps_mean`` / ``rating_mean`` also
give one vote per customer: each customer's mean over their items in the theme, then
the mean over customers (an anonymous item votes alone).

**Baseline: customers with feedback outside the theme.** The comparison group of
theme *T* is every known customer with feedback (any theme, or unassigned) who never
wrote about *T*, not all customers: both groups wrote to us, and they are disjoint, as
the tests assume. ``nps_baseline`` / ``rating_baseline`` use the same voters.

**Dates.** Whole days. ``as_of`` (default: the latest date in the feedback, purchases
and churn dates) closes every window; later purchases and churns are ignored. A
customer's reference day for theme *T* is their first dated item in *T*; for the
baseline, their first dated item overall.

**Churn.** A customer churned when ``churned_at`` is set and on or before ``as_of``
(before or after their feedback: an exit survey about a theme counts).
``churn_rate`` = p1 = x1/n1 over the theme's customers, ``churn_baseline`` = p0 =
x0/n0 over its baseline, ``churn_diff`` = p1 - p0, ``churn_lift`` = p1/p0.

**Repurchase.** A customer repurchased when they bought within
``repurchase_window_days`` (default 90) after their reference day (``ref < day <=
ref + window``). Only customers whose whole window lies before ``as_of`` count (no
credit or blame for follow-up we have not seen yet). ``repurchase_rate``,
``repurchase_baseline``, ``repurchase_diff`` and ``repurchase_lift`` as for churn.

**Lift interval: Katz log risk-ratio, 95 %.** ``exp(ln(p1/p0) +- 1.96 * sqrt(1/x1 -
1/n1 + 1/x0 - 1/n0))``, with 0.5 added to every cell when x1 or x0 is zero
(Haldane-Anscombe). Chosen over Wilson because Wilson is an interval for *one*
proportion and a ratio needs a further combination step (MOVER); Katz is the standard
closed form for a ratio, vectorises over themes, and holds its nominal coverage at our
group sizes (``tests/value/test_value.py`` checks 93-97 % over 2,000 simulated tables).

**p-value.** Two-sided pooled two-proportion z test of p1 = p0; Fisher's exact test on
the 2x2 table when the smallest expected cell count is below 5.

**Multiple themes: Benjamini-Hochberg.** The churn and repurchase p-values of all
themes form one family (``m`` = number of tests that pass the minimum-n guard);
``q_(i) = min_{j >= i} m * p_(j) / j``. A test is significant when ``q <= alpha``
(default 0.05), so at most 5 % of the differences we call significant are expected to
be false. ``churn_q`` / ``repurchase_q`` hold the q-values.

**Minimum n.** With fewer than ``min_customers`` (default 20) customers in the theme
or in its baseline, a test is reported (rates, lift, CI, p) but left out of the
family: no q-value, never significant, and it contributes nothing to impact.

**Kind.** ``worse`` = a significant churn difference with p1 > p0 or a significant
repurchase difference with r1 < r0; ``better`` the reverse. ``significant`` = worse or
better. ``pain_point``: worse, not better, and mean sentiment < 0;
``loyalty_driver``: better, not worse, and mean sentiment > 0; else ``neutral``. When
no item of the theme has a sentiment, the kind follows the outcomes alone. A
significant theme whose sentiment contradicts its outcomes stays ``neutral``.

**Value.** ``value_total`` / ``value_median`` over the theme's customers with a known
``value``; ``top_decile_share``: share of them whose value is at or above the 90th
percentile of all customers' values.

**Revenue at risk** = sum of ``value`` over the theme's customers who churned, or whose
number of purchases in the ``repurchase_window_days`` after their reference day is
lower than in the same number of days up to it (only for customers whose window after
is fully observed; without purchases, churn alone counts).

**Impact** = ``value_total`` x max over churn and repurchase of ``|d| x (1 - q)``,
where ``d`` is the rate difference (churn: p1 - p0, repurchase: r1 - r0) and ``q`` its
BH q-value (a test below the minimum n counts as ``q = 1``, i.e. zero). With ``q``
near 0 this is the value of the theme's customers times the excess share of them who
churn (or the extra share who come back): the expected value that moves with the
theme. It grows with the value affected and with the size of the effect; shrinking by
``1 - q`` keeps noise from ranking high. The max, not the sum, because churners also
stop repurchasing. Impact is a magnitude; ``kind`` gives its direction.

**Lifecycle phase** of each theme customer on their reference day, from their
purchases on or before that day, first rule that applies: ``none`` (no purchase);
``activation`` (first purchase at most ``activation_days`` = 60 days before);
``inactivity`` (last purchase older than ``max(2 x usual interval, 30 days)``, the
usual interval being the median of their last 12 gaps between purchases);
``reactivation`` (a purchase in the last ``reactivation_days`` = 90 came after a gap
longer than that threshold); else ``activity``. ``phases`` is the share of the theme's
customers (with a dated reference day) in each phase.

**Loyalty.** Behavioural: at least 4 purchases in the 365 days up to the reference day
and regular gaps between them, i.e. coefficient of variation (std / mean) of the gaps
at most 1.0, where the open gap from the last purchase to the reference day counts
too (a burst then silence is not regular; a Poisson buyer sits at the boundary).
Attitudinal: mean NPS answer >= 9 when the customer answered NPS, else mean sentiment
of all their feedback >= 0.5 (a 4-star rating). ``loyalty`` gives, over the theme's
customers whose attitude is known, the share loyal behaviourally, attitudinally, in
both senses, and in neither (``behavioural + attitudinal - both + neither = 1``).

**Missing data.** No customers: every customer-level field is ``None`` (the
feedback-level ones, ``feedback_count``, ``customers``, ``sentiment``, NPS and rating
means, are still computed). No purchases: repurchase, phases and loyalty are ``None``
and revenue at risk counts churn only. A group with nobody in it gives ``None``, not 0.
"""

from __future__ import annotations

from textinsight.records import ThemeValue
from textinsight.value.arrays import parse_days
from textinsight.value.compute import compute_theme_values
from textinsight.value.config import ValueConfig
from textinsight.value.lifecycle import PHASES, PurchaseHistory
from textinsight.value.stats import benjamini_hochberg, risk_ratio_ci, two_proportion_pvalue
from textinsight.value.verdict import LOYALTY

__all__ = [
    "LOYALTY",
    "PHASES",
    "PurchaseHistory",
    "ThemeValue",
    "ValueConfig",
    "benjamini_hochberg",
    "compute_theme_values",
    "parse_days",
    "risk_ratio_ci",
    "two_proportion_pvalue",
]
