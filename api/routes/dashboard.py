"""What the dashboard reads besides ``/themes``: filter options, the change column,
comparisons, a theme's related themes and history, and chart figures.

Answers come from the response cache (``api/cache.py``) while the database is
unchanged; the API key is checked on every request all the same.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.deps import FeedbackFilterDep, ReadKey, ResponsesDep, RunParam, StoreDep, ThemeId
from api.errors import ErrorOut
from api.record_models import record_model
from api.schemas import LineageStepOut, ThemeOut
from textinsight import dashboard, queries, slices
from textinsight.dashboard import FilterOptions
from textinsight.filters import MAX_LIMIT
from textinsight.queries import ThemeRow, record_dict
from textinsight.slices import Change
from textinsight.store import Store
from textinsight.store.curation import CurationChange
from textinsight.store.reads import FeedbackFilter

router = APIRouter(
    tags=["dashboard"],
    dependencies=[ReadKey],
    responses={404: {"model": ErrorOut}, 409: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)


if TYPE_CHECKING:  # models built at run time are no valid base class for mypy
    ChangeFields = BaseModel
    CurationChangeFields = BaseModel
    FilterOptionsFields = BaseModel
else:
    ChangeFields = record_model(
        "ChangeFields",
        Change,
        descriptions={
            "change": "share_b - share_a.",
            "q_value": "Benjamini-Hochberg q-value across themes.",
            "direction": "up, down, or same when not significant.",
        },
    )
    FilterOptionsFields = record_model(
        "FilterOptionsFields",
        FilterOptions,
        descriptions={"metadata": "Metadata fields, for ?meta=field:value."},
    )
    CurationChangeFields = record_model(
        "CurationChangeFields", CurationChange, exclude={"previous"}
    )


class FilterOptionsOut(FilterOptionsFields):
    """Values the filters can take in this run, and its first and last day."""

    run_id: int


class ChangeOut(ChangeFields):
    """A theme's share of slice a (before) and of slice b (after), and the test of it."""

    label: str | None = None

    @classmethod
    def of(cls, change: Change, labels: dict[int, str]) -> ChangeOut:
        return cls(**vars(change), label=labels.get(change.theme_id))


class SliceOut(BaseModel):
    """The period of one side of a comparison (other filters as requested)."""

    since: str | None
    until: str | None = Field(description="Last day, inclusive.")


class ChangesOut(BaseModel):
    """Which themes grew or shrank between two slices."""

    run_id: int
    a: SliceOut
    b: SliceOut
    items: list[ChangeOut]


class RelatedOut(BaseModel):
    """Themes closest in meaning to one theme (cosine of the theme centres)."""

    run_id: int
    theme_id: int
    items: list[ThemeOut]
    similarity: list[float]


class LineageEventOut(LineageStepOut):
    """One lineage event naming the theme, and when its run finished."""

    finished_at: str | None


class CurationChangeOut(CurationChangeFields):
    """One analyst's change: rename, merge, unmerge, hide or unhide."""

    @classmethod
    def of(cls, change: CurationChange) -> CurationChangeOut:
        return cls.model_validate(change, from_attributes=True)


class HistoryOut(BaseModel):
    """A theme's lineage across runs and its curation history."""

    theme_id: int
    lineage: list[LineageEventOut]
    curation: list[CurationChangeOut]


class FigureOut(BaseModel):
    """A plotly figure (plotly.js JSON: data and layout), drawn by the dashboard."""

    data: list[dict[str, Any]]
    layout: dict[str, Any]


def _until(where: FeedbackFilter) -> str | None:
    return (
        None
        if where.before is None
        else date.fromordinal(date.fromisoformat(where.before[:10]).toordinal() - 1).isoformat()
    )


def _slice(where: FeedbackFilter) -> SliceOut:
    return SliceOut(since=where.since, until=_until(where))


@router.get("/facets", response_model=FilterOptionsOut)
async def facets(store: StoreDep, responses: ResponsesDep, run_id: RunParam = None) -> Response:
    """The channels, languages, segments, stores, metadata fields and kinds to filter by,
    and the run's first and last day of feedback."""

    def build() -> FilterOptionsOut:
        run = store.runs.complete_run(run_id)
        return FilterOptionsOut(run_id=run.id, **vars(dashboard.filter_options(store, run)))

    return await responses.respond(("facets", run_id), build)


@router.get("/changes", response_model=ChangesOut)
async def changes(
    store: StoreDep, responses: ResponsesDep, where: FeedbackFilterDep, run_id: RunParam = None
) -> Response:
    """Each theme's change in share: the filter's period (default: the last 28 days of
    data) against the same number of days before it (b = current, a = previous)."""

    def build() -> ChangesOut:
        run = store.runs.complete_run(run_id)
        previous, current, found = dashboard.period_changes(store, run, where)
        labels = {r.theme.id: r.theme.label for r in _listed(store, run_id)}
        return ChangesOut(
            run_id=run.id,
            a=_slice(previous),
            b=_slice(current),
            items=[ChangeOut.of(c, labels) for c in found],
        )

    return await responses.respond(("changes", run_id, where), build)


def _listed(store: Store, run_id: int | None) -> list[ThemeRow]:
    return queries.list_themes(store, run_id, limit=MAX_LIMIT, sort="size").page.items


@router.get("/compare", response_model=ChangesOut)
async def compare(
    store: StoreDep,
    responses: ResponsesDep,
    where: FeedbackFilterDep,
    run_id: RunParam = None,
    b_since: Annotated[date | None, Query(description="Slice b: first day.")] = None,
    b_until: Annotated[date | None, Query(description="Slice b: last day.")] = None,
    b_segment: Annotated[str | None, Query(max_length=200, description="Slice b: segment.")] = None,
    b_channel: Annotated[str | None, Query(description="Slice b: channel.")] = None,
    b_language: Annotated[
        str | None, Query(max_length=16, description="Slice b: language.")
    ] = None,
    b_member: Annotated[bool | None, Query(description="Slice b: members or not.")] = None,
    b_store: Annotated[str | None, Query(max_length=200, description="Slice b: store.")] = None,
) -> Response:
    """Compare two slices: a is the usual filters, b is a with any ``b_*`` given
    replacing its condition (two periods: since/until against b_since/b_until; two
    segments: segment against b_segment). Themes sorted by the size of the change."""
    b = slices.override(
        where,
        since=b_since,
        until=b_until,
        segment=b_segment,
        channel=b_channel,
        language=b_language,
        member=b_member,
        store=b_store,
    )

    def build() -> ChangesOut:
        run = store.runs.complete_run(run_id)
        labels = {r.theme.id: r.theme.label for r in _listed(store, run_id)}
        found = dashboard.compare(store, run, where, b)
        return ChangesOut(
            run_id=run.id,
            a=_slice(where),
            b=_slice(b),
            items=[ChangeOut.of(c, labels) for c in found],
        )

    key = ("compare", run_id, where, b)
    return await responses.respond(key, build)


@router.get("/themes/{theme_id}/related", response_model=RelatedOut)
async def related(
    store: StoreDep, responses: ResponsesDep, theme_id: ThemeId, run_id: RunParam = None
) -> Response:
    """The five themes closest in meaning (cosine similarity of the theme centres)."""

    def build() -> RelatedOut:
        run = store.runs.complete_run(run_id)
        store.runs.theme(run.id, theme_id)
        found = dashboard.related_themes(store, run, theme_id)
        return RelatedOut(
            run_id=run.id,
            theme_id=theme_id,
            items=[ThemeOut.from_record(ThemeRow(t)) for t, _ in found],
            similarity=[round(s, 4) for _, s in found],
        )

    return await responses.respond(("related", theme_id, run_id), build)


@router.get("/themes/{theme_id}/history", response_model=HistoryOut)
async def history(store: StoreDep, responses: ResponsesDep, theme_id: ThemeId) -> Response:
    """The theme's lineage (kept, split, merged, new: in which run, since when) and the
    analysts' renames, merges and hides of it."""

    def build() -> HistoryOut:
        found = dashboard.theme_history(store, theme_id)
        return HistoryOut(
            theme_id=theme_id,
            lineage=[
                LineageEventOut(run_id=run, finished_at=finished, **record_dict(e))
                for run, finished, e in found.lineage
            ],
            curation=[CurationChangeOut.of(c) for c in found.curation],
        )

    return await responses.respond(("history", theme_id), build)


ChartName = Literal["impact", "map", "trends", "theme_trend", "sentiment", "mix", "compare"]
"""The names of ``textinsight.dashboard.CHARTS`` (a test keeps them equal)."""


@router.get("/charts/{name}", response_model=FigureOut)
async def chart(
    store: StoreDep,
    responses: ResponsesDep,
    name: ChartName,
    where: FeedbackFilterDep,
    run_id: RunParam = None,
    theme: Annotated[int | None, Query(ge=1, description="Theme id (theme charts).")] = None,
    interval: Annotated[
        Literal["day", "week", "month"], Query(description="Trend period.")
    ] = "week",
    b_since: Annotated[date | None, Query(description="compare: slice b's first day.")] = None,
    b_until: Annotated[date | None, Query(description="compare: slice b's last day.")] = None,
    b_segment: Annotated[
        str | None, Query(max_length=200, description="compare: b's segment.")
    ] = None,
) -> Response:
    """A plotly figure built by ``textinsight.charts`` (the HTML report draws the same):
    impact, map, trends (largest themes), theme_trend, sentiment and mix (need
    ``theme``), compare (needs a ``b_*`` slice, as ``/compare``)."""
    other = None
    if name == "compare":
        other = slices.override(where, since=b_since, until=b_until, segment=b_segment)

    def build() -> FigureOut:
        run = store.runs.complete_run(run_id)
        req = dashboard.ChartRequest(
            store=store, run=run, where=where, theme_id=theme, interval=interval, other=other
        )
        return FigureOut(**dashboard.chart(req, name))

    key = ("chart", name, run_id, where, theme, interval, b_since, b_until, b_segment)
    return await responses.respond(key, build)
