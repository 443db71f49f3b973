"""Files as Nordic offices export them: semicolon CSV, cp1252, ``Text`` headers, .xlsx,
day-first dates.

What can be told safely is detected; the rest is an option (``FileOptions``), and a
truly ambiguous case is an error that names the option to set:

* **Delimiter**: the header line's most frequent of ``,`` ``;`` tab ``|`` (Excel in
  sv/no/da locales writes ``;``); ``--delimiter`` overrides.
* **Encoding**: UTF-8 (a BOM is dropped). A file that is not valid UTF-8 anywhere
  and holds no UTF-8 multi-byte sequence at all, but decodes cleanly as Windows-1252
  (cp1252, a superset of Latin-1's letters), is read as cp1252 and the report says so.
  A file mixing valid UTF-8 with invalid bytes is damaged, not cp1252: its bad lines
  are errors, never guessed. ``--encoding`` overrides.
* **Column names** match case-insensitively (``Text``, ``TEXT``, ``Customer_ID``).
* **Dates**: ISO 8601, or ``02.12.2026`` (dotted dates are day-first everywhere they
  are written), or ``2/12/2026`` when one part is over 12; otherwise the error asks
  for ``--date-format dayfirst`` or ``monthfirst``.
* **.xlsx**: the first sheet, first row as header, read with openpyxl (read-only).
"""

from __future__ import annotations

import codecs
import contextvars
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from textinsight.errors import InvalidFileError, ValidationError

DELIMITERS = (",", ";", "\t", "|")
DATE_ORDERS = ("auto", "dayfirst", "monthfirst")
_SCAN_BYTES = 1 << 20


@dataclass(frozen=True)
class FileOptions:
    """How to read a file where detection is not enough.

    Attributes:
        delimiter: CSV delimiter (default: sniffed from the header line).
        encoding: text encoding (default: UTF-8, or cp1252 when detected safely).
        date_order: ``auto``, ``dayfirst`` or ``monthfirst`` for dates like 2/12/2026.
    """

    delimiter: str | None = None
    encoding: str | None = None
    date_order: str = "auto"

    def __post_init__(self) -> None:
        if self.delimiter is not None and len(self.delimiter) != 1:
            raise ValidationError(
                f"--delimiter '{self.delimiter}' must be one character, e.g. ';' or ','"
            )
        if self.encoding is not None:
            try:
                codecs.lookup(self.encoding)
            except LookupError:
                raise ValidationError(
                    f"--encoding '{self.encoding}' is not an encoding Python knows; use e.g. "
                    "utf-8, cp1252 or latin-1"
                ) from None
        if self.date_order not in DATE_ORDERS:
            raise ValidationError(
                f"--date-format '{self.date_order}' is not one of {', '.join(DATE_ORDERS)}"
            )


DATE_ORDER: contextvars.ContextVar[str] = contextvars.ContextVar("date_order", default="auto")
"""The date order of the file being read (set by ``ingest`` for its duration)."""


def sniff_delimiter(header: str) -> str:
    """The most frequent delimiter of a header line (``,`` when there is none).

    Example:
        >>> sniff_delimiter("text;channel;created_at")
        ';'
    """
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")


def detect_encoding(path: Path) -> str:
    """``utf-8``, or ``cp1252`` for a file that is clearly not UTF-8 but clean cp1252.

    Raises:
        InvalidFileError: neither UTF-8 nor cp1252 decodes it; names ``--encoding``.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8_ok = True
    saw_multibyte = False
    with path.open("rb") as handle:
        while chunk := handle.read(_SCAN_BYTES):
            saw_multibyte = saw_multibyte or bool(_UTF8_MULTIBYTE.search(chunk))
            if utf8_ok:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8_ok = False
            if not utf8_ok and saw_multibyte:
                return "utf-8"  # damaged UTF-8: its bad lines are reported, never guessed
    if utf8_ok or saw_multibyte:
        return "utf-8"
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_SCAN_BYTES):
                chunk.decode("cp1252")
    except UnicodeDecodeError:
        raise InvalidFileError(
            f"{path.name}: neither UTF-8 nor Windows-1252 (cp1252); pass --encoding with the "
            "file's encoding (e.g. latin-1, cp850) or re-save it as UTF-8"
        ) from None
    return "cp1252"


def canonical_header(names: Sequence[str], known: Sequence[str]) -> list[str]:
    """Header names with known fields matched case-insensitively (``Text`` -> ``text``)."""
    lookup = {name.lower(): name for name in known}
    return [lookup.get(n.strip().lower(), n.strip()) for n in names]


def read_xlsx(path: Path, known: Sequence[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(row number, values)`` of the first sheet; the first row is the header."""
    import openpyxl  # imported here: only .xlsx files need it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise InvalidFileError(
            f"{path.name}: not a readable .xlsx workbook ({type(exc).__name__}); save it "
            "again from Excel, or export it as CSV UTF-8"
        ) from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header_row = next(rows, None)
        if header_row is None:
            raise InvalidFileError(f"{path.name}: the first sheet is empty; expected a header")
        header = canonical_header(["" if v is None else str(v) for v in header_row], known)
        for number, values in enumerate(rows, start=2):
            if all(v is None or str(v).strip() == "" for v in values):
                continue
            yield (
                number,
                {name: _cell(value) for name, value in zip(header, values, strict=False) if name},
            )
    finally:
        book.close()


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    return value


_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def parse_local_date(value: str, order: str) -> date | None:
    """A ``DD.MM.YYYY`` or ``D/M/YYYY`` date, or ``None`` when ``value`` is neither.

    Raises:
        ValueError: a slashed date whose order cannot be told (both parts <= 12) with
            ``order`` ``auto``; the message names ``--date-format``.
    """
    dotted = _DOTTED.fullmatch(value)
    if dotted:
        day, month, year = (int(g) for g in dotted.groups())
        return date(year, month, day)
    slashed = _SLASHED.fullmatch(value)
    if not slashed:
        return None
    first, second, year = (int(g) for g in slashed.groups())
    if order == "auto":
        if first > 12 >= second:
            order = "dayfirst"
        elif second > 12 >= first:
            order = "monthfirst"
        elif first != second:
            raise ValueError(
                f"'{value}' could be day/month or month/day; pass --date-format dayfirst "
                "(Nordic) or monthfirst (US)"
            )
        else:
            order = "dayfirst"
    day, month = (first, second) if order == "dayfirst" else (second, first)
    return date(year, month, day)
