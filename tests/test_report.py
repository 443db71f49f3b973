"""Tests for the self-contained HTML report."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest

from textinsight import charts
from textinsight.errors import ValidationError
from textinsight.records import RunInfo, Theme
from textinsight.report import MAP_LABELS, TREND_SERIES, render_report

HOSTILE = '<script>alert("x")</script>'


def make_run(**overrides: object) -> RunInfo:
    fields: dict[str, object] = {
        "id": 7,
        "status": "complete",
        "is_current": True,
        "started_at": "2024-06-30T10:00:00",
        "finished_at": "2024-06-30T10:05:12",
        "seed": 42,
        "model_id": "paraphrase-multilingual-MiniLM-L12-v2",
        "params": {},
        "n_feedback": 1000,
        "n_themes": 3,
        "n_unassigned": 125,
        "n_embedded": 1000,
        "timings": {},
    }
    fields.update(overrides)
    return RunInfo(**fields)  # type: ignore[arg-type]


def make_theme(i: int, **overrides: object) -> Theme:
    fields: dict[str, object] = {
        "id": i,
        "run_id": 7,
        "label": f"Theme number {i}",
        "keywords": (f"kw{i}a", f"kw{i}b", "leverans"),
        "size": 100 - i,
        "share": (100 - i) / 1000,
        "quotes": (f"Quote one of theme {i}", f"Quote two of theme {i}"),
        "languages": {"sv": 40, "no": 22, "da": 12, "en": 30},
        "channels": {"review": 60, "ticket": 44},
        "sentiment": -0.5 + i / 20,
        "x": float(i),
        "y": float(i % 3),
    }
    fields.update(overrides)
    return Theme(**fields)  # type: ignore[arg-type]


def weeks(n: int, start: date = date(2024, 1, 1)) -> list[str]:
    return [(start + timedelta(days=7 * k)).isoformat() for k in range(n)]


class _Checker(HTMLParser):
    """Collects start tags and checks that every non-void element is closed."""

    VOID = {"meta", "input", "br", "img", "link", "circle", "rect", "line", "polyline"}

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        assert self.stack and self.stack[-1] == tag, f"unexpected </{tag}>, open: {self.stack}"
        self.stack.pop()


def parse(html: str) -> _Checker:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert checker.stack == [], f"unclosed elements: {checker.stack}"
    return checker


@pytest.fixture
def themes() -> list[Theme]:
    return [make_theme(i) for i in range(1, 11)]


@pytest.fixture
def weekly(themes: list[Theme]) -> dict[int, dict[str, int]]:
    return {t.id: {w: (t.id * k) % 17 for k, w in enumerate(weeks(26))} for t in themes}


def test_report_is_one_well_formed_document(themes, weekly):
    html = render_report(make_run(), themes, weekly, title="Q2 feedback")
    assert html.startswith("<!DOCTYPE html>")
    checker = parse(html)
    assert checker.tags.count("html") == 1
    assert checker.tags.count("body") == 1
    assert "<title>Q2 feedback</title>" in html


def test_report_contains_every_label_and_header_facts(themes, weekly):
    html = render_report(make_run(), themes, weekly)
    for t in themes:
        assert t.label in html
    assert "#7" in html
    assert "paraphrase-multilingual-MiniLM-L12-v2" in html
    assert "2024-06-30 10:05:12" in html
    assert "1,000" in html
    assert "12.5%" in html  # 125 unassigned of 1000
    assert "sv&nbsp;40 · en&nbsp;30 · no&nbsp;22 · da&nbsp;12" in html
    assert "Quote two of theme 3" in html
    assert "<details>" in html


def without_plotly(html: str) -> str:
    """The report with the inlined plotly.min.js taken out (checked separately)."""
    start = html.index('<script id="plotly-js">')
    end = html.index("</script>", start) + len("</script>")
    return html[:start] + html[end:]


def test_report_has_no_external_resources(themes, weekly):
    html = render_report(make_run(), themes, weekly)
    assert charts.plotly_js_text() in html  # plotly.js from the wheel, inlined
    rest = without_plotly(html)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", rest, re.I)
    assert "<link" not in rest
    assert "@import" not in rest
    assert "url(" not in rest
    assert "<script src" not in html
    assert rest.count("<script>") == 1  # the inline sort/filter/draw script


def figures(html: str) -> dict[str, dict]:
    """The plotly figures embedded in the report, by name."""
    found = re.findall(
        r'<script type="application/json" id="figure-(\w+)">(.*?)</script>', html, re.S
    )
    return {name: json.loads(data) for name, data in found}


def test_report_draws_the_shared_figures(themes, weekly):
    html = render_report(make_run(), themes, weekly)
    found = figures(html)
    assert set(found) == {"impact", "map", "trends"}
    assert found["map"] == json.loads(json.dumps(charts.map_figure(themes)))
    for name in found:
        assert f'<div class="chart" id="chart-{name}"' in html


def test_hostile_text_is_escaped():
    evil = make_theme(
        1,
        label=HOSTILE,
        quotes=(HOSTILE, "a & b \"quoted\" 'single'"),
        keywords=(HOSTILE,),
        languages={HOSTILE: 3},
        channels={"<b>chat</b>": 3},
    )
    html = render_report(make_run(model_id=HOSTILE), [evil], {1: {"2024-01-01": 3}}, title=HOSTILE)
    assert HOSTILE not in html
    assert "<b>chat</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert without_plotly(html).count("<script>") == 1
    assert figures(html)["map"]["data"][0]["text"][0] == HOSTILE  # intact once parsed
    parse(html)


def test_zero_themes_renders_a_clear_message():
    html = render_report(make_run(n_themes=0, n_unassigned=1000), [], {})
    parse(html)
    assert "No themes in this run" in html
    assert "plotly" not in html  # nothing to draw: no 4.6 MB of plotly.js either
    assert "100.0%" in html


def test_missing_run_counts_do_not_break_the_header():
    html = render_report(make_run(n_feedback=None, n_unassigned=None, finished_at=None), [], {})
    parse(html)
    assert "No themes in this run" in html


def test_map_has_one_point_per_theme_with_coordinates(themes, weekly):
    themes = [*themes, make_theme(11, x=None, y=None), make_theme(12, y=None)]
    html = render_report(make_run(), themes, weekly)
    trace = figures(html)["map"]["data"][0]
    assert len(trace["x"]) == 10 and trace["customdata"] == list(range(1, 11))
    assert "Theme number 11" in html  # still listed in the table
    for t, hover in zip(themes[:10], trace["hovertemplate"], strict=True):
        assert hover.startswith(f"<b>{t.label}</b>")


def test_map_labels_only_the_largest_themes():
    many = [make_theme(i, size=200 - i) for i in range(1, 31)]
    text = figures(render_report(make_run(), many, {}))["map"]["data"][0]["text"]
    assert sum(1 for t in text if t) == MAP_LABELS
    assert text[0] == "Theme number 1" and text[-1] == ""


def test_map_with_all_coordinates_none():
    themes = [make_theme(i, x=None, y=None) for i in range(1, 4)]
    html = render_report(make_run(), themes, {})
    parse(html)
    assert figures(html)["map"]["data"] == []
    assert "No map coordinates" in html


def test_trend_has_one_series_per_top_theme(themes, weekly):
    traces = figures(render_report(make_run(), themes, weekly))["trends"]["data"]
    assert len(traces) == TREND_SERIES
    # the largest themes (lowest ids here) are drawn, the smallest are not
    assert traces[0]["name"] == "Theme number 1"
    assert "Theme number 10" not in {t["name"] for t in traces}
    assert traces[0]["x"][0] == "2024-01-01" and traces[0]["x"][-1] == "2024-06-24"


def test_trend_with_few_themes_and_gaps():
    themes = [make_theme(1), make_theme(2)]
    weekly = {1: {"2024-01-01": 5, "2024-01-22": 2}, 2: {}}
    traces = figures(render_report(make_run(), themes, weekly))["trends"]["data"]
    assert len(traces) == 2
    # the missing weeks in between are filled with zeros: 4 points per series
    assert traces[0]["y"] == [5, 0, 0, 2] and traces[1]["y"] == [0, 0, 0, 0]


def test_bad_week_key_is_a_validation_error(themes):
    with pytest.raises(ValidationError, match="last week"):
        render_report(make_run(), themes, {1: {"last week": 3}})


def test_trend_with_one_week():
    html = render_report(make_run(), [make_theme(1)], {1: {"2024-01-01": 4}})
    assert len(figures(html)["trends"]["data"]) == 1


def test_empty_weekly_data(themes):
    html = render_report(make_run(), themes, {})
    parse(html)
    assert figures(html)["trends"]["data"] == []
    assert "No weekly data" in html


def test_numeric_columns_sort_by_raw_numbers():
    html = render_report(make_run(), [make_theme(1, size=12345, share=0.5)], {})
    assert '<td class="num" data-sort="12345">12,345</td>' in html
    assert 'data-sort="0.500000">50.0%</td>' in html


def test_sentiment_none_is_blank_and_neutral_on_the_map():
    html = render_report(make_run(), [make_theme(1, sentiment=None)], {})
    assert 'data-sort=""' in html
    assert figures(html)["map"]["data"][0]["marker"]["color"] == [0.0]
