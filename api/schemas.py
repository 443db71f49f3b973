"""Request and response schemas. Requests end in ``In``, responses in ``Out``/``Page``.

Responses are built from library records (``from_record``), so the HTTP shape is
defined here once and the library stays free of pydantic models. Where a response
carries a record's fields unchanged, its fields are derived from the record
(``api.record_models``) rather than listed again; the model adds descriptions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from api.action_schemas import ActionReportOut
from api.record_models import record_model
from textinsight.lineage import LineageEvent
from textinsight.queries import ThemeDetail, ThemeListing, ThemeRow, record_dict, theme_dict
from textinsight.records import VALUE_FIELDS, RunInfo, ThemeValue, theme_json
from textinsight.store.reads import AssignedFeedback, Facets, TrendPoint
from textinsight.summary import Summary

# -- shared --------------------------------------------------------------------------

if TYPE_CHECKING:  # models built at run time are no valid base class for mypy
    RunFields = BaseModel
    ValueFields = BaseModel
    FeedbackFields = BaseModel
    SummaryFields = BaseModel
    LineageFields = BaseModel
else:
    RunFields = record_model(
        "RunFields",
        RunInfo,
        descriptions={
            "status": "running, complete, failed, or abandoned (its process ended without "
            "a result)."
        },
    )
    ValueFields = record_model(
        "ValueFields",
        ThemeValue,
        doc="The value metrics of textinsight.records.ThemeValue, flat; null when the "
        "run has none (no customers ingested).",
        only=VALUE_FIELDS,
        nullable=True,
    )
    FeedbackFields = record_model(
        "FeedbackFields",
        AssignedFeedback,
        descriptions={
            "probability": "Membership strength of the theme, 0..1.",
            "segment": "The customer's segment.",
        },
    )
    LineageFields = record_model(
        "LineageFields",
        LineageEvent,
        exclude={"overlap"},
        descriptions={
            "kind": "same, split, merged, new or retired.",
            "theme_id": "The theme's id in that run (none: retired).",
        },
    )
    SummaryFields = record_model(
        "SummaryFields",
        Summary,
        exclude={"run", "top"},
        descriptions={
            "unassigned_share": "Share of feedback in no theme, 0..1.",
            "ranked_by": "impact when the run has value metrics, else size.",
        },
    )


class PageOut(BaseModel):
    """Paging of a list response: ``total`` counts every item, not only this page."""

    total: int = Field(description="Items matching the request, over all pages.")
    limit: int
    offset: int


# -- health and runs -----------------------------------------------------------------


class HealthOut(BaseModel):
    """Whether the store is reachable, and what the server serves."""

    status: str = Field(description="'ok', or 'unavailable' when the store cannot be read.")
    store_reachable: bool
    schema_version: int | None = None
    current_run_id: int | None = Field(default=None, description="None until a run has completed.")
    model_id: str | None = Field(default=None, description="Embedding model of the current run.")
    configured_model: str = Field(description="TEXTINSIGHT_MODEL of this server.")
    detail: str | None = Field(default=None, description="Why the store is unavailable.")


class RunOut(RunFields):
    """One pipeline run: parameters, counts, timings and status."""

    @classmethod
    def from_record(cls, run: RunInfo) -> RunOut:
        return cls(**record_dict(run))


class RunPage(PageOut):
    """A page of runs, newest first."""

    items: list[RunOut]


# -- themes --------------------------------------------------------------------------


class ThemeOut(ValueFields):
    """A theme: the fields of ``textinsight themes --format json`` (theme fields and value
    metrics, flat), plus ``matching``."""

    id: int
    run_id: int
    label: str
    keywords: list[str]
    keywords_by_language: dict[str, list[str]] = Field(
        default_factory=dict,
        description="c-TF-IDF keywords of the theme's texts in each language with enough "
        "of them (ISO 639-1 code -> keywords, best first).",
    )
    size: int = Field(
        description="Feedback items in the theme (when filtered: the matching ones; merged "
        "themes counted with the theme they were merged into)."
    )
    share: float = Field(description="size / feedback items of the run (or of the filtered slice).")
    quotes: list[str]
    languages: dict[str, int]
    channels: dict[str, int]
    sentiment: float | None = Field(default=None, description="Mean sentiment in [-1, 1].")
    x: float | None = None
    y: float | None = None
    parent_id: int | None = Field(
        default=None, description="The category above this theme (null for a category)."
    )
    noise: bool = Field(
        default=False,
        description="Not feedback (greetings, nothing to add, contests): no impact, so "
        "value rankings skip it.",
    )
    matching: int | None = Field(
        default=None,
        description="Feedback items of the theme matching the channel/language/segment/"
        "since/until filters; null when no such filter was given.",
    )

    @classmethod
    def from_record(cls, row: ThemeRow) -> ThemeOut:
        return cls(**theme_dict(row))


class ThemePage(PageOut):
    """A page of themes, with the sort actually applied."""

    run_id: int
    sort: str = Field(description="The sort key applied.")
    sort_requested: str = Field(
        description="The sort key asked for; differs from sort when the run has no values "
        "for it (value metrics), in which case size is used."
    )
    ignored_filters: list[str] = Field(
        description="Filters accepted but not applicable to this run (kind when the run has "
        "no value metrics)."
    )
    items: list[ThemeOut]

    @classmethod
    def from_record(cls, listing: ThemeListing) -> ThemePage:
        page = listing.page
        return cls(
            total=page.total,
            limit=page.limit,
            offset=page.offset,
            run_id=listing.run.id,
            sort=listing.sort,
            sort_requested=listing.sort_requested,
            ignored_filters=list(listing.ignored_filters),
            items=[ThemeOut.from_record(r) for r in page.items],
        )


class TrendPointOut(BaseModel):
    """Count and mean sentiment of one period (its first day, ``YYYY-MM-DD``)."""

    period: str
    count: int
    sentiment: float | None

    @classmethod
    def from_record(cls, point: TrendPoint) -> TrendPointOut:
        return cls(**record_dict(point))


class LineageStepOut(LineageFields):
    """What one run did to the theme: ``same``, ``split``, ``merged``, ``new`` or
    ``retired``, and the previous run's theme ids it came from."""

    run_id: int

    @classmethod
    def from_record(cls, run_id: int, event: LineageEvent) -> LineageStepOut:
        return cls(run_id=run_id, **record_dict(event))


class FacetsOut(BaseModel):
    """A theme's feedback now (including feedback assigned since the run)."""

    total: int
    channels: dict[str, int]
    languages: dict[str, int]

    @classmethod
    def from_record(cls, facets: Facets) -> FacetsOut:
        return cls(**record_dict(facets))


class ThemeDetailOut(ThemeOut):
    """One theme with its current counts per channel and language and its weekly trend."""

    assigned: FacetsOut
    trend: list[TrendPointOut] = Field(description="Weekly counts (weeks start on Monday).")
    actions: list[ActionReportOut] = Field(
        default_factory=list,
        description="Actions logged against this theme (followed through lineage), measured: "
        "before vs after each action's date against a comparison (see /actions/{id}).",
    )
    history: list[LineageStepOut] = Field(
        default_factory=list, description="The theme's lineage across runs, oldest first."
    )

    @classmethod
    def from_detail(cls, detail: ThemeDetail) -> ThemeDetailOut:
        return cls(
            **theme_dict(detail.row),
            assigned=FacetsOut.from_record(detail.assigned),
            trend=[TrendPointOut.from_record(p) for p in detail.trend],
            actions=[ActionReportOut.from_record(a) for a in detail.actions],
            history=[LineageStepOut.from_record(r, e) for r, e in detail.history],
        )


class TrendOut(BaseModel):
    """A theme's counts and mean sentiment per period, oldest first."""

    run_id: int
    theme_id: int
    interval: str
    points: list[TrendPointOut]


class FeedbackOut(FeedbackFields):
    """A stored (PII-redacted) feedback item and its theme in the run."""

    @classmethod
    def from_record(cls, item: AssignedFeedback) -> FeedbackOut:
        return cls(**record_dict(item))


class FeedbackPage(PageOut):
    """A page of a theme's feedback, most typical first."""

    run_id: int
    theme_id: int
    items: list[FeedbackOut]


# -- search --------------------------------------------------------------------------


class SearchHitOut(BaseModel):
    """A feedback item similar in meaning to the query, with its theme."""

    score: float = Field(description="Cosine similarity to the query, -1..1.")
    feedback: FeedbackOut


class SearchOut(BaseModel):
    """Search results, most similar first."""

    run_id: int
    model_id: str
    query: str
    items: list[SearchHitOut]


# -- ingest --------------------------------------------------------------------------


class FeedbackIn(BaseModel):
    """One feedback item: the fields of a feedback CSV row. Custom fields go in metadata.

    Values are validated (and text PII-redacted) by the same rules as file ingest.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "text": "Leveransen var tre dagar sen",
                    "channel": "review",
                    "source_id": "rev-1001",
                    "created_at": "2024-05-02",
                    "customer_id": "c-42",
                    "rating": 2,
                }
            ]
        },
    )

    text: str = Field(description="The feedback text (required, at most 20,000 characters).")
    source_id: str | int | None = Field(
        default=None,
        description="Unique within its channel: re-sending it updates, never duplicates.",
    )
    channel: str | None = Field(
        default=None,
        description="ticket, social, retailer_note, survey, review, chat, email or other.",
    )
    created_at: str | None = Field(default=None, description="ISO-8601 date or date-time.")
    customer_id: str | int | None = None
    store_id: str | int | None = None
    language: str | None = Field(default=None, description="sv, no, da, en...; detected if absent.")
    rating: int | None = Field(default=None, description="1..5")
    nps: int | None = Field(default=None, description="0..10")
    metadata: dict[str, Any] | None = None


class AssignmentOut(BaseModel):
    """Where one posted item went (``theme_id`` null: unassigned)."""

    index: int = Field(description="Position of the item in the posted array.")
    channel: str
    source_id: str
    feedback_id: int
    theme_id: int | None
    theme_label: str | None
    similarity: float = Field(description="Cosine similarity to the theme's centre (0 if none).")


class FeedbackBatchOut(BaseModel):
    """The assignments of a posted batch, in the order posted."""

    run_id: int
    received: int
    assigned: int
    unassigned: int
    items: list[AssignmentOut]


# -- summary -------------------------------------------------------------------------


class SummaryThemeOut(ValueFields):
    """A top theme with its metrics (value metrics flat, as in ``ThemeOut``)."""

    rank: int
    id: int
    label: str
    size: int
    share: float
    sentiment: float | None
    keywords: list[str]


class SummaryOut(SummaryFields):
    """Totals of the run (counted now) and its top themes."""

    run_id: int
    model_id: str
    finished_at: str | None
    top_themes: list[SummaryThemeOut]

    @classmethod
    def from_record(cls, s: Summary, n_keywords: int) -> SummaryOut:
        top = [
            SummaryThemeOut(
                **{
                    **theme_json(r.theme),
                    "rank": rank,
                    "keywords": list(r.theme.keywords[:n_keywords]),
                }
            )
            for rank, r in enumerate(s.top, start=1)
        ]
        totals = {k: v for k, v in record_dict(s).items() if k not in ("run", "top")}
        return cls(
            run_id=s.run.id,
            model_id=s.run.model_id,
            finished_at=s.run.finished_at,
            top_themes=top,
            **totals,
        )
