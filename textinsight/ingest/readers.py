"""Streaming readers for CSV and JSONL files.

Both yield ``(line, row)`` pairs: the 1-based line where the row starts and a dict of
its raw string (CSV) or JSON (JSONL) values, or a ``ValidationError`` in place of the
row when that line cannot be read. Files are read line by line, so memory does not
grow with file size.
"""

from __future__ import annotations

import csv
import errno
import itertools
import json
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from textinsight.errors import InvalidFileError, ValidationError
from textinsight.ingest.formats import (
    FileOptions,
    canonical_header,
    detect_encoding,
    read_xlsx,
    sniff_delimiter,
)
from textinsight.ingest.limits import MAX_COLUMNS, MAX_METADATA_DEPTH
from textinsight.ingest.validate import FEEDBACK_FIELDS

RawRow = tuple[int, dict[str, Any] | ValidationError]

FORMATS = ("csv", "jsonl", "xlsx")
KNOWN_COLUMNS = (
    *FEEDBACK_FIELDS,
    "segment",
    "is_member",
    "joined_at",
    "value",
    "churned_at",
    "purchased_at",
    "amount",
)
"""Column names matched case-insensitively (``Text`` is ``text``)."""


def detect_format(path: Path) -> str:
    """Tell the format from the file suffix (``.csv``, ``.jsonl``, ``.ndjson``)."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix == ".xlsx":
        return "xlsx"
    raise InvalidFileError(
        f"{path.name}: unknown file type '{suffix or '(none)'}'. "
        "Use a .csv file with a header row, a .jsonl file with one JSON object per line, "
        "or an .xlsx workbook."
    )


def read_rows(path: str | Path, options: FileOptions | None = None) -> Iterator[RawRow]:
    """Yield ``(line, row)`` from a CSV, JSONL or .xlsx file, chosen by suffix."""
    path = Path(path)
    options = options or FileOptions()
    check_readable(path)
    fmt = detect_format(path)
    if fmt == "xlsx":
        return iter(read_xlsx(path, KNOWN_COLUMNS))
    encoding = options.encoding or detect_encoding(path)
    if fmt == "csv":
        return _read_csv(path, encoding, options.delimiter)
    return _read_jsonl(path, encoding)


def check_readable(path: Path) -> None:
    """Raise InvalidFileError naming what ``path`` is when it is not a readable file."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        if path.is_symlink():
            raise InvalidFileError(
                f"{path}: a symbolic link to a file that does not exist. Fix the link."
            ) from None
        raise InvalidFileError(f"{path}: no such file. Check the path.") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InvalidFileError(
                f"{path}: a symbolic link loop (the link points back at itself). Fix the link "
                "or give the real file."
            ) from None
        raise InvalidFileError(f"{path}: cannot be read ({exc.strerror}).") from None
    if stat.S_ISDIR(mode):
        raise InvalidFileError(f"{path}: is a directory; give a .csv, .jsonl or .xlsx file in it.")
    if stat.S_ISFIFO(mode):
        raise InvalidFileError(
            f"{path}: is a named pipe (FIFO), not a file; write the data to a file first."
        )
    if not stat.S_ISREG(mode):
        raise InvalidFileError(f"{path}: is not a regular file (a device or socket).")
    if not os.access(path, os.R_OK):
        raise InvalidFileError(f"{path}: permission denied; make the file readable.")


def _utf16_hint(head: bytes) -> str | None:
    """Name UTF-16/32 (with or without a BOM) from the first bytes, or None."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 (it starts with a UTF-16 byte order mark)"
    sample = head[:4000]
    if len(sample) >= 4 and sample.count(b"\x00") > len(sample) // 4:
        even = sample[0::2].count(b"\x00")
        odd = sample[1::2].count(b"\x00")
        order = "big-endian" if even > odd else "little-endian"
        return f"UTF-16 {order} without a byte order mark (every other byte is 0)"
    return None


class _DecodedLines:
    """Decode a binary file line by line as strict UTF-8, remembering bad lines.

    UTF-8 re-synchronises at every newline, so decoding each line alone is exact.
    """

    def __init__(self, path: Path, encoding: str = "utf-8"):
        self._handle = path.open("rb")
        self._name = path.name
        self._encoding = encoding
        self.line = 0
        self.bad: dict[int, str] = {}

    def __iter__(self) -> Iterator[str]:
        with self._handle:
            head = self._handle.peek(65536)[:65536] if hasattr(self._handle, "peek") else b""
            hint = _utf16_hint(head)
            if hint:
                raise InvalidFileError(
                    f"{self._name}: the file is {hint}; re-save it as UTF-8 (in Excel: "
                    "Save As > CSV UTF-8)."
                )
            raws: Iterable[bytes] = self._handle
            if b"\r" in head and b"\n" not in head:
                raws = _cr_lines(self._handle)  # old Mac/Excel files: CR-only line endings
            for raw in raws:
                self.line += 1
                if self.line == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                try:
                    yield raw.decode(self._encoding)
                except UnicodeDecodeError as exc:
                    self.bad[self.line] = (
                        f"not valid {self._encoding.upper()} (byte 0x{raw[exc.start]:02x} at "
                        f"column {exc.start + 1}); re-save the file as UTF-8, or pass --encoding"
                    )
                    yield raw.decode(self._encoding, errors="replace")


def _cr_lines(handle: IO[bytes]) -> Iterator[bytes]:
    """Lines of a file whose lines end in CR alone, each ending in LF instead."""
    rest = b""
    while chunk := handle.read(1 << 16):
        parts = (rest + chunk).split(b"\r")
        rest = parts.pop()
        for part in parts:
            yield part + b"\n"
    if rest:
        yield rest


def _csv_problem(exc: csv.Error) -> str:
    """A fix for a csv module error."""
    message = str(exc)
    if "field larger than field limit" in message:
        return (
            f"a value is longer than {csv.field_size_limit():,} characters; feedback text may "
            'have at most 20,000. An unclosed quote (") usually swallows the rest of the '
            "file: check the quoting on this line"
        )
    if "NUL" in message:
        return (
            "contains a NUL byte; remove it (NUL bytes usually mean a binary or UTF-16 file: "
            "re-save it as UTF-8 CSV)"
        )
    return f"malformed CSV ({message}); check the quoting"


def _read_csv(path: Path, encoding: str, delimiter: str | None) -> Iterator[RawRow]:
    lines = _DecodedLines(path, encoding)
    decoded = iter(lines)
    first = next(decoded, None)
    if first is None:
        raise InvalidFileError(f"{path.name}: the file is empty; expected a header row.")
    if delimiter is None:
        delimiter = "\t" if path.suffix.lower() == ".tsv" else sniff_delimiter(first)
    reader = csv.reader(itertools.chain([first], decoded), delimiter=delimiter, strict=True)
    try:
        header = canonical_header(next(reader), KNOWN_COLUMNS)
    except StopIteration:
        raise InvalidFileError(f"{path.name}: the file is empty; expected a header row.") from None
    if 1 in lines.bad:
        raise InvalidFileError(f"{path.name}: line 1: header is {lines.bad[1]}")
    header = [h.strip() for h in header]
    if len(header) > MAX_COLUMNS:
        raise InvalidFileError(
            f"{path.name}: line 1: the header has {len(header)} columns, more than "
            f"{MAX_COLUMNS}; keep the columns textinsight needs (text, channel, ...)"
        )
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
            yield start, ValidationError(_csv_problem(exc), line=start)
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


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON; write null or a finite number")


def _read_jsonl(path: Path, encoding: str = "utf-8") -> Iterator[RawRow]:
    lines = _DecodedLines(path, encoding)
    for text in lines:
        line = lines.line
        if line in lines.bad:
            yield line, ValidationError(lines.bad[line], line=line)
            continue
        if not text.strip():
            continue
        try:
            row = json.loads(text, parse_constant=_no_constant)
        except json.JSONDecodeError as exc:
            yield (
                line,
                ValidationError(f"invalid JSON ({exc.msg} at column {exc.colno})", line=line),
            )
            continue
        except RecursionError:
            yield (
                line,
                ValidationError(
                    f"JSON nested too deeply; at most {MAX_METADATA_DEPTH} levels are kept",
                    line=line,
                ),
            )
            continue
        except ValueError as exc:
            yield line, ValidationError(str(exc), line=line)
            continue
        if not isinstance(row, dict):
            yield (
                line,
                ValidationError(f"expected a JSON object, got {type(row).__name__}", line=line),
            )
            continue
        yield line, row
