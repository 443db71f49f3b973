"""``/themes``: list with filters and sort, one theme, its feedback, its trend.

Answers come from the response cache (``api/cache.py``) while the database is
unchanged; the API key is checked on every request all the same.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import (
    FeedbackFilterDep,
    Limit,
    Offset,
    ReadKey,
    ResponsesDep,
    RunParam,
    StoreDep,
    ThemeId,
)
from api.errors import ErrorOut
from api.schemas import (
    FeedbackOut,
    FeedbackPage,
    ThemeDetailOut,
    ThemePage,
    TrendOut,
    TrendPointOut,
)
from textinsight import queries

router = APIRouter(
    prefix="/themes",
    tags=["themes"],
    dependencies=[ReadKey],
    responses={404: {"model": ErrorOut}, 409: {"model": ErrorOut}},
)

SortKey = Literal["impact", "size", "sentiment", "churn_lift"]
Level = Literal["theme", "category"]


@router.get("", response_model=ThemePage)
async def list_themes(
    store: StoreDep,
    responses: ResponsesDep,
    where: FeedbackFilterDep,
    run_id: RunParam = None,
    kind: Annotated[
        str | None,
        Query(
            max_length=64,
            description="pain_point, loyalty_driver, contradiction, exit or neutral; applies "
            "once the run "
            "has value metrics (listed in ignored_filters until then).",
        ),
    ] = None,
    min_size: Annotated[int | None, Query(ge=0, description="At least this many items.")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Text in the label or a keyword.")
    ] = None,
    sort: Annotated[
        SortKey,
        Query(
            description="impact (default), size, churn_lift: descending; sentiment: most "
            "negative first. A key the run has no values for yet falls back to size."
        ),
    ] = "impact",
    level: Annotated[
        Level,
        Query(description="theme (default) or category: the level above the themes."),
    ] = "theme",
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    """Themes (or, with ``level=category``, categories) of the current run (or
    ``?run=``), filtered, sorted and paginated.

    channel, language, segment, since and until keep the themes that have matching
    feedback and report the number of matching items in ``matching``.
    """

    def build() -> ThemePage:
        listing = queries.list_themes(
            store,
            run_id,
            where=where,
            kind=kind,
            min_size=min_size,
            q=q,
            sort=sort,
            limit=limit,
            offset=offset,
            level=level,
        )
        return ThemePage.from_record(listing)

    key = ("themes", run_id, where, kind, min_size, q, sort, limit, offset, level)
    return await responses.respond(key, build)


@router.get("/{theme_id}", response_model=ThemeDetailOut)
async def get_theme(
    store: StoreDep, responses: ResponsesDep, theme_id: ThemeId, run_id: RunParam = None
) -> Response:
    """One theme: keywords, quotes, value metrics when present, current counts per
    channel and language, and its weekly trend."""

    def build() -> ThemeDetailOut:
        return ThemeDetailOut.from_detail(queries.theme_detail(store, theme_id, run_id))

    return await responses.respond(("theme", theme_id, run_id), build)


@router.get("/{theme_id}/feedback", response_model=FeedbackPage)
async def theme_feedback(
    store: StoreDep,
    responses: ResponsesDep,
    theme_id: ThemeId,
    where: FeedbackFilterDep,
    run_id: RunParam = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    """The theme's feedback, most typical first, filterable by channel, language,
    segment and period."""

    def build() -> FeedbackPage:
        run, page = queries.theme_feedback(
            store, theme_id, run_id, where=where, limit=limit, offset=offset
        )
        return FeedbackPage(
            total=page.total,
            limit=page.limit,
            offset=page.offset,
            run_id=run.id,
            theme_id=theme_id,
            items=[FeedbackOut.from_record(f) for f in page.items],
        )

    key = ("theme_feedback", theme_id, run_id, where, limit, offset)
    return await responses.respond(key, build)


@router.get("/{theme_id}/trend", response_model=TrendOut)
async def theme_trend(
    store: StoreDep,
    responses: ResponsesDep,
    theme_id: ThemeId,
    where: FeedbackFilterDep,
    run_id: RunParam = None,
    interval: Annotated[
        Literal["day", "week", "month"], Query(description="Period length; weeks start Monday.")
    ] = "week",
) -> Response:
    """Feedback count and mean sentiment per period, oldest first (empty periods absent)."""

    def build() -> TrendOut:
        run, points = queries.theme_trend(store, theme_id, run_id, interval=interval, where=where)
        return TrendOut(
            run_id=run.id,
            theme_id=theme_id,
            interval=interval,
            points=[TrendPointOut.from_record(p) for p in points],
        )

    return await responses.respond(("theme_trend", theme_id, run_id, where, interval), build)
