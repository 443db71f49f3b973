"""CSV cells that a spreadsheet will not run as formulas (OWASP "CSV injection").

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
prefixed with ``'``, which Excel, LibreOffice and Google Sheets show as text. Numbers
are written as they are. Every CSV textinsight writes goes through it
(``export.csv_lines``).

Example:
    >>> safe_cell('=HYPERLINK("http://evil.example/?0","klick")')
    '\\'=HYPERLINK("http://evil.example/?0","klick")'
    >>> safe_cell(-0.5), safe_cell("c-42")
    (-0.5, 'c-42')
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value``, with a leading ``'`` when it is text a spreadsheet would evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
