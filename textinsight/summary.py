"""A run at a glance: totals, the unassigned share and the top themes (CSV too).

Example:
    >>> from textinsight.store import Store
    >>> summary(Store(":memory:"))  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    textinsight.errors.NoRunError: No complete run in this database yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from textinsight.errors import ValidationError
from textinsight.export import csv_text
from textinsight.queries import VALUE_METRICS, ThemeRow, has_metric, sorted_rows, theme_rows
from textinsight.records import RunInfo
from textinsight.store import Store
from textinsight.store.reads import FeedbackFilter

__all__ = ["SUMMARY_CSV_COLUMNS", "SUMMARY_KEYWORDS", "Summary", "summary", "summary_csv"]

SUMMARY_KEYWORDS = 5
"""Keywords per theme in a summary."""


@dataclass(frozen=True)
class Summary:
    """Totals of a run and its top themes, for dashboards."""

    run: RunInfo
    n_feedback: int
    n_assigned: int
    n_unassigned: int
    unassigned_share: float
    n_themes: int
    ranked_by: str
    top: list[ThemeRow]


def summary(
    store: Store,
    run_id: int | None = None,
    *,
    top: int = 10,
    where: FeedbackFilter | None = None,
) -> Summary:
    """Totals, the unassigned share and the top themes (by impact when the run has it,
    else by size). Counts include feedback assigned since the run; under ``where`` the
    totals and themes are those of the matching feedback."""
    if top < 1:
        raise ValidationError(f"top {top} is below 1; ask for at least one theme", field="top")
    run = store.runs.complete_run(run_id)
    rows = theme_rows(store, run, where)
    ranked_by = "impact" if has_metric(rows, "impact") else "size"
    if where is not None and where.active:
        sliced = store.reads.slice_rows(run.id, where)
        n_feedback, n_assigned = len(sliced), sum(1 for r in sliced if r[1] is not None)
    else:
        n_feedback, n_assigned = store.reads.assignment_totals(run.id)
    n_unassigned = n_feedback - n_assigned
    return Summary(
        run=run,
        n_feedback=n_feedback,
        n_assigned=n_assigned,
        n_unassigned=n_unassigned,
        unassigned_share=n_unassigned / n_feedback if n_feedback else 0.0,
        n_themes=len(rows),
        ranked_by=ranked_by,
        top=sorted_rows(rows, ranked_by)[:top],
    )


SUMMARY_CSV_COLUMNS = (
    "run_id",
    "rank",
    "theme_id",
    "label",
    "size",
    "share",
    "sentiment",
    *VALUE_METRICS,
    "keywords",
)


def summary_csv(result: Summary) -> str:
    """The top themes of a summary as CSV, one row per theme, ranked."""
    rows = (
        [
            result.run.id,
            rank,
            row.theme.id,
            row.theme.label,
            row.theme.size,
            f"{row.theme.share:.4f}",
            row.metric("sentiment"),
            *(row.metric(name) for name in VALUE_METRICS),
            list(row.theme.keywords[:SUMMARY_KEYWORDS]),
        ]
        for rank, row in enumerate(result.top, start=1)
    )
    return csv_text(SUMMARY_CSV_COLUMNS, rows)
