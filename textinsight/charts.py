"""Every chart of the HTML report and the dashboard, as plotly figures, built once here.

A figure is a plain dict ``{"data": [...], "layout": {...}}`` in plotly.js's JSON
schema: the dashboard gets it from ``GET /charts/{name}`` and the report embeds it,
and both draw it with the same ``plotly.min.js``, the one shipped inside the
``plotly`` PyPI wheel (:func:`plotly_js`; never a CDN, so both work offline). Building
the dicts here, rather than with ``plotly.graph_objects``, keeps the import cheap;
``tests/test_charts.py`` validates them with ``plotly.graph_objects.Figure``.

Clicking a point: every theme point carries its theme id in ``customdata`` (the
dashboard opens the theme page on click).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from textinsight.errors import ConfigError, ValidationError
from textinsight.records import Theme, ThemeValue

Figure = dict[str, Any]
"""A plotly figure: ``{"data": [traces], "layout": {...}}``."""

KIND_COLOURS = {
    "pain_point": "#c0392b",
    "loyalty_driver": "#278a52",
    "contradiction": "#d68910",
    "exit": "#5d6d7e",
    "neutral": "#969696",
}
SERIES_COLOURS = (
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759",
    "#76b7b2", "#edc948", "#b07aa1", "#9c755f",
)  # fmt: skip
SENTIMENT_SCALE = [[0.0, "#c0392b"], [0.5, "#bdbdbd"], [1.0, "#278a52"]]
"""Red (-1) through grey (0) to green (+1)."""

MAP_LABELS = 10
"""How many of the largest themes get a text label on the theme map."""
TREND_SERIES = 8
"""How many of the largest themes the report's trend chart draws."""

_FONT = {"family": 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif', "size": 12}
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d"]}
"""plotly.js config used for every chart (no link to plotly's site)."""


def plotly_js() -> Path:
    """The ``plotly.min.js`` inside the installed ``plotly`` package.

    Raises:
        ConfigError: plotly is not installed.
    """
    spec = find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("plotly is not installed; `pip install 'plotly>=5.20'` for charts")
    path = Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise ConfigError(f"plotly.min.js is missing from {path.parent}; reinstall plotly")
    return path


@lru_cache(maxsize=1)
def plotly_js_text() -> str:
    """The text of :func:`plotly_js`, read once (about 4.6 MB)."""
    return plotly_js().read_text(encoding="utf-8")


def _layout(title: str = "", **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "font": _FONT,
        "margin": {"l": 56, "r": 16, "t": 40 if title else 16, "b": 48},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "hoverlabel": {"align": "left"},
        "legend": {"orientation": "h", "y": -0.2},
    }
    if title:
        layout["title"] = {"text": title, "x": 0, "font": {"size": 14}}
    layout.update(extra)
    return layout


def _empty(message: str) -> Figure:
    """A blank figure that says why it is blank."""
    return {
        "data": [],
        "layout": _layout(
            xaxis={"visible": False},
            yaxis={"visible": False},
            annotations=[
                {
                    "text": message,
                    "showarrow": False,
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0.5,
                    "y": 0.5,
                    "font": {"size": 14, "color": "#656d76"},
                }
            ],
        ),
    }


def outcome_effect(value: ThemeValue) -> float | None:
    """Signed effect in percentage points (up = better), the one that drives impact."""
    candidates = []
    if value.churn_diff is not None:
        candidates.append((abs(value.churn_diff) * (1 - (value.churn_q or 1.0)), -value.churn_diff))
    if value.repurchase_diff is not None:
        weight = abs(value.repurchase_diff) * (1 - (value.repurchase_q or 1.0))
        candidates.append((weight, value.repurchase_diff))
    if not candidates:
        return None
    return 100 * max(candidates)[1]


def _kind_name(kind: str) -> str:
    return kind.replace("_", " ")


def impact_figure(themes: Sequence[Theme]) -> Figure:
    """Customer value affected (log x) against the outcome effect (y, percentage points,
    up = better than baseline), circle area = customers, colour = kind."""
    points = [
        (t, t.value, effect)
        for t in themes
        if t.value is not None
        and t.value.value_total
        and (effect := outcome_effect(t.value)) is not None
    ]
    if not points:
        return _empty("No value metrics: ingest customers and purchases, then run.")
    largest = max(v.customers for _, v, _ in points) or 1
    traces = []
    for kind, colour in KIND_COLOURS.items():
        group = [(t, v, e) for t, v, e in points if v.kind == kind]
        if not group:
            continue
        traces.append(
            {
                "type": "scatter",
                "mode": "markers+text" if kind != "neutral" else "markers",
                "name": _kind_name(kind),
                "x": [v.value_total for _, v, _ in group],
                "y": [round(e, 2) for _, _, e in group],
                "text": [t.label for t, _, _ in group],
                "textposition": "top center",
                "textfont": {"size": 11},
                "customdata": [t.id for t, _, _ in group],
                "marker": {
                    "color": colour,
                    "opacity": 0.75,
                    "size": [8 + 36 * math.sqrt(v.customers / largest) for _, v, _ in group],
                    "line": {"color": "#ffffff", "width": 1},
                },
                "hovertemplate": [
                    f"<b>{_html(t.label)}</b><br>{_kind_name(v.kind)}<br>"
                    f"{v.customers:,} customers, value {v.value_total or 0:,.0f}<br>"
                    f"effect {e:+.1f} pp, impact {v.impact or 0:,.0f}<extra></extra>"
                    for t, v, e in group
                ],
            }
        )
    return {
        "data": traces,
        "layout": _layout(
            xaxis={"title": {"text": "customer value affected (log scale)"}, "type": "log"},
            yaxis={
                "title": {"text": "outcome vs baseline, pp (up = better)"},
                "zeroline": True,
                "zerolinecolor": "#999",
            },
            hovermode="closest",
        ),
    }


def map_figure(themes: Sequence[Theme], labels: int = MAP_LABELS) -> Figure:
    """Themes at their 2-D map positions; area = size, colour = sentiment."""
    placed = sorted(
        (t for t in themes if t.x is not None and t.y is not None), key=lambda t: (-t.size, t.id)
    )
    if not placed:
        return _empty("No map coordinates in this run.")
    largest = max(t.size for t in placed) or 1
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "markers+text",
                "name": "themes",
                "x": [t.x for t in placed],
                "y": [t.y for t in placed],
                "text": [t.label if i < labels else "" for i, t in enumerate(placed)],
                "textposition": "bottom center",
                "textfont": {"size": 11},
                "customdata": [t.id for t in placed],
                "marker": {
                    "size": [6 + 44 * math.sqrt(max(t.size, 0) / largest) for t in placed],
                    "color": [0.0 if t.sentiment is None else t.sentiment for t in placed],
                    "cmin": -1,
                    "cmax": 1,
                    "colorscale": SENTIMENT_SCALE,
                    "colorbar": {"title": {"text": "sentiment"}, "thickness": 12},
                    "opacity": 0.8,
                    "line": {"color": "#ffffff", "width": 1},
                },
                "hovertemplate": [
                    f"<b>{_html(t.label)}</b><br>{t.size:,} feedback ({t.share:.1%})"
                    + ("" if t.sentiment is None else f", sentiment {t.sentiment:+.2f}")
                    + f"<br>{_html(', '.join(t.keywords[:8]))}<extra></extra>"
                    for t in placed
                ],
            }
        ],
        "layout": _layout(
            xaxis={"visible": False},
            yaxis={"visible": False},
            hovermode="closest",
            showlegend=False,
            height=520,
        ),
    }


def zero_filled(periods: Sequence[str], interval: str) -> list[str]:
    """Every period start from the first to the last of ``periods`` (ISO days).

    Example:
        >>> zero_filled(["2024-01-01", "2024-01-15"], "week")
        ['2024-01-01', '2024-01-08', '2024-01-15']
    """
    days = []
    for key in periods:
        try:
            days.append(date.fromisoformat(key))
        except ValueError:
            raise ValidationError(
                f"period {key!r} is not a date. Use ISO dates like '2024-03-04'.",
                field="period",
            ) from None
    if not days:
        return []
    first, last = min(days), max(days)
    out, day = [], first
    while day <= last:
        out.append(day.isoformat())
        if interval == "day":
            day += timedelta(days=1)
        elif interval == "week":
            day += timedelta(days=7)
        else:
            day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return sorted(set(out) | {d.isoformat() for d in days})


def trends_figure(
    series: Sequence[tuple[Theme, Mapping[str, int]]], interval: str = "week"
) -> Figure:
    """Feedback per period, one line per theme, zero-filled between first and last."""
    periods = zero_filled(sorted({p for _, counts in series for p in counts}), interval)
    if not periods:
        return _empty(f"No {interval}ly data for these themes.")
    traces = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": t.label,
            "x": periods,
            "y": [int(counts.get(p, 0)) for p in periods],
            "customdata": [t.id] * len(periods),
            "line": {"color": SERIES_COLOURS[k % len(SERIES_COLOURS)], "width": 2},
            "marker": {"size": 4},
            "hovertemplate": f"<b>{_html(t.label)}</b><br>{interval} of %{{x}}: %{{y:,}}"
            "<extra></extra>",
        }
        for k, (t, counts) in enumerate(series)
    ]
    return {
        "data": traces,
        "layout": _layout(
            xaxis={"title": {"text": f"{interval} starting"}, "type": "date"},
            yaxis={"title": {"text": "feedback"}, "rangemode": "tozero"},
            hovermode="closest",
        ),
    }


def theme_trend_figure(
    points: Sequence[tuple[str, int, float | None]],
    interval: str = "week",
    markers: Sequence[tuple[str, str]] = (),
) -> Figure:
    """One theme's count per period (bars) and mean sentiment (line, right axis), with a
    dashed vertical line and a label at each marker (date, text): the theme's actions."""
    counts = {p: n for p, n, _ in points}
    sentiment = {p: s for p, _, s in points}
    periods = zero_filled(sorted(counts), interval)
    if not periods:
        return _empty("No dated feedback in this theme.")
    lines = [
        {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": day,
            "x1": day,
            "y0": 0,
            "y1": 1,
            "line": {"color": "#59a14f", "width": 2, "dash": "dash"},
        }
        for day, _ in markers
    ]
    labels = [
        {
            "x": day,
            "y": 1,
            "xref": "x",
            "yref": "paper",
            "text": text,
            "showarrow": False,
            "xanchor": "left",
            "yanchor": "top",
            "font": {"color": "#59a14f"},
        }
        for day, text in markers
    ]
    return {
        "data": [
            {
                "type": "bar",
                "name": "feedback",
                "x": periods,
                "y": [counts.get(p, 0) for p in periods],
                "marker": {"color": "#4e79a7"},
                "hovertemplate": f"{interval} of %{{x}}: %{{y:,}} feedback<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "mean sentiment",
                "x": periods,
                "y": [sentiment.get(p) for p in periods],
                "yaxis": "y2",
                "connectgaps": False,
                "line": {"color": "#f28e2b", "width": 2},
                "hovertemplate": "sentiment %{y:+.2f}<extra></extra>",
            },
        ],
        "layout": _layout(
            xaxis={"type": "date"},
            yaxis={"title": {"text": "feedback"}, "rangemode": "tozero"},
            yaxis2={
                "title": {"text": "sentiment"},
                "overlaying": "y",
                "side": "right",
                "range": [-1.05, 1.05],
                "tickvals": [-1, -0.5, 0, 0.5, 1],
                "zeroline": False,
                "showgrid": False,
            },
            bargap=0.15,
            margin={"l": 56, "r": 56, "t": 16, "b": 48},
            shapes=lines,
            annotations=labels,
        ),
    }


def sentiment_figure(split: Mapping[str, int]) -> Figure:
    """Negative / neutral / positive / unknown counts as one stacked horizontal bar."""
    if not sum(split.values()):
        return _empty("No feedback.")
    colours = {
        "negative": "#c0392b",
        "neutral": "#bdbdbd",
        "positive": "#278a52",
        "unknown": "#e5e7eb",
    }
    total = sum(split.values())
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": name,
                "y": ["sentiment"],
                "x": [split.get(name, 0)],
                "marker": {"color": colour},
                "hovertemplate": f"{name}: %{{x:,}} ({split.get(name, 0) / total:.0%})"
                "<extra></extra>",
            }
            for name, colour in colours.items()
            if split.get(name)
        ],
        "layout": _layout(
            barmode="stack",
            height=150,
            yaxis={"visible": False},
            margin={"l": 16, "r": 16, "t": 8, "b": 56},
            legend={"orientation": "h", "y": -0.45},
        ),
    }


def mix_figure(value: ThemeValue | None) -> Figure:
    """The theme's customers by lifecycle phase and by loyalty (shares, two bar rows)."""
    if value is None or not (value.phases or value.loyalty):
        return _empty("No lifecycle or loyalty data: ingest customers and purchases.")
    traces = []
    for row, mix in (("lifecycle", value.phases or {}), ("loyalty", value.loyalty or {})):
        for k, (name, share) in enumerate(mix.items()):
            traces.append(
                {
                    "type": "bar",
                    "orientation": "h",
                    "name": f"{row}: {name}",
                    "y": [row],
                    "x": [share],
                    "marker": {"color": SERIES_COLOURS[k % len(SERIES_COLOURS)]},
                    "hovertemplate": f"{row} {name}: %{{x:.0%}}<extra></extra>",
                    "showlegend": True,
                }
            )
    return {
        "data": traces,
        "layout": _layout(
            barmode="stack",
            height=240,
            xaxis={"tickformat": ".0%", "range": [0, 1]},
            margin={"l": 72, "r": 16, "t": 8, "b": 40},
            legend={"orientation": "h", "y": -0.3, "font": {"size": 10}},
        ),
    }


def compare_figure(
    rows: Sequence[tuple[Theme, float, float, bool]], names: tuple[str, str] = ("A", "B")
) -> Figure:
    """Each theme's share of slice A next to its share of slice B (horizontal bars);
    significant changes are starred in the axis label."""
    if not rows:
        return _empty("No themes in either slice.")
    labels = [f"{'★ ' if sig else ''}{t.label}" for t, _, _, sig in rows]
    ids = [t.id for t, _, _, _ in rows]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": names[i],
                "y": labels,
                "x": [r[1 + i] for r in rows],
                "customdata": ids,
                "marker": {"color": ("#9ecae1", "#3182bd")[i]},
                "hovertemplate": f"{_html(names[i])}: %{{x:.1%}}<extra></extra>",
            }
            for i in range(2)
        ],
        "layout": _layout(
            barmode="group",
            height=max(260, 34 * len(rows) + 80),
            xaxis={"tickformat": ".0%", "title": {"text": "share of the slice's feedback"}},
            yaxis={"autorange": "reversed", "automargin": True},
            margin={"l": 16, "r": 16, "t": 16, "b": 48},
        ),
    }


def _html(text: str) -> str:
    """Escape text for plotly's hover templates (they render a subset of HTML)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("%{", "% {")
