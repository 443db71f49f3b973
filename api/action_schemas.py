"""Request and response schemas of the action ledger (``/actions``, a theme's ``actions``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from pydantic import BaseModel, Field

from textinsight.records import Action, ActionEffect, ActionReport


class ActionIn(BaseModel):
    """An action to log against a theme (or a category) of the current run."""

    theme_id: int | None = Field(
        default=None, ge=1, le=2**63 - 1, description="Theme id (stable across runs)."
    )
    category_id: int | None = Field(
        default=None,
        ge=1,
        le=2**63 - 1,
        description="Category id instead of a theme (the level above the themes).",
    )
    date: dt.date = Field(description="Day the action took effect, YYYY-MM-DD.")
    note: str = Field(default="", max_length=2000, description="What was done.")
    stores: list[str] = Field(default_factory=list, max_length=100, description="Scope: store ids.")
    segments: list[str] = Field(
        default_factory=list, max_length=100, description="Scope: customer segments."
    )
    channels: list[str] = Field(
        default_factory=list, max_length=100, description="Scope: feedback channels."
    )


class ActionOut(BaseModel):
    """A logged action (an empty scope means everywhere)."""

    id: int
    theme_id: int = Field(
        description="The theme (the category, when level is category) when the action was "
        "logged, in run_id."
    )
    level: str = Field(description="theme or category.")
    date: str
    note: str
    run_id: int
    created_at: str
    stores: list[str]
    segments: list[str]
    channels: list[str]

    @classmethod
    def from_record(cls, action: Action) -> ActionOut:
        return cls(**asdict(action))


class OutcomeEffectOut(BaseModel):
    """One outcome before vs after the date against the comparison (see the README)."""

    outcome: str = Field(description="volume_share, sentiment, churn or repurchase.")
    status: str = Field(description="measured, too_early, too_few or no_data.")
    message: str = Field(description="The result in one sentence.")
    weeks_after: float
    weeks_needed: int
    ready_on: str | None = Field(
        default=None, description="When too_early: the first day with enough data."
    )
    estimate: float | None = Field(
        default=None, description="Difference in differences: treated change minus comparison's."
    )
    ci: list[float] | None = None
    p: float | None = None
    pretrend_p: float | None = None
    credible: bool | None = Field(
        default=None, description="False when the pre-trend check failed (placebo dates)."
    )
    drift_sd: float | None = Field(
        default=None,
        description="Drift seen at the placebo dates, added to the interval's sampling error.",
    )
    treated_before: float | None = None
    treated_after: float | None = None
    comparison_before: float | None = None
    comparison_after: float | None = None
    n_treated_before: int
    n_treated_after: int
    n_comparison_before: int
    n_comparison_after: int


class ActionEffectOut(BaseModel):
    """What an action did, and the money the change in churn represents."""

    comparison: str
    window_days: int
    as_of: str
    outcomes: list[OutcomeEffectOut]
    money: float | None = Field(
        default=None, description="Churners avoided x their 12-month spend (positive: retained)."
    )
    money_ci: list[float] | None = None
    spend_per_customer: float | None = None

    @classmethod
    def from_record(cls, effect: ActionEffect) -> ActionEffectOut:
        return cls.model_validate(asdict(effect))


class ActionReportOut(BaseModel):
    """An action, the themes it follows in the run (lineage), and its measured effect."""

    action: ActionOut
    run_id: int
    theme_ids: list[int] = Field(
        description="The theme (category) ids it follows in the run; empty when retired."
    )
    effect: ActionEffectOut | None

    @classmethod
    def from_record(cls, report: ActionReport) -> ActionReportOut:
        return cls.model_validate(asdict(report))


class ActionPage(BaseModel):
    """A page of logged actions, oldest first (``total`` counts every action)."""

    total: int
    limit: int
    offset: int
    items: list[ActionOut]
