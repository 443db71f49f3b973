"""A self-contained HTML report of one run: header, theme table, impact chart, theme
map and trends.

The report is one HTML file that works offline: inline CSS, the theme table, and the
charts as plotly figures built by :mod:`textinsight.charts` (the same figures the
dashboard draws), drawn by the ``plotly.min.js`` of the installed plotly package,
inlined. Every piece of text from the data (labels, keywords, quotes, model ids) is
HTML-escaped, and the figures' JSON carries no raw ``<``, ``>`` or ``&``.

Example:
    >>> html = render_report(run, themes, weekly)  # doctest: +SKIP
    >>> Path("report.html").write_text(html, encoding="utf-8")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from html import escape

from textinsight import charts
from textinsight.charts import KIND_COLOURS, MAP_LABELS, TREND_SERIES
from textinsight.records import ActionReport, RunInfo, Theme
from textinsight.report_actions import actions_section
from textinsight.value.summary import adjusted_note

__all__ = ["MAP_LABELS", "TREND_SERIES", "render_report"]

_NEGATIVE = (192, 57, 43)
_NEUTRAL = (150, 150, 150)
_POSITIVE = (39, 138, 82)
_UNKNOWN = "rgb(204,204,204)"

_STYLE = """
:root { --fg: #1f2328; --muted: #656d76; --line: #d8dee4; --bg-alt: #f6f8fa; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; color: var(--fg); margin: 0 auto; max-width: 1200px; padding: 24px 32px 48px;
  line-height: 1.45; font-size: 14px; }
h1 { font-size: 26px; margin: 0 0 12px; font-weight: 600; }
h2 { font-size: 18px; margin: 36px 0 6px; font-weight: 600; }
p.note { color: var(--muted); margin: 0 0 12px; }
dl.meta { display: flex; flex-wrap: wrap; gap: 8px 32px; margin: 0; padding: 12px 16px;
  background: var(--bg-alt); border: 1px solid var(--line); border-radius: 6px; }
dl.meta div { min-width: 90px; }
dl.meta dt { color: var(--muted); font-size: 12px; text-transform: uppercase;
  letter-spacing: .04em; }
dl.meta dd { margin: 0; font-size: 16px; font-weight: 600; }
.badge { color: #9a3412; background: #ffedd5; padding: 1px 8px; border-radius: 10px; }
.empty { padding: 32px; text-align: center; color: var(--muted); border: 1px dashed var(--line);
  border-radius: 6px; margin-top: 24px; font-size: 16px; }
input.filter { width: 320px; padding: 6px 10px; border: 1px solid var(--line);
  border-radius: 6px; font: inherit; margin: 4px 0 10px; }
table { border-collapse: collapse; width: 100%; }
th { text-align: left; font-size: 12px; color: var(--muted); font-weight: 600;
  border-bottom: 2px solid var(--line); padding: 6px 8px; cursor: pointer; user-select: none;
  white-space: nowrap; }
th:hover { color: var(--fg); }
th[aria-sort=ascending]::after { content: " \\25B2"; }
th[aria-sort=descending]::after { content: " \\25BC"; }
td { padding: 6px 8px; vertical-align: top; }
tbody { border-bottom: 1px solid var(--line); }
tbody:hover { background: var(--bg-alt); }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.label { font-weight: 600; min-width: 200px; }
td.small { color: var(--muted); font-size: 13px; }
tbody tr:first-child td { padding-bottom: 2px; }
tr.quotes td { padding-top: 0; padding-bottom: 6px; }
details summary { color: var(--muted); font-size: 12px; cursor: pointer; }
details ul { margin: 4px 0 8px; padding-left: 18px; }
details li { margin: 3px 0; font-style: italic; max-width: 820px; }
.sent { display: inline-block; min-width: 48px; text-align: center; border-radius: 4px;
  padding: 0 6px; font-weight: 600; }
.chart { width: 100%; min-height: 460px; border: 1px solid var(--line); border-radius: 6px; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
"""

_SCRIPT = """
(function () {
  var table = document.getElementById("themes");
  if (!table) return;
  var ths = table.querySelectorAll("th");
  ths.forEach(function (th, col) {
    th.addEventListener("click", function () {
      var desc = th.getAttribute("aria-sort") !== "descending";
      ths.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", desc ? "descending" : "ascending");
      var key = function (tb) {
        var td = tb.rows[0].cells[col], v = td.dataset.sort;
        if (v === undefined) v = td.textContent.trim().toLowerCase();
        return v === "" ? null : (isNaN(v) ? v : parseFloat(v));
      };
      var bodies = Array.prototype.slice.call(table.tBodies);
      bodies.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (x === null || y === null) return (x === null) - (y === null);
        return (x < y ? -1 : x > y ? 1 : 0) * (desc ? -1 : 1);
      });
      bodies.forEach(function (tb) { table.appendChild(tb); });
    });
  });
  document.querySelectorAll("script[type='application/json'][id^=figure-]").forEach(function (s) {
    var fig = JSON.parse(s.textContent);
    Plotly.newPlot(s.id.replace("figure-", "chart-"), fig.data, fig.layout,
      {displaylogo: false, responsive: true});
  });
  document.getElementById("filter").addEventListener("input", function (e) {
    var q = e.target.value.toLowerCase();
    Array.prototype.forEach.call(table.tBodies, function (tb) {
      tb.hidden = q !== "" && tb.textContent.toLowerCase().indexOf(q) < 0;
    });
  });
})();
"""


def render_report(
    run: RunInfo,
    themes: Sequence[Theme],
    weekly: Mapping[int, Mapping[str, int]],
    *,
    title: str = "textinsight report",
    actions: Sequence[ActionReport] = (),
) -> str:
    """Render one run as a self-contained HTML document.

    Args:
        run: the run the themes belong to (id, model, counts for the header).
        themes: the run's themes; ``Theme.share`` is a fraction of the run's feedback
            (0..1) and ``x``/``y`` are map coordinates in any scale (``None``: not drawn).
        weekly: theme id -> {ISO week-start date ``'YYYY-MM-DD'``: feedback count}.
        title: the document title and main heading.
        actions: the run's measured actions (a short "Actions" section when any).

    Returns:
        The HTML document as a string; write it to a ``.html`` file with UTF-8.

    Raises:
        ValidationError: a key of ``weekly`` is not an ISO date.
        ConfigError: plotly is not installed.

    Example:
        >>> html = render_report(run, themes, {}, title="Q3 feedback")  # doctest: +SKIP
    """
    ordered = sorted(themes, key=lambda t: (-t.size, t.id))
    plotly = f'<script id="plotly-js">{charts.plotly_js_text()}</script>\n' if ordered else ""
    if ordered:
        body = "\n".join(
            [
                "<h2>Themes</h2>",
                _theme_table(ordered),
                "<h2>Impact</h2>",
                '<p class="note">Pain points and loyalty drivers: the value of the customers'
                " behind each theme against how their churn or repurchase within 90 days"
                " after their feedback differs from customers with no feedback in any theme,"
                f" {escape(_adjusted(ordered))}. Impact is the money we are 95% sure moves"
                " with a theme; themes overlap, so never add it up. Hover a circle for"
                " details.</p>",
                _figure(
                    "impact", charts.impact_figure(ordered), "Impact: value affected vs effect"
                ),
                actions_section(actions, {t.id: t.label for t in ordered}),
                "<h2>Theme map</h2>",
                '<p class="note">Themes that are close together are similar; circle area'
                " shows size and colour shows sentiment. Hover a circle for details.</p>",
                _figure("map", charts.map_figure(ordered), "Theme map"),
                "<h2>Theme sizes over time</h2>",
                f'<p class="note">Feedback per week for the {min(len(ordered), TREND_SERIES)}'
                " largest themes.</p>",
                _figure(
                    "trends",
                    charts.trends_figure(
                        [(t, weekly.get(t.id, {})) for t in ordered[:TREND_SERIES]], "week"
                    ),
                    "Theme sizes over time",
                ),
            ]
        )
    else:
        body = '<p class="empty">No themes in this run.</p>'
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{escape(title)}</h1>\n{_header(run, len(ordered))}\n{body}\n"
        "<footer>Generated by textinsight. This file is self-contained and works offline."
        f"</footer>\n{plotly}<script>{_SCRIPT}</script>\n</body>\n</html>\n"
    )


def _header(run: RunInfo, n_themes: int) -> str:
    """The run's key facts as a definition list."""
    unassigned = "–"
    if run.n_unassigned is not None and run.n_feedback:
        unassigned = f"{run.n_unassigned / run.n_feedback:.1%}"
    facts = [
        ("Run", f"#{run.id}"),
        ("Model", run.model_id),
        ("Finished", (run.finished_at or "–").replace("T", " ")[:19]),
        ("Feedback", "–" if run.n_feedback is None else f"{run.n_feedback:,}"),
        ("Themes", f"{n_themes:,}"),
        ("Unassigned", unassigned),
    ]
    items = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in facts)
    if run.status != "complete":
        items += (
            f'<div><dt>Status</dt><dd><span class="badge">{escape(run.status)}</span></dd></div>'
        )
    return f'<dl class="meta">{items}</dl>'


def _sentiment_colour(sentiment: float | None) -> str:
    """Red (-1) through grey (0) to green (+1); light grey when unknown."""
    if sentiment is None or math.isnan(sentiment):
        return _UNKNOWN
    s = max(-1.0, min(1.0, sentiment))
    end = _POSITIVE if s > 0 else _NEGATIVE
    r, g, b = (round(n + (e - n) * abs(s)) for n, e in zip(_NEUTRAL, end, strict=True))
    return f"rgb({r},{g},{b})"


def _counts(counts: Mapping[str, int]) -> str:
    """``{"sv": 40, "en": 30}`` -> ``"sv 40 · en 30"`` (no-break spaces), largest first."""
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return " · ".join(f"{escape(k)}&nbsp;{v:,}" for k, v in ordered)


def _theme_table(themes: Sequence[Theme]) -> str:
    """The sortable, filterable theme table; one ``<tbody>`` per theme with its quotes."""
    headers = [
        "ID",
        "Theme",
        "Size",
        "Share",
        "Sentiment",
        "Kind",
        "Impact",
        "Languages",
        "Channels",
        "Keywords",
    ]
    head = "".join(f"<th>{h}</th>" for h in headers)
    bodies = []
    for t in themes:
        sentiment = ""
        if t.sentiment is not None:
            sentiment = (
                f'<span class="sent" style="background:{_sentiment_colour(t.sentiment)};'
                f'color:{"#fff" if abs(t.sentiment) >= 0.3 else "#1f2328"}">'
                f"{t.sentiment:+.2f}</span>"
            )
        quotes = "".join(f"<li>“{escape(q)}”</li>" for q in t.quotes)
        details = (
            f"<details><summary>{len(t.quotes)} quote{'s' if len(t.quotes) != 1 else ''}"
            f"</summary><ul>{quotes}</ul></details>"
            if t.quotes
            else ""
        )
        sort_sentiment = "" if t.sentiment is None else f"{t.sentiment:.4f}"
        bodies.append(
            f'<tbody><tr><td class="num">{t.id}</td><td class="label">{escape(t.label)}</td>'
            f'<td class="num" data-sort="{t.size}">{t.size:,}</td>'
            f'<td class="num" data-sort="{t.share:.6f}">{t.share:.1%}</td>'
            f'<td class="num" data-sort="{sort_sentiment}">{sentiment}</td>'
            f"{_value_cells(t)}"
            f'<td class="small">{_counts(t.languages)}</td>'
            f'<td class="small">{_counts(t.channels)}</td>'
            f'<td class="small">{escape(", ".join(t.keywords[:8]))}</td></tr>'
            f'<tr class="quotes"><td></td><td colspan="9">{details}</td></tr></tbody>'
        )
    return (
        '<input id="filter" class="filter" type="search" placeholder="Filter themes…"'
        ' aria-label="Filter themes">\n'
        f'<table id="themes"><thead><tr>{head}</tr></thead>\n' + "\n".join(bodies) + "</table>"
    )


def _adjusted(themes: Sequence[Theme]) -> str:
    """``adjusted for tenure, segment, ...`` from the run's value metrics."""
    value = next((t.value for t in themes if t.value is not None), None)
    return "unadjusted" if value is None else adjusted_note(value)


def _value_cells(theme: Theme) -> str:
    """The kind (coloured) and impact cells of a theme; blank without value metrics."""
    value = theme.value
    if value is None:
        return '<td></td><td class="num" data-sort=""></td>'
    colour = KIND_COLOURS.get(value.kind, "#969696")
    impact = "" if value.impact is None else f"{value.impact:,.0f}"
    return (
        f'<td class="small" style="color:{colour}">{escape(value.kind.replace("_", " "))}</td>'
        f'<td class="num" data-sort="{value.impact or 0:.2f}">{impact}</td>'
    )


def _figure(name: str, figure: charts.Figure, label: str) -> str:
    """A chart's container and its figure as JSON (drawn by the script at the end)."""
    data = json.dumps(figure, ensure_ascii=False, separators=(",", ":"))
    # no "<" in the JSON: a label like "</script>" cannot end the element early
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (
        f'<div class="chart" id="chart-{name}" role="img" aria-label="{escape(label)}"></div>\n'
        f'<script type="application/json" id="figure-{name}">{data}</script>'
    )
