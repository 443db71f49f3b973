"""Streaming readers for CSV and JSONL files.

Both yield ``(line, row)`` pairs: the 1-based line where the row starts and a dict of
its raw string (CSV) or JSON (JSONL) values, or a ``ValidationError`` in place of the
row when that line cannot be read. Files are read line by line, so memory does not
grow with file size.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from textinsight.errors import InvalidFileError, ValidationError

RawRow = tuple[int, dict[str, Any] | ValidationError]

FORMATS = ("csv", "jsonl")


def detect_format(path: Path) -> str:
    """Tell the format from the file suffix (``.csv``, ``.jsonl``, ``.ndjson``)."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    raise InvalidFileError(
        f"{path.name}: unknown file type '{suffix or '(none)'}'. "
        "Use a .csv file with a header row or a .jsonl file with one JSON object per line."
    )


def read_rows(path: str | Path) -> Iterator[RawRow]:
    """Yield ``(line, row)`` from a CSV or JSONL file, chosen by suffix."""
    path = Path(path)
    if not path.is_file():
        raise InvalidFileError(f"{path}: no such file. Check the path.")
    fmt = detect_format(path)
    return _read_csv(path) if fmt == "csv" else _read_jsonl(path)


class _DecodedLines:
    """Decode a binary file line by line as strict UTF-8, remembering bad lines.

    UTF-8 re-synchronises at every newline, so decoding each line alone is exact.
    """

    def __init__(self, path: Path):
        self._handle = path.open("rb")
        self.line = 0
        self.bad: dict[int, str] = {}

    def __iter__(self) -> Iterator[str]:
        with self._handle:
            for raw in self._handle:
                self.line += 1
                if self.line == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                try:
                    yield raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    self.bad[self.line] = (
                        f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1}); "
                        "re-save the file as UTF-8"
                    )
                    yield raw.decode("utf-8", errors="replace")


def _read_csv(path: Path) -> Iterator[RawRow]:
    lines = _DecodedLines(path)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidFileError(f"{path.name}: the file is empty; expected a header row.") from None
    if 1 in lines.bad:
        raise InvalidFileError(f"{path.name}: line 1: header is {lines.bad[1]}")
    header = [h.strip() for h in header]
    if len(set(header)) != len(header) or "" in header:
        raise InvalidFileError(
            f"{path.name}: line 1: the header has empty or repeated column names: {header}"
        )
    start = lines.line + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, ValidationError(f"malformed CSV ({exc}); check the quoting", line=start)
            start = lines.line + 1
            continue
        bad = [lines.bad[n] for n in range(start, lines.line + 1) if n in lines.bad]
        line, start = start, lines.line + 1
        if bad:
            yield line, ValidationError(bad[0], line=line)
        elif not any(v.strip() for v in values):
            continue
        elif len(values) != len(header):
            yield (
                line,
                ValidationError(
                    f"has {len(values)} values but the header has {len(header)} columns; "
                    "quote values that contain commas",
                    line=line,
                ),
            )
        else:
            yield line, dict(zip(header, values, strict=True))


def _read_jsonl(path: Path) -> Iterator[RawRow]:
    lines = _DecodedLines(path)
    for text in lines:
        line = lines.line
        if line in lines.bad:
            yield line, ValidationError(lines.bad[line], line=line)
            continue
        if not text.strip():
            continue
        try:
            row = json.loads(text)
        except json.JSONDecodeError as exc:
            yield (
                line,
                ValidationError(f"invalid JSON ({exc.msg} at column {exc.colno})", line=line),
            )
            continue
        if not isinstance(row, dict):
            yield (
                line,
                ValidationError(f"expected a JSON object, got {type(row).__name__}", line=line),
            )
            continue
        yield line, row
