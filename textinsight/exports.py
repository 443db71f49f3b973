"""Flat tables for BI tools (Power BI, Looker, Metabase): CSV, or Parquet with pyarrow.

Three tables, each over a run (default: the current one) and a feedback filter, with
the same numbers the dashboard and the API show (themes are curated and recomputed
for the filter by :func:`textinsight.slices.curated_themes`):

``feedback``
    one row per feedback item of the slice: ``run_id, feedback_id, source_id,
    channel, language, created_at, day, week, month, store_id, customer_id, segment,
    is_member, customer_value, rating, nps, sentiment, probability, theme_id,
    theme_label, theme_kind`` and one ``meta_<field>`` column per metadata field.
    ``theme_id`` is the curated theme (a merged theme's items carry their target);
    empty when unassigned. ``week`` is the Monday of the ISO week; ``month`` its first day.
``themes``
    one row per theme: ``run_id, theme_id, label, described_label, size, share,
    sentiment, keywords`` (``; ``-joined) and every value metric of
    :class:`~textinsight.records.ThemeValue` flattened (``churn_lift_ci_low`` /
    ``_high``, ``phase_<name>``, ``loyalty_<name>``), then ``x, y``.
``trends``
    one row per theme and period from the slice's first to its last period, zero-filled:
    ``run_id, theme_id, label, interval, period, count, sentiment`` (sentiment empty
    when the period has no items).

Every value is a string, number or empty; nested fields are flattened.
"""

from __future__ import annotations

import io
import json
from dataclasses import fields
from datetime import date, timedelta
from importlib.util import find_spec
from typing import Any

from textinsight.charts import zero_filled
from textinsight.dashboard import trend_series
from textinsight.errors import ConfigError, ValidationError
from textinsight.export import csv_text
from textinsight.records import RunInfo, ThemeValue
from textinsight.slices import curated_themes, merged_into
from textinsight.store import Store
from textinsight.store.curation import CurationEntry
from textinsight.store.reads import FeedbackFilter
from textinsight.value import LOYALTY
from textinsight.value.lifecycle import PHASES

TABLES = ("feedback", "themes", "trends")
FORMATS = ("csv", "parquet")

FEEDBACK_COLUMNS = (
    "run_id", "feedback_id", "source_id", "channel", "language", "created_at", "day", "week",
    "month", "store_id", "customer_id", "segment", "is_member", "customer_value", "rating", "nps",
    "sentiment", "probability", "theme_id", "theme_label", "theme_kind",
)  # fmt: skip
TREND_COLUMNS = ("run_id", "theme_id", "label", "interval", "period", "count", "sentiment")

Row = dict[str, Any]


def _value_columns() -> list[str]:
    out = []
    for f in fields(ThemeValue):
        if f.name == "sentiment":
            continue
        if f.name.endswith("_ci"):
            out += [f"{f.name}_low", f"{f.name}_high"]
        elif f.name == "phases":
            out += [f"phase_{p}" for p in PHASES]
        elif f.name == "loyalty":
            out += [f"loyalty_{k}" for k in LOYALTY]
        else:
            out.append(f.name)
    return out


THEME_COLUMNS = (
    "run_id", "theme_id", "label", "described_label", "hidden", "size", "share", "sentiment",
    "keywords", *_value_columns(), "x", "y",
)  # fmt: skip


def _flat_value(value: ThemeValue | None) -> Row:
    row: Row = {}
    if value is None:
        return row
    for f in fields(ThemeValue):
        v = getattr(value, f.name)
        if f.name == "sentiment":
            continue
        if f.name.endswith("_ci"):
            row[f"{f.name}_low"], row[f"{f.name}_high"] = v if v else (None, None)
        elif f.name == "phases":
            row.update({f"phase_{k}": s for k, s in (v or {}).items()})
        elif f.name == "loyalty":
            row.update({f"loyalty_{k}": s for k, s in (v or {}).items()})
        else:
            row[f.name] = v
    return row


def theme_rows(store: Store, run: RunInfo, where: FeedbackFilter) -> list[Row]:
    """The ``themes`` table (hidden themes included, flagged)."""
    described = {t.id: t.label for t in store.runs.themes(run.id)}
    curation = store.curation.all()
    out = []
    for t in curated_themes(store, run, where, include_hidden=True):
        out.append(
            {
                "run_id": run.id,
                "theme_id": t.id,
                "label": t.label,
                "described_label": described.get(t.id, t.label),
                "hidden": int(curation.get(t.id, CurationEntry(t.id)).hidden),
                "size": t.size,
                "share": round(t.share, 6),
                "sentiment": t.sentiment,
                "keywords": "; ".join(t.keywords),
                **_flat_value(t.value),
                "x": t.x,
                "y": t.y,
            }
        )
    return out


def _week(day: date) -> str:
    return (day - timedelta(days=day.weekday())).isoformat()


def feedback_rows(store: Store, run: RunInfo, where: FeedbackFilter) -> tuple[list[str], list[Row]]:
    """(columns, rows) of the ``feedback`` table."""
    themes = {t.id: t for t in curated_themes(store, run, include_hidden=True)}
    target = merged_into(store, run)
    customers = {c.customer_id: c for c in store.customers.all_customers()}
    rows = store.reads.slice_rows(run.id, where)
    metadata = store.reads.metadata_of([f.id for f, *_ in rows])
    keys = sorted({k for m in metadata.values() for k in m})
    out = []
    for f, theme_id, sentiment, probability in rows:
        tid = None if theme_id is None else target.get(theme_id, theme_id)
        theme = themes.get(tid) if tid is not None else None
        customer = customers.get(f.customer_id) if f.customer_id else None
        day = None
        if f.created_at:
            try:
                day = date.fromisoformat(f.created_at[:10])
            except ValueError:
                day = None
        meta = metadata.get(f.id, {})
        out.append(
            {
                "run_id": run.id,
                "feedback_id": f.id,
                "source_id": f.source_id,
                "channel": f.channel,
                "language": f.language,
                "created_at": f.created_at,
                "day": day.isoformat() if day else None,
                "week": _week(day) if day else None,
                "month": day.replace(day=1).isoformat() if day else None,
                "store_id": f.store_id,
                "customer_id": f.customer_id,
                "segment": customer.segment if customer else None,
                "is_member": None
                if customer is None or customer.is_member is None
                else int(customer.is_member),
                "customer_value": customer.value if customer else None,
                "rating": f.rating,
                "nps": f.nps,
                "sentiment": sentiment,
                "probability": round(probability, 6),
                "theme_id": tid,
                "theme_label": theme.label if theme else None,
                "theme_kind": theme.value.kind if theme and theme.value else None,
                **{f"meta_{k}": _scalar(meta.get(k)) for k in keys},
            }
        )
    return [*FEEDBACK_COLUMNS, *(f"meta_{k}" for k in keys)], out


def _scalar(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def trend_rows(
    store: Store, run: RunInfo, where: FeedbackFilter, interval: str = "week"
) -> list[Row]:
    """The zero-filled ``trends`` table over every listed theme."""
    if interval not in ("day", "week", "month"):
        raise ValidationError(
            f"unknown interval '{interval}'; use day, week or month", field="interval"
        )
    themes = curated_themes(store, run, where)
    series = trend_series(store, run, themes, interval, where)
    merged = merged_into(store, run)
    sums: dict[tuple[int, str], float] = {}
    for tid, period, n, mean in store.reads.period_counts(run.id, interval, where):
        if mean is not None:
            key = (merged.get(tid, tid), period)
            sums[key] = sums.get(key, 0.0) + mean * n
    periods = zero_filled(sorted({p for _, c in series for p in c}), interval)
    out = []
    for theme, counts in series:
        for period in periods:
            n = counts.get(period, 0)
            out.append(
                {
                    "run_id": run.id,
                    "theme_id": theme.id,
                    "label": theme.label,
                    "interval": interval,
                    "period": period,
                    "count": n,
                    "sentiment": round(sums[(theme.id, period)] / n, 4)
                    if n and (theme.id, period) in sums
                    else None,
                }
            )
    return out


def table(
    store: Store, name: str, run: RunInfo, where: FeedbackFilter, *, interval: str = "week"
) -> tuple[list[str], list[Row]]:
    """(columns, rows) of table ``name`` (one of :data:`TABLES`)."""
    if name == "feedback":
        return feedback_rows(store, run, where)
    if name == "themes":
        return list(THEME_COLUMNS), theme_rows(store, run, where)
    if name == "trends":
        return list(TREND_COLUMNS), trend_rows(store, run, where, interval)
    raise ValidationError(f"unknown table '{name}'; use one of {', '.join(TABLES)}", field="table")


def _cell(value: Any) -> Any:
    return int(value) if isinstance(value, bool) else value


def to_csv(columns: list[str], rows: list[Row]) -> str:
    """CSV text with a header, through :func:`textinsight.export.csv_text` (empty cells
    for ``None``, booleans as 0/1, text a spreadsheet would run as a formula neutralised)."""
    return csv_text(columns, ([_cell(row.get(c)) for c in columns] for row in rows))


def parquet_available() -> bool:
    """Whether pyarrow is installed (Parquet export needs it)."""
    return find_spec("pyarrow") is not None


def check_format(fmt: str) -> None:
    """Raise ValidationError unless ``fmt`` is a format this installation can write."""
    if fmt not in FORMATS:
        raise ValidationError(f"unknown format '{fmt}'; use csv or parquet", field="format")
    if fmt == "parquet" and not parquet_available():
        raise ValidationError(
            "Parquet export needs pyarrow, which is not installed here "
            "(`pip install pyarrow`); export CSV instead (format csv).",
            field="format",
        )


def to_parquet(columns: list[str], rows: list[Row]) -> bytes:
    """The table as Parquet bytes.

    Raises:
        ConfigError: pyarrow is not installed.
    """
    if not parquet_available():
        raise ConfigError(
            "Parquet export needs pyarrow: `pip install pyarrow`, or export CSV (--format csv)."
        )
    import pyarrow as pa  # type: ignore[import-not-found,unused-ignore]
    import pyarrow.parquet as pq  # type: ignore[import-not-found,unused-ignore]

    data = pa.table({c: [row.get(c) for row in rows] for c in columns})
    sink = io.BytesIO()
    pq.write_table(data, sink)
    return sink.getvalue()


__all__ = [
    "FEEDBACK_COLUMNS",
    "FORMATS",
    "TABLES",
    "THEME_COLUMNS",
    "TREND_COLUMNS",
    "check_format",
    "feedback_rows",
    "parquet_available",
    "table",
    "theme_rows",
    "to_csv",
    "to_parquet",
    "trend_rows",
]
