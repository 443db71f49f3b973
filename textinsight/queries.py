"""Read a complete run the way readers ask for it: filtered, sorted and paginated.

Plain functions over a :class:`~textinsight.store.Store`, used by the HTTP API and
usable from any Python code. Only complete runs are read (``run_id=None``: the
current one).

Value metrics (``Theme.value``: ``kind``, ``impact``, ``churn_lift``, ...) come from the
value stage; for a run without them, sorting by them falls back to ``size`` and
filtering by ``kind`` is ignored, and both are reported in the result rather than
failing.

Example:
    >>> from textinsight.store import Store
    >>> store = Store(":memory:")
    >>> list_themes(store)  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    textinsight.errors.NoRunError: No complete run in this database yet.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Generic, TypeVar

from textinsight.actions import theme_actions
from textinsight.errors import ValidationError
from textinsight.filters import check_page
from textinsight.lineage import LineageEvent
from textinsight.records import LEVELS, ActionReport, RunInfo, Theme, theme_json
from textinsight.slices import curated_themes, theme_ids_of
from textinsight.store import Store
from textinsight.store.reads import AssignedFeedback, Facets, FeedbackFilter, TrendPoint

__all__ = [
    "INTERVALS",
    "SORT_KEYS",
    "VALUE_METRICS",
    "Page",
    "ThemeDetail",
    "ThemeListing",
    "ThemeRow",
    "has_metric",
    "list_runs",
    "list_themes",
    "record_dict",
    "sorted_rows",
    "theme_detail",
    "theme_dict",
    "theme_feedback",
    "theme_metric",
    "theme_rows",
    "theme_sort_key",
    "theme_trend",
]

T = TypeVar("T")

SORT_KEYS = ("impact", "size", "sentiment", "churn_lift")
"""Theme sort keys: ``sentiment`` ascending (most negative first), the others descending."""

INTERVALS = ("day", "week", "month")
"""Trend periods; weeks start on Monday."""

VALUE_METRICS = ("kind", "impact", "churn_lift", "revenue_at_risk")
"""Metrics read from ``Theme.value``; every other name is a ``Theme`` field."""


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a longer list: ``total`` counts every item, not only this page's."""

    items: list[T]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class ThemeRow:
    """A theme and, under a feedback filter, how many of its feedback items match."""

    theme: Theme
    matching: int | None = None

    def metric(self, name: str) -> Any:
        """See :func:`theme_metric`."""
        return theme_metric(self.theme, name)


def theme_metric(theme: Theme, name: str) -> Any:
    """A value metric (:data:`VALUE_METRICS`) or theme field by name; ``None`` when the
    run has no value for it."""
    if name in VALUE_METRICS:
        return getattr(theme.value, name, None)
    return getattr(theme, name)


@dataclass(frozen=True)
class ThemeListing:
    """The answer of :func:`list_themes`.

    Attributes:
        sort: the key actually used (``size`` when the requested one has no values).
        sort_requested: the key asked for.
        ignored_filters: filters that could not apply to this run (``kind`` when the
            run has no value metrics).
    """

    run: RunInfo
    page: Page[ThemeRow]
    sort: str
    sort_requested: str
    ignored_filters: tuple[str, ...] = ()


@dataclass(frozen=True)
class ThemeDetail:
    """One theme with its current per-channel/per-language counts, weekly trend,
    lineage history (``(run id, event)`` for every run that recorded the theme, oldest
    first) and the actions logged against it (measured)."""

    run: RunInfo
    row: ThemeRow
    assigned: Facets
    trend: list[TrendPoint]
    history: list[tuple[int, LineageEvent]] = field(default_factory=list)
    actions: list[ActionReport] = field(default_factory=list)


# -- runs and themes -----------------------------------------------------------------


def list_runs(store: Store, *, limit: int = 50, offset: int = 0) -> Page[RunInfo]:
    """All runs (any status), newest first, one page of them."""
    check_page(limit, offset)
    runs = store.runs.all()
    return Page(runs[offset : offset + limit], len(runs), limit, offset)


def theme_rows(store: Store, run: RunInfo, where: FeedbackFilter | None = None) -> list[ThemeRow]:
    """The run's themes as listed (unsorted): curated, and recomputed under an active filter
    (:func:`textinsight.slices.curated_themes`), with ``matching`` set then."""
    themes = curated_themes(store, run, where)
    active = where is not None and where.active
    return [ThemeRow(t, t.size if active else None) for t in themes]


def _category_rows(store: Store, run: RunInfo) -> list[ThemeRow]:
    return [ThemeRow(c) for c in store.categories.all(run.id)]


def _per_category(themes: Sequence[Theme], counts: dict[int, int]) -> dict[int, int]:
    """Theme id -> count summed into category id -> count (via ``parent_id``)."""
    out: dict[int, int] = {}
    for theme in themes:
        if theme.parent_id is not None and theme.id in counts:
            out[theme.parent_id] = out.get(theme.parent_id, 0) + counts[theme.id]
    return out


def has_metric(rows: Sequence[ThemeRow], name: str) -> bool:
    """Whether any of ``rows`` has a value for the metric ``name``."""
    return any(r.metric(name) is not None for r in rows)


def theme_sort_key(key: str) -> Callable[[Theme], tuple[int, float, int, int]]:
    """The ordering of :data:`SORT_KEYS` as a ``sorted`` key over themes: ``sentiment``
    most negative first, the others largest first; themes without the metric last,
    ties by size (largest first) and id.

    Example:
        >>> ranked = sorted(themes, key=theme_sort_key("impact"))  # doctest: +SKIP
    """
    sign = 1.0 if key == "sentiment" else -1.0

    def order(theme: Theme) -> tuple[int, float, int, int]:
        value = theme_metric(theme, key)
        missing = value is None
        return (int(missing), 0.0 if missing else sign * float(value), -theme.size, theme.id)

    return order


def sorted_rows(rows: list[ThemeRow], key: str) -> list[ThemeRow]:
    """``rows`` in the order of :func:`theme_sort_key`."""
    order = theme_sort_key(key)
    return sorted(rows, key=lambda row: order(row.theme))


def list_themes(
    store: Store,
    run_id: int | None = None,
    *,
    where: FeedbackFilter | None = None,
    kind: str | None = None,
    min_size: int | None = None,
    q: str | None = None,
    sort: str = "impact",
    limit: int = 50,
    offset: int = 0,
    level: str = "theme",
) -> ThemeListing:
    """The themes (or, at ``level="category"``, categories) of a run, filtered, sorted
    and paginated.

    Args:
        where: recompute every theme's size, share, sentiment and value metrics over
            the feedback matching this filter (themes with none left out); ``matching``
            repeats the recomputed size.
        kind: keep themes of this kind (``pain_point``, ``loyalty_driver``, ...);
            ignored (and listed in ``ignored_filters``) when the run has no value metrics.
        min_size: keep themes with at least this many feedback items.
        q: keep themes whose label or a keyword contains this text (any case).
        sort: one of :data:`SORT_KEYS`; a key without values in this run falls back
            to ``size``.

    Raises:
        NoRunError: no complete run yet. NotFoundError: unknown or incomplete run.
        ValidationError: a bad sort key or page.
    """
    if sort not in SORT_KEYS:
        raise ValidationError(
            f"unknown sort key '{sort}'; use one of {', '.join(SORT_KEYS)}", field="sort"
        )
    check_page(limit, offset)
    if level not in LEVELS:
        raise ValidationError(
            f"unknown level '{level}'; use one of {', '.join(LEVELS)}", field="level"
        )
    run = store.runs.complete_run(run_id)
    if level == "theme":
        rows = theme_rows(store, run, where)
    else:
        rows = _category_rows(store, run)
        if where is not None and where.active:
            counts = _per_category(
                store.runs.themes(run.id), store.reads.theme_match_counts(run.id, where)
            )
            rows = [ThemeRow(r.theme, counts[r.theme.id]) for r in rows if r.theme.id in counts]
    ignored: list[str] = []
    if kind is not None:
        if has_metric(rows, "kind"):
            rows = [r for r in rows if r.metric("kind") == kind]
        else:
            ignored.append("kind")
    if min_size is not None:
        rows = [r for r in rows if r.theme.size >= min_size]
    if q:
        needle = q.casefold()
        rows = [
            r
            for r in rows
            if needle in r.theme.label.casefold()
            or any(needle in k.casefold() for k in r.theme.keywords)
        ]
    applied = sort if has_metric(rows, sort) else "size"
    rows = sorted_rows(rows, applied)
    page = Page(rows[offset : offset + limit], len(rows), limit, offset)
    return ThemeListing(run, page, applied, sort, tuple(ignored))


def theme_detail(store: Store, theme_id: int, run_id: int | None = None) -> ThemeDetail:
    """One theme with its value metrics, current counts, weekly trend, lineage history
    and actions.

    Raises:
        NotFoundError: the theme is not in the run.
    """
    run = store.runs.complete_run(run_id)
    found = [t for t in curated_themes(store, run, include_hidden=True) if t.id == theme_id]
    row = ThemeRow(found[0] if found else store.runs.theme(run.id, theme_id))
    return ThemeDetail(
        run=run,
        row=row,
        assigned=store.reads.facets(run.id, theme_id),
        trend=store.reads.trend(
            run.id, theme_ids_of(store, run, theme_id), "week", FeedbackFilter()
        ),
        history=store.runs.theme_history(theme_id),
        actions=theme_actions(store, theme_id, run.id),
    )


def theme_feedback(
    store: Store,
    theme_id: int,
    run_id: int | None = None,
    *,
    where: FeedbackFilter | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[RunInfo, Page[AssignedFeedback]]:
    """A theme's feedback, most typical (highest membership probability) first."""
    check_page(limit, offset)
    run = store.runs.complete_run(run_id)
    store.runs.theme(run.id, theme_id)
    total, items = store.reads.feedback_page(
        run.id,
        theme_ids_of(store, run, theme_id),
        where or FeedbackFilter(),
        limit=limit,
        offset=offset,
    )
    return run, Page(items, total, limit, offset)


def theme_trend(
    store: Store,
    theme_id: int,
    run_id: int | None = None,
    *,
    interval: str = "week",
    where: FeedbackFilter | None = None,
) -> tuple[RunInfo, list[TrendPoint]]:
    """Feedback count and mean sentiment of a theme per day, week or month."""
    if interval not in INTERVALS:
        raise ValidationError(
            f"unknown interval '{interval}'; use one of {', '.join(INTERVALS)}", field="interval"
        )
    run = store.runs.complete_run(run_id)
    store.runs.theme(run.id, theme_id)
    ids = theme_ids_of(store, run, theme_id)
    return run, store.reads.trend(run.id, ids, interval, where or FeedbackFilter())


def record_dict(record: Any) -> dict[str, Any]:
    """A dataclass record's fields as a dict, shallow (``dataclasses.asdict`` deep-copies,
    which costs more than the query on a page of themes)."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


def theme_dict(row: ThemeRow) -> dict[str, Any]:
    """A theme in the flat JSON form of ``textinsight themes --format json``
    (:func:`~textinsight.records.theme_json`) plus its match count."""
    return {**theme_json(row.theme), "matching": row.matching}
