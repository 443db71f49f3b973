"""Typed records that flow between stages.

Records are frozen dataclasses: no anonymous dicts or DataFrames with magic columns
travel between the ingest, pipeline, store and interface layers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

CHANNELS = ("ticket", "social", "retailer_note", "survey", "review", "chat", "email", "other")
"""The feedback channels textinsight knows. Anything else is rejected at ingest."""

UNDETERMINED = "und"
"""Language code used when the language cannot be told with confidence."""


@dataclass(frozen=True)
class Feedback:
    """One piece of customer feedback, validated and PII-redacted."""

    text: str
    channel: str
    source_id: str
    created_at: str | None = None
    customer_id: str | None = None
    store_id: str | None = None
    language: str | None = None
    rating: int | None = None
    nps: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Customer:
    """A customer record used to link themes to value."""

    customer_id: str
    segment: str | None = None
    is_member: bool | None = None
    joined_at: str | None = None
    value: float | None = None
    churned_at: str | None = None


@dataclass(frozen=True)
class Purchase:
    """One purchase of one customer; ``discount`` > 0 (or true) when bought on discount."""

    customer_id: str
    purchased_at: str
    amount: float | None = None
    discount: float | None = None


@dataclass(frozen=True)
class StoredFeedback:
    """A feedback row as read back from the store, with its store id."""

    id: int
    text: str
    text_hash: str
    channel: str
    source_id: str
    language: str
    created_at: str | None = None
    customer_id: str | None = None
    store_id: str | None = None
    rating: int | None = None
    nps: int | None = None


@dataclass(frozen=True)
class ThemeDescription:
    """What describes one theme: keywords, a short label, representative quotes.

    ``quote_indices`` index into the texts that were passed to the describer.
    """

    keywords: tuple[str, ...]
    label: str
    quote_indices: tuple[int, ...]


@dataclass(frozen=True)
class Theme:
    """One theme of one run, as stored and served."""

    id: int
    run_id: int
    label: str
    keywords: tuple[str, ...]
    size: int
    share: float
    quotes: tuple[str, ...]
    languages: dict[str, int]
    channels: dict[str, int]
    sentiment: float | None = None
    x: float | None = None
    y: float | None = None
    value: ThemeValue | None = None
    keywords_by_language: dict[str, tuple[str, ...]] = field(default_factory=dict)
    parent_id: int | None = None
    """The category this theme sits under (None for a category, or a run before them)."""
    noise: bool = False
    """Not feedback (greetings, "nothing to add", contests; ``textinsight.stages.noise``)."""


Category = Theme
"""A top-level theme: the same record, one level up (``parent_id`` is None)."""

LEVELS = ("theme", "category")
"""The two levels of a run's themes."""


@dataclass(frozen=True)
class Assignment:
    """Which theme one feedback item belongs to in one run (``theme_id`` None: unassigned)."""

    feedback_id: int
    theme_id: int | None
    probability: float
    sentiment: float | None = None


@dataclass(frozen=True)
class IngestReport:
    """What an ingest did."""

    path: str
    read: int
    inserted: int
    updated: int
    unchanged: int
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    redactions: dict[str, int] = field(default_factory=dict)
    keys: list[tuple[str, str]] = field(default_factory=list)
    """(channel, source_id) of the stored rows, when the caller asked for them."""
    duplicates: list[str] = field(default_factory=list)
    """Rows whose ``source_id`` repeats an earlier row of the same file (first 20)."""
    n_duplicates: int = 0
    ingest_id: int | None = None
    """The id ``textinsight delete --ingest`` takes to undo this ingest."""


@dataclass(frozen=True)
class RunInfo:
    """One pipeline run: its parameters, counts, timings and status.

    ``status`` is ``running``, ``complete`` or ``failed``; only a complete run can be
    current, and readers only ever see complete runs.
    """

    id: int
    status: str
    is_current: bool
    started_at: str
    finished_at: str | None
    seed: int
    model_id: str
    params: dict[str, Any]
    n_feedback: int | None
    n_themes: int | None
    n_unassigned: int | None
    n_embedded: int | None
    timings: dict[str, float]
    error: str | None = None


@dataclass(frozen=True)
class ThemeValue:
    """How one theme relates to customer value and outcomes, for one run.

    Computed by :func:`textinsight.value.compute_theme_values`; the package docstring
    of :mod:`textinsight.value` defines every field. Customer-level fields count each
    customer once per theme, however many of their feedback items are in it. A
    metric is ``None`` when it cannot be computed (no customers or purchases
    ingested, nobody in the group, no dates), never a made-up zero.

    ``kind`` is ``pain_point``, ``loyalty_driver``, ``neutral``, ``exit`` or
    ``contradiction``. ``churn_lift`` / ``repurchase_lift`` and their intervals are
    the stratified (adjusted) risk ratios against ``reference``, adjusted for the
    covariates in ``adjusted_for``; the ``*_raw`` fields hold the unadjusted ones.
    ``*_n`` / ``*_events`` and ``*_reference_n`` / ``*_reference_events`` are the group
    sizes on both sides. Money fields (``revenue_at_risk``, ``repurchase_value_at_risk``,
    ``impact``) are excesses over the adjusted reference, in the customers' currency;
    themes overlap, so they never add up across themes.
    """

    feedback_count: int
    customers: int
    kind: str = "neutral"
    significant: bool = False
    known_customer_share: float | None = None
    sentiment: float | None = None
    value_total: float | None = None
    value_median: float | None = None
    top_decile_share: float | None = None
    churn_rate: float | None = None
    churn_baseline: float | None = None
    churn_diff: float | None = None
    churn_lift: float | None = None
    churn_lift_ci: tuple[float, float] | None = None
    churn_p: float | None = None
    churn_q: float | None = None
    repurchase_rate: float | None = None
    repurchase_baseline: float | None = None
    repurchase_diff: float | None = None
    repurchase_lift: float | None = None
    repurchase_lift_ci: tuple[float, float] | None = None
    repurchase_p: float | None = None
    repurchase_q: float | None = None
    nps_mean: float | None = None
    nps_baseline: float | None = None
    rating_mean: float | None = None
    rating_baseline: float | None = None
    revenue_at_risk: float | None = None
    impact: float | None = None
    phases: dict[str, float] | None = None
    loyalty: dict[str, float] | None = None
    reference: str | None = None
    adjusted_for: list[str] | None = None
    window_days: int | None = None
    exit_customers: int | None = None
    exit_share: float | None = None
    churn_n: int | None = None
    churn_events: int | None = None
    churn_reference_n: int | None = None
    churn_reference_events: int | None = None
    churn_baseline_raw: float | None = None
    churn_lift_raw: float | None = None
    churn_lift_raw_ci: tuple[float, float] | None = None
    churn_p_raw: float | None = None
    churn_cmh_p: float | None = None
    churn_matched_share: float | None = None
    churn_windows: dict[str, dict[str, float | None]] | None = None
    repurchase_n: int | None = None
    repurchase_events: int | None = None
    repurchase_reference_n: int | None = None
    repurchase_reference_events: int | None = None
    repurchase_baseline_raw: float | None = None
    repurchase_lift_raw: float | None = None
    repurchase_lift_raw_ci: tuple[float, float] | None = None
    repurchase_p_raw: float | None = None
    repurchase_cmh_p: float | None = None
    repurchase_matched_share: float | None = None
    revenue_at_risk_ci: tuple[float, float] | None = None
    repurchase_value_at_risk: float | None = None
    repurchase_value_at_risk_ci: tuple[float, float] | None = None
    loyalty_churn: dict[str, dict[str, Any]] | None = None
    breakdowns: dict[str, Any] | None = None


VALUE_FIELDS = tuple(f.name for f in fields(ThemeValue) if f.name != "sentiment")
"""The value metrics a theme's JSON form carries (``sentiment`` is a Theme field)."""


def theme_json(theme: Theme) -> dict[str, Any]:
    """The flat JSON form of a theme, shared by the CLI and the API.

    Theme fields plus every value metric; metrics are ``None`` when the run has none.
    """
    data: dict[str, Any] = {f.name: getattr(theme, f.name) for f in fields(Theme)}
    data.pop("value")
    data["keywords"] = list(theme.keywords)
    data["quotes"] = list(theme.quotes)
    data["keywords_by_language"] = {k: list(v) for k, v in theme.keywords_by_language.items()}
    for name in VALUE_FIELDS:
        metric = getattr(theme.value, name, None)
        data[name] = list(metric) if isinstance(metric, tuple) else metric
    return data


@dataclass(frozen=True)
class Action:
    """Something a CX team did about a theme, logged so that its effect can be measured.

    ``theme_id`` is the theme's stable id when the action was registered, in run
    ``run_id``; later runs find it through lineage (kept, merged, split). With
    ``level == "category"`` it is a category's id instead (the top level of the theme
    hierarchy; categories have a lineage of their own). ``date`` is the day the action
    took effect (ISO ``YYYY-MM-DD``). An empty scope (``stores``, ``segments``,
    ``channels``) means everywhere.
    """

    id: int
    theme_id: int
    date: str
    note: str
    run_id: int
    created_at: str
    stores: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    level: str = "theme"

    @property
    def target(self) -> str:
        """``theme 12`` or ``category 3``."""
        return f"{self.level} {self.theme_id}"

    @property
    def scoped(self) -> bool:
        """Whether the action applies to part of the business only."""
        return bool(self.stores or self.segments or self.channels)


@dataclass(frozen=True)
class OutcomeEffect:
    """One outcome of an action, before vs after its date, against the comparison.

    ``status``: ``measured``; ``too_early`` (fewer than ``weeks_needed`` weeks of data
    after the date, ``ready_on`` says when there will be enough); ``too_few`` (a cell
    has fewer units than the minimum); ``no_data`` (the outcome needs data that is not
    there, e.g. purchases). ``estimate`` is the difference in differences (the treated
    group's change minus the comparison's) with its interval; ``credible`` is False when
    the pre-trend check (placebo dates before the action, p ``pretrend_p``) says the two
    groups were not moving in parallel before, None when it could not be run.
    ``drift_sd``: the part of the interval that the placebo dates' drift adds to the
    sampling error (0 when they show none; see :mod:`textinsight.value.did`).
    """

    outcome: str
    status: str
    message: str
    weeks_after: float
    weeks_needed: int
    ready_on: str | None = None
    estimate: float | None = None
    ci: tuple[float, float] | None = None
    p: float | None = None
    pretrend_p: float | None = None
    credible: bool | None = None
    drift_sd: float | None = None
    treated_before: float | None = None
    treated_after: float | None = None
    comparison_before: float | None = None
    comparison_after: float | None = None
    n_treated_before: int = 0
    n_treated_after: int = 0
    n_comparison_before: int = 0
    n_comparison_after: int = 0


@dataclass(frozen=True)
class ActionEffect:
    """What an action did: each outcome's difference in differences and the money.

    ``money`` is the revenue the change in churn represents: churners avoided (the
    churn estimate, negated, times the treated customers after the date) times their
    mean spend in the 12 months before their feedback; positive when churn fell.
    ``comparison`` says what the action was compared against.
    """

    comparison: str
    window_days: int
    as_of: str
    outcomes: tuple[OutcomeEffect, ...]
    money: float | None = None
    money_ci: tuple[float, float] | None = None
    spend_per_customer: float | None = None

    def outcome(self, name: str) -> OutcomeEffect | None:
        """The effect on one outcome (``volume_share``, ``sentiment``, ``churn``, ...)."""
        return next((o for o in self.outcomes if o.outcome == name), None)


@dataclass(frozen=True)
class ActionReport:
    """An action, the themes it follows in a run, and its measured effect.

    ``theme_ids`` are the action's theme in run ``run_id`` after lineage (several after
    a split; empty when the theme was retired, and then ``effect`` is None).
    """

    action: Action
    run_id: int
    theme_ids: tuple[int, ...]
    effect: ActionEffect | None = None
