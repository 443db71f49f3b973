"""Small helpers shared by the store modules."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

T = TypeVar("T")

SQL_BATCH = 500
"""Values bound per ``IN (...)`` query: well under SQLite's variable limit."""


def now_iso() -> str:
    """The current UTC time as an ISO-8601 string with seconds."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def dumps(value: Any) -> str:
    """JSON-encode for a TEXT column (UTF-8 kept readable)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def loads(value: str | None, default: Any = None) -> Any:
    """Decode a JSON TEXT column; ``default`` for NULL."""
    return default if value is None else json.loads(value)


def batched(items: Sequence[T], size: int = SQL_BATCH) -> Iterator[Sequence[T]]:
    """Yield consecutive slices of at most ``size`` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def placeholders(n: int) -> str:
    """``?, ?, ?`` for ``n`` bound values."""
    return ", ".join("?" * n)
