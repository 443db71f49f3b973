"""The settings of the value statistics."""

from __future__ import annotations

from dataclasses import dataclass, fields

from textinsight.errors import ConfigError

REFERENCES = ("auto", "unassigned", "unthemed", "outside", "never")
"""The comparison groups :attr:`ValueConfig.reference` allows."""


@dataclass(frozen=True)
class ValueConfig:
    """Thresholds and windows of :func:`textinsight.value.compute_theme_values`.

    Windows and ages are in days.

    Attributes:
        repurchase_window_days: the follow-up window W: churn and repurchase count
            within this many days after each customer's reference day, and only
            customers observed for the whole window count.
        report_windows: churn is also reported over each of these follow-up windows.
        reference: the comparison group: ``unthemed`` (the default: customers with no
            item in any theme, i.e. never-writers and writers of unassigned feedback
            only), ``unassigned`` (writers of unassigned feedback only), ``outside``
            (writers with no item in the theme), ``never`` (customers who never wrote),
            or ``auto`` (``unassigned`` when they are at least 5 % of the writers and
            ``min_customers``, else ``outside``).
        min_matched: covariates are dropped (least important first) until at least
            this share of the theme customers share a stratum with reference customers.
        exit_share: a theme is ``exit`` feedback when at least this share of its
            customers wrote it only on or after their churn date.
        spend_days: a churner's money at stake is their spend in this many days
            before the reference day.
        min_customers: below this many customers in the theme or in its baseline, a
            comparison is reported but never called significant.
        alpha: false discovery rate of the Benjamini-Hochberg correction; a test is
            significant when its q-value is at most ``alpha``.
        confidence: level of the lift confidence intervals.
        sentiment_threshold: a theme's mean sentiment counts as negative below
            ``-sentiment_threshold`` and as positive above ``+sentiment_threshold``.
        top_value_quantile: a customer is high-value when their value is at or above
            this quantile of all customers' values (0.9: the top decile).
        activation_days: a first purchase at most this old makes the phase activation.
        inactivity_factor: a customer is inactive when their last purchase is older
            than this many times their usual (median) interval between purchases ...
        inactivity_floor_days: ... or than this, whichever is longer.
        reactivation_days: a purchase after an inactivity gap within this many days
            before the feedback makes the phase reactivation.
        interval_history: the usual interval is the median of at most this many most
            recent gaps between purchases.
        loyalty_days: behavioural loyalty looks at purchases in this many days before
            the feedback ...
        loyalty_min_purchases: ... needs at least this many of them ...
        loyalty_max_cv: ... and gaps between them (the open gap to the feedback
            included) whose coefficient of variation is at most this, while still
            buying (lifecycle phase ``activity``) and not a discount hunter.
        discount_hunter_share: a customer whose share of discounted purchases in the
            ``loyalty_days`` before the reference day is at least this is a discount
            hunter.
        attitudinal_sentiment: a customer is attitudinally loyal when their mean
            sentiment is at least this (1..5 rating 4 -> 0.5) ...
        promoter_nps: ... or, when they answered NPS, their mean answer is at least this.
    """

    repurchase_window_days: int = 90
    report_windows: tuple[int, ...] = (30, 60, 90)
    reference: str = "unthemed"
    min_matched: float = 0.8
    exit_share: float = 0.5
    spend_days: int = 365
    min_customers: int = 20
    alpha: float = 0.05
    confidence: float = 0.95
    sentiment_threshold: float = 0.0
    top_value_quantile: float = 0.9
    activation_days: int = 60
    inactivity_factor: float = 2.0
    inactivity_floor_days: int = 30
    reactivation_days: int = 90
    interval_history: int = 12
    loyalty_days: int = 365
    loyalty_min_purchases: int = 4
    loyalty_max_cv: float = 0.5
    discount_hunter_share: float = 0.8
    attitudinal_sentiment: float = 0.5
    promoter_nps: float = 9.0

    def __post_init__(self) -> None:
        if self.reference not in REFERENCES:
            raise ConfigError(
                f"ValueConfig.reference is {self.reference!r}; use one of {', '.join(REFERENCES)}."
            )
        if not self.report_windows or min(self.report_windows) < 1:
            raise ConfigError(
                f"ValueConfig.report_windows is {self.report_windows}; use whole numbers >= 1."
            )
        for name in ("alpha", "confidence", "top_value_quantile", "min_matched"):
            value = getattr(self, name)
            if not 0.0 < value < 1.0:
                raise ConfigError(f"ValueConfig.{name} is {value}; use a number between 0 and 1.")
        for name in (
            "repurchase_window_days",
            "min_customers",
            "interval_history",
            "loyalty_days",
            "loyalty_min_purchases",
            "spend_days",
        ):
            value = getattr(self, name)
            if value < 1:
                raise ConfigError(f"ValueConfig.{name} is {value}; use a whole number >= 1.")
        for field in fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, int | float):
                continue
            if value < 0:
                raise ConfigError(f"ValueConfig.{field.name} is {value}; it cannot be negative.")
