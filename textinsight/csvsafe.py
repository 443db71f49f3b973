"""CSV cells that a spreadsheet will not run as formulas (OWASP "CSV injection").

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
prefixed with ``'``, which Excel, LibreOffice and Google Sheets show as text. Numbers
are written as they are. Every CSV textinsight writes goes through :func:`writer`.

Example:
    >>> safe_cell('=HYPERLINK("http://evil.example/?0","klick")')
    '\\'=HYPERLINK("http://evil.example/?0","klick")'
    >>> safe_cell(-0.5), safe_cell("c-42")
    (-0.5, 'c-42')
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value``, with a leading ``'`` when it is text a spreadsheet would evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """A ``csv.writer`` whose rows are neutralised cell by cell."""

    def __init__(self, out: TextIO, **options: Any):
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row."""
        self._writer.writerow([safe_cell(v) for v in row])


def writer(out: TextIO, **options: Any) -> SafeWriter:
    """A CSV writer over ``out`` (``csv.writer`` options) that neutralises formulas."""
    return SafeWriter(out, **options)
