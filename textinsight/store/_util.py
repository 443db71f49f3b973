"""Small helpers shared by the store modules."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import numpy as np

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


def pack_state(state: Any) -> bytes:
    """A saved object's state (nested dicts and lists of JSON values and numpy arrays)
    as one ``.npz`` blob: the arrays as arrays, the rest as JSON."""
    arrays: dict[str, np.ndarray] = {}

    def encode(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            key = f"a{len(arrays)}"
            arrays[key] = value
            return {"__array__": key}
        if isinstance(value, dict):
            return {str(k): encode(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [encode(v) for v in value]
        return value

    meta = json.dumps(encode(state), sort_keys=True).encode()
    buffer = io.BytesIO()
    arrays["__meta__"] = np.frombuffer(meta, dtype=np.uint8)
    save: Any = np.savez  # numpy's stub types **kwds as its own flags
    save(buffer, **arrays)
    return buffer.getvalue()


def unpack_state(blob: bytes) -> Any:
    """The state :func:`pack_state` packed."""
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}

    def decode(value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"__array__"}:
                return arrays[value["__array__"]]
            return {k: decode(v) for k, v in value.items()}
        if isinstance(value, list):
            return [decode(v) for v in value]
        return value

    return decode(json.loads(arrays.pop("__meta__").tobytes()))
