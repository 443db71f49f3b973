"""Flat CSV text for BI tools, the CLI and the API: one cell encoder for every table.

Example:
    >>> print(csv_text(["label", "keywords", "languages"], [["late", ["a", "b"], {"sv": 3}]]))
    label,keywords,languages
    late,a; b,sv:3
    <BLANKLINE>
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from textinsight.csvsafe import safe_cell
from textinsight.records import Theme, theme_json

THEME_CSV_SKIPPED = ("quotes", "x", "y")
"""Fields of :func:`~textinsight.records.theme_json` left out of the themes CSV."""


def csv_cell(value: Any) -> str:
    """One value as CSV text: ``None`` empty, a list ``a; b``, a dict ``k:v k:v``
    (floats in a dict to 3 significant digits), anything else ``str``."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return " ".join(
            f"{k}:{format(v, '.3g') if isinstance(v, float) else v}" for k, v in value.items()
        )
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return str(value)


def _safe(value: Any) -> str:
    """:func:`csv_cell`, with text a spreadsheet would run as a formula neutralised
    (``csvsafe``); numbers are written as they are, negative ones included."""
    text = csv_cell(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return text
    return str(safe_cell(text))


def csv_lines(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The header line, then one line per row (streamed: memory does not grow)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    yield _take(out)
    for row in rows:
        writer.writerow([_safe(v) for v in row])
        yield _take(out)


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """:func:`csv_lines` joined."""
    return "".join(csv_lines(columns, rows))


def themes_csv(themes: Sequence[Theme]) -> str:
    """Themes as CSV: every field of ``theme_json`` but quotes and map coordinates."""
    rows = [theme_json(t) for t in themes]
    columns = [c for c in (rows[0] if rows else {}) if c not in THEME_CSV_SKIPPED]
    return csv_text(columns, ([row[c] for c in columns] for row in rows))


def _take(out: io.StringIO) -> str:
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text
