"""Checks every input string and the free ``metadata`` must pass, with their limits.

Each failure is a :class:`ValidationError` naming the line, the field and the fix, so
the CLI prints one clear line and the API answers 422, never a 500: lone UTF-16
surrogates (``"\\ud800"`` in JSON) cannot be stored as UTF-8, NUL characters break
other tools, ``NaN``/``Infinity`` are not JSON, and unbounded nesting or sizes would
let one row exhaust the process.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from textinsight.errors import ValidationError

MAX_ID_CHARS = 500
"""Longest ``source_id``, ``customer_id``, ``store_id`` or other short field."""
MAX_METADATA_VALUE_CHARS = 10_000
"""Longest string inside ``metadata`` (extra columns included)."""
MAX_METADATA_CHARS = 64_000
"""Largest ``metadata`` of one row, all keys and values together."""
MAX_METADATA_KEYS = 200
"""Most keys in ``metadata`` (at any one level)."""
MAX_METADATA_DEPTH = 16
"""Deepest nesting of objects and lists inside ``metadata``."""
MAX_COLUMNS = 500
"""Most columns a CSV header may have."""


def check_string(value: str, field: str, line: int | None) -> str:
    """Refuse lone surrogates and NUL characters in ``value``; return it unchanged."""
    if "\x00" in value:
        raise ValidationError(
            f"contains a NUL character at position {value.index(chr(0)) + 1}; remove it "
            "(a NUL usually means a binary or UTF-16 file)",
            line=line,
            field=field,
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationError(
            f"contains an invalid character (lone UTF-16 surrogate "
            f"\\u{ord(value[exc.start]):04x} at position {exc.start + 1}); send valid Unicode "
            "text: every \\ud800-\\udbff escape must be followed by a \\udc00-\\udfff one",
            line=line,
            field=field,
        ) from None
    return value


def check_id(value: str, field: str, line: int | None) -> str:
    """A short field: checked like any string, and at most ``MAX_ID_CHARS`` long."""
    check_string(value, field, line)
    if len(value) > MAX_ID_CHARS:
        raise ValidationError(
            f"has {len(value)} characters, more than {MAX_ID_CHARS}; is this the right column?",
            line=line,
            field=field,
        )
    return value


def check_metadata(value: Mapping[str, Any], line: int | None) -> None:
    """Check the strings, numbers, depth and size of a row's ``metadata``."""
    size = _walk(value, "metadata", line, 1)
    if size > MAX_METADATA_CHARS:
        raise ValidationError(
            f"extra fields hold {size} characters in all, more than {MAX_METADATA_CHARS}; "
            "drop the columns textinsight does not need",
            line=line,
            field="metadata",
        )


def _walk(value: Any, where: str, line: int | None, depth: int) -> int:
    """Check ``value`` recursively; return its size in characters."""
    if isinstance(value, str):
        check_string(value, where, line)
        if len(value) > MAX_METADATA_VALUE_CHARS:
            raise ValidationError(
                f"has {len(value)} characters, more than {MAX_METADATA_VALUE_CHARS} allowed in "
                "an extra field; shorten it or leave the column out (check the quoting if "
                "it swallowed the rest of the file)",
                line=line,
                field=where,
            )
        return len(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationError(
            f"{value} is not a number JSON allows; use null or a finite number",
            line=line,
            field=where,
        )
    if isinstance(value, (Mapping, list, tuple)):
        if depth > MAX_METADATA_DEPTH:
            raise ValidationError(
                f"is nested more than {MAX_METADATA_DEPTH} levels deep; flatten it",
                line=line,
                field="metadata",
            )
        if isinstance(value, Mapping):
            if len(value) > MAX_METADATA_KEYS:
                raise ValidationError(
                    f"has {len(value)} keys, more than {MAX_METADATA_KEYS}; "
                    "keep only the fields you need",
                    line=line,
                    field=where,
                )
            return sum(
                _walk(str(k), where, line, depth) + _walk(v, f"{where}.{k}", line, depth + 1)
                for k, v in value.items()
            )
        return sum(_walk(v, where, line, depth + 1) for v in value)
    return 8
