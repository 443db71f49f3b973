"""Array helpers of the value statistics: parsing, lookups and group-bys with numpy."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from textinsight.errors import ValidationError

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

NO_DAY = 1 << 40
"""Day number standing for "no date": later than any real day, so ``min`` skips it."""


def parse_days(values: Iterable[str | None], field: str) -> IntArray:
    """Day numbers (days since 1970-01-01) of ISO dates or date-times; ``NO_DAY`` for None.

    Only the date part (the first 10 characters) counts: statistics work in whole
    days. Each distinct date is parsed once, so 10^6 values take a fraction of a second.

    Example:
        >>> parse_days(["1970-01-02", "1970-01-03T10:00:00+02:00", None], "d").tolist()
        [1, 2, 1099511627776]
    """
    values = list(values)
    distinct = set(values) - {None, ""}
    texts = sorted({v[:10] for v in distinct})  # type: ignore[index]
    try:
        parsed = np.array(texts, dtype="datetime64[D]").astype(np.int64)
    except ValueError:
        bad = next(t for t in texts if not _is_date(t))
        raise ValidationError(
            f"'{bad}' is not an ISO-8601 date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS.",
            field=field,
        ) from None
    if np.any(parsed == np.iinfo(np.int64).min):  # "NaT" and friends
        raise ValidationError("'NaT' is not a date; leave the field empty instead.", field=field)
    day_of = dict(zip(texts, parsed.tolist(), strict=True))
    table: dict[str | None, int] = {v: day_of[v[:10]] for v in distinct}  # type: ignore[index]
    table[None] = table[""] = NO_DAY
    return lookup(values, table)


def lookup(values: list[Any], table: dict[Any, int]) -> IntArray:
    """``table[v]`` for every value, as an array (C-speed: no Python frame per value)."""
    return np.fromiter(map(table.__getitem__, values), dtype=np.int64, count=len(values))


def distinct(key: IntArray) -> IntArray:
    """Sorted distinct values (a plain sort; faster than ``np.unique`` here)."""
    key = np.sort(key)
    keep = np.ones(len(key), dtype=np.bool_)
    keep[1:] = key[1:] != key[:-1]
    return key[keep]


def _is_date(text: str) -> bool:
    try:
        np.datetime64(text, "D")
    except ValueError:
        return False
    return True


def floats(values: Iterable[float | None]) -> FloatArray:
    """Floats with ``NaN`` for ``None`` (numpy converts ``None`` itself, fast)."""
    return np.array(list(values), dtype=np.float64).reshape(-1)


def group_mean(group: IntArray, values: FloatArray, size: int) -> FloatArray:
    """Mean of ``values`` per group index in ``range(size)``; NaN for empty groups."""
    total = np.bincount(group, values, minlength=size)
    count = np.bincount(group, minlength=size)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(count > 0, total / count, np.nan)


def group_median(group: IntArray, values: FloatArray, size: int) -> FloatArray:
    """Median of ``values`` per group index in ``range(size)``; NaN for empty groups."""
    order = np.lexsort((values, group))
    sorted_values = values[order]
    count = np.bincount(group, minlength=size)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    out = np.full(size, np.nan)
    has = count > 0
    low = sorted_values[start[has] + (count[has] - 1) // 2]
    high = sorted_values[start[has] + count[has] // 2]
    out[has] = (low + high) / 2.0
    return out


def first_per_key(key: IntArray, day: IntArray) -> tuple[IntArray, IntArray]:
    """The distinct keys (``>= 0``) and, for each, its earliest day (``NO_DAY`` if none).

    One sort of ``key * span + day`` instead of a two-key lexsort.
    """
    dated = day != NO_DAY
    low = int(day[dated].min()) if dated.any() else 0
    span = (int(day[dated].max()) - low + 2) if dated.any() else 1
    combined = np.sort(key * span + np.where(dated, day - low, span - 1))
    key, offset = combined // span, combined % span
    first = np.ones(len(key), dtype=np.bool_)
    first[1:] = key[1:] != key[:-1]
    return key[first], np.where(offset[first] == span - 1, NO_DAY, offset[first] + low)


def mix(group: IntArray, category: IntArray, size: int, n_categories: int) -> FloatArray:
    """Share of each category per group (rows sum to 1; NaN rows for empty groups)."""
    counts = np.bincount(group * n_categories + category, minlength=size * n_categories)
    counts = counts.reshape(size, n_categories).astype(np.float64)
    total = counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, counts / total, np.nan)
