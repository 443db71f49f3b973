"""What the dashboard asks of a run beyond theme lists: filter options, the change
column, comparisons, a theme's sentiment split, history and related themes, and the
data behind every chart (:func:`chart`, drawn by :mod:`textinsight.charts`).

Services over the store for the API (``api/routes/dashboard.py``) and any other
reader; every function takes a :class:`~textinsight.store.reads.FeedbackFilter` and
reads themes through :func:`textinsight.slices.curated_themes`, so the dashboard, the
API and the exports show the same numbers for the same filter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from textinsight import charts
from textinsight.errors import NotFoundError, ValidationError
from textinsight.lineage import LineageEvent
from textinsight.records import RunInfo, Theme
from textinsight.slices import (
    Change,
    compare,
    curated_themes,
    merged_into,
    previous_period,
    related_themes,
    theme_ids_of,
)
from textinsight.store import Store
from textinsight.store.curation import CurationChange
from textinsight.store.reads import FeedbackFilter

NEUTRAL_BAND = 0.1
"""Item sentiment within +-0.1 counts as neutral in the sentiment split."""

KINDS = ("pain_point", "loyalty_driver", "neutral")


@dataclass(frozen=True)
class FilterOptions:
    """The values the dashboard's filter pickers offer for a run."""

    channels: list[str]
    languages: list[str]
    segments: list[str]
    stores: list[str]
    metadata: list[str]
    kinds: list[str]
    first_day: str | None
    last_day: str | None


@dataclass(frozen=True)
class ThemeHistory:
    """A theme's lineage since it appeared and the analysts' curation of it."""

    theme_id: int
    lineage: list[tuple[int, str | None, LineageEvent]]
    """(run id, run finished at, event), oldest first."""
    curation: list[CurationChange] = field(default_factory=list)


def filter_options(store: Store, run: RunInfo) -> FilterOptions:
    """Distinct channels, languages, segments, stores, metadata fields and the date range."""
    found = store.reads.filter_options(run.id)
    days = found["dates"]
    return FilterOptions(
        channels=found["channels"],
        languages=found["languages"],
        segments=found["segments"],
        stores=found["stores"],
        metadata=found["metadata"],
        kinds=list(KINDS),
        first_day=days[0] if days else None,
        last_day=days[-1] if days else None,
    )


def period_changes(
    store: Store, run: RunInfo, where: FeedbackFilter
) -> tuple[FeedbackFilter, FeedbackFilter, list[Change]]:
    """(previous slice, current slice, per-theme change) for the theme list: the
    filter's period (default: the last 28 days of data) against the one before."""
    dates = store.reads.filter_options(run.id)["dates"]
    previous, current = previous_period(where, dates)
    return previous, current, compare(store, run, previous, current)


def sentiment_split(
    store: Store, run: RunInfo, theme_id: int, where: FeedbackFilter
) -> dict[str, int]:
    """How many of the theme's matching items are negative, neutral, positive, unknown."""
    ids = set(theme_ids_of(store, run, theme_id))
    split = {"negative": 0, "neutral": 0, "positive": 0, "unknown": 0}
    for _, tid, sentiment, _ in store.reads.slice_rows(run.id, where):
        if tid not in ids:
            continue
        if sentiment is None:
            split["unknown"] += 1
        elif sentiment < -NEUTRAL_BAND:
            split["negative"] += 1
        elif sentiment > NEUTRAL_BAND:
            split["positive"] += 1
        else:
            split["neutral"] += 1
    return split


def theme_history(store: Store, theme_id: int) -> ThemeHistory:
    """Lineage events naming the theme (kept, split, merged, new) and its curation."""
    finished = {r.id: r.finished_at for r in store.runs.all()}
    events = [(run_id, finished.get(run_id), e) for run_id, e in store.runs.theme_history(theme_id)]
    return ThemeHistory(theme_id, events, store.curation.history(theme_id))


def find_theme(store: Store, run: RunInfo, theme_id: int, where: FeedbackFilter) -> Theme:
    """The curated theme under ``where``; NotFoundError when absent from the slice."""
    for theme in curated_themes(store, run, where, include_hidden=True):
        if theme.id == theme_id:
            return theme
    store.runs.theme(run.id, theme_id)  # raises when the run has no such theme
    raise NotFoundError(f"Theme {theme_id} has no feedback matching the filters; widen them.")


# -- charts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartRequest:
    """What a chart is drawn from: a run, a filter, and per chart a theme, an interval
    or a second filter."""

    store: Store
    run: RunInfo
    where: FeedbackFilter
    theme_id: int | None = None
    interval: str = "week"
    other: FeedbackFilter | None = None
    names: tuple[str, str] = ("A", "B")


def _need_theme(req: ChartRequest) -> int:
    if req.theme_id is None:
        raise ValidationError("this chart needs a theme: add ?theme=ID", field="theme")
    return req.theme_id


def _impact(req: ChartRequest) -> charts.Figure:
    return charts.impact_figure(curated_themes(req.store, req.run, req.where))


def _map(req: ChartRequest) -> charts.Figure:
    return charts.map_figure(curated_themes(req.store, req.run, req.where))


def _trends(req: ChartRequest) -> charts.Figure:
    themes = curated_themes(req.store, req.run, req.where)[: charts.TREND_SERIES]
    return charts.trends_figure(trend_series(req.store, req.run, themes, req.interval, req.where))


def _theme_trend(req: ChartRequest) -> charts.Figure:
    ids = theme_ids_of(req.store, req.run, _need_theme(req))
    points = req.store.reads.trend(req.run.id, ids, req.interval, req.where)
    from textinsight.actions import actions_for_theme

    markers = [(a.date, f"action {a.id}") for a in actions_for_theme(req.store, ids[0], req.run.id)]
    return charts.theme_trend_figure(
        [(p.period, p.count, p.sentiment) for p in points], req.interval, markers
    )


def _sentiment(req: ChartRequest) -> charts.Figure:
    return charts.sentiment_figure(sentiment_split(req.store, req.run, _need_theme(req), req.where))


def _mix(req: ChartRequest) -> charts.Figure:
    return charts.mix_figure(find_theme(req.store, req.run, _need_theme(req), req.where).value)


def _compare(req: ChartRequest) -> charts.Figure:
    if req.other is None:
        raise ValidationError("the compare chart needs a second slice (b_* filters)", field="b")
    return charts.compare_figure(
        comparison_rows(req.store, req.run, req.where, req.other), req.names
    )


CHARTS: dict[str, Callable[[ChartRequest], charts.Figure]] = {
    "impact": _impact,
    "map": _map,
    "trends": _trends,
    "theme_trend": _theme_trend,
    "sentiment": _sentiment,
    "mix": _mix,
    "compare": _compare,
}
"""Chart name -> builder; ``GET /charts/{name}`` serves these."""


def chart(req: ChartRequest, name: str) -> charts.Figure:
    """The plotly figure ``name`` (one of :data:`CHARTS`) for ``req``."""
    if name not in CHARTS:
        raise ValidationError(
            f"unknown chart '{name}'; use one of {', '.join(CHARTS)}", field="name"
        )
    if req.interval not in ("day", "week", "month"):
        raise ValidationError(
            f"unknown interval '{req.interval}'; use day, week or month", field="interval"
        )
    return CHARTS[name](req)


def trend_series(
    store: Store, run: RunInfo, themes: list[Theme], interval: str, where: FeedbackFilter
) -> list[tuple[Theme, dict[str, int]]]:
    """(theme, {period start: count}) for ``themes``, merged themes counted with their target."""
    merged = merged_into(store, run)
    counts: dict[int, dict[str, int]] = {t.id: {} for t in themes}
    for tid, period, n, _ in store.reads.period_counts(run.id, interval, where):
        per = counts.get(merged.get(tid, tid))
        if per is not None:
            per[period] = per.get(period, 0) + n
    return [(t, counts[t.id]) for t in themes]


def comparison_rows(
    store: Store, run: RunInfo, a: FeedbackFilter, b: FeedbackFilter
) -> list[tuple[Theme, float, float, bool]]:
    """(theme, share in a, share in b, significant) for the compare chart, largest change first."""
    themes = {t.id: t for t in curated_themes(store, run)}
    return [
        (themes[c.theme_id], c.share_a, c.share_b, c.significant)
        for c in compare(store, run, a, b)
        if c.theme_id in themes
    ]


def report_html(
    store: Store, run_id: int | None = None, *, title: str = "textinsight report"
) -> str:
    """The static HTML report of a run (curated themes; merged ones counted with their
    target), drawn with the same figures as the dashboard."""
    from textinsight.actions import all_reports
    from textinsight.report import render_report

    run = store.runs.complete_run(run_id)
    themes = curated_themes(store, run)
    weekly = dict(
        (t.id, counts) for t, counts in trend_series(store, run, themes, "week", FeedbackFilter())
    )
    return render_report(run, themes, weekly, title=title, actions=all_reports(store, run.id))


__all__ = [
    "CHARTS",
    "ChartRequest",
    "FilterOptions",
    "ThemeHistory",
    "chart",
    "comparison_rows",
    "filter_options",
    "find_theme",
    "period_changes",
    "related_themes",
    "report_html",
    "sentiment_split",
    "theme_history",
    "trend_series",
]
