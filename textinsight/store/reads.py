"""Read-only queries over a run's results, for the API and other readers.

Every statement here is a ``SELECT``: filtered theme counts, a theme's feedback page,
trends per period, totals, and the cached vectors of a run.

Example:
    >>> from textinsight.store import Store
    >>> store = Store(":memory:")
    >>> store.reads.assignment_totals(1)
    (0, 0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlite_utils

from textinsight.store._util import batched, placeholders
from textinsight.store.embeddings import decode_vectors

PERIODS = {
    "day": "date(f.created_at)",
    "week": "date(f.created_at, '-6 days', 'weekday 1')",
    "month": "strftime('%Y-%m-01', f.created_at)",
}
"""SQL for the first day of the period a feedback item falls in (weeks start on Monday)."""

_FEEDBACK_SELECT = (
    "SELECT f.id, f.source_id, f.channel, f.language, f.text, f.created_at, f.customer_id, "
    "f.store_id, f.rating, f.nps, a.theme_id, t.label, a.probability, a.sentiment "
    "FROM assignments a JOIN feedback f ON f.id = a.feedback_id "
    "LEFT JOIN themes t ON t.run_id = a.run_id AND t.theme_id = a.theme_id "
)


@dataclass(frozen=True)
class FeedbackFilter:
    """Which feedback counts: every field left ``None`` matches everything.

    Attributes:
        channel: exact channel.
        language: exact language code.
        segment: the customer's segment (from the ``customers`` table).
        since: inclusive lower bound on ``created_at`` (ISO date or date-time).
        before: exclusive upper bound on ``created_at``.
    """

    channel: str | None = None
    language: str | None = None
    segment: str | None = None
    since: str | None = None
    before: str | None = None

    @property
    def active(self) -> bool:
        """Whether any condition is set."""
        return any(
            v is not None
            for v in (self.channel, self.language, self.segment, self.since, self.before)
        )

    def sql(self) -> tuple[str, str, list[Any]]:
        """(extra JOIN, ``AND ...`` conditions, bound values) over aliases ``f`` and ``c``."""
        conditions: list[str] = []
        values: list[Any] = []
        for column, value, op in (
            ("f.channel", self.channel, "="),
            ("f.language", self.language, "="),
            ("c.segment", self.segment, "="),
            ("f.created_at", self.since, ">="),
            ("f.created_at", self.before, "<"),
        ):
            if value is not None:
                conditions.append(f" AND {column} {op} ?")
                values.append(value)
        join = " JOIN customers c ON c.customer_id = f.customer_id" if self.segment else ""
        return join, "".join(conditions), values


@dataclass(frozen=True)
class AssignedFeedback:
    """One feedback item with its assignment in one run (``theme_id`` None: unassigned)."""

    id: int
    source_id: str
    channel: str
    language: str
    text: str
    created_at: str | None
    customer_id: str | None
    store_id: str | None
    rating: int | None
    nps: int | None
    theme_id: int | None
    theme_label: str | None
    probability: float
    sentiment: float | None


@dataclass(frozen=True)
class TrendPoint:
    """Feedback count and mean sentiment of one theme in one period."""

    period: str
    count: int
    sentiment: float | None


@dataclass(frozen=True)
class Facets:
    """How a theme's current assignments split by channel and by language."""

    total: int
    channels: dict[str, int]
    languages: dict[str, int]


class ReadQueries:
    """Read-only SQL over runs, themes, assignments, feedback and vectors."""

    def __init__(self, db: sqlite_utils.Database):
        self._db = db

    def assignment_totals(self, run_id: int) -> tuple[int, int]:
        """(all assignments, assigned to a theme) of a run, counted now."""
        row = self._db.execute(
            "SELECT count(*), count(theme_id) FROM assignments WHERE run_id = ?", [run_id]
        ).fetchone()
        return int(row[0]), int(row[1])

    def theme_match_counts(self, run_id: int, where: FeedbackFilter) -> dict[int, int]:
        """Theme id -> number of its feedback matching ``where`` (themes with none absent)."""
        join, conditions, values = where.sql()
        rows = self._db.execute(
            "SELECT a.theme_id, count(*) FROM assignments a "
            f"JOIN feedback f ON f.id = a.feedback_id{join} "
            f"WHERE a.run_id = ? AND a.theme_id IS NOT NULL{conditions} GROUP BY a.theme_id",
            [run_id, *values],
        )
        return {int(theme_id): int(n) for theme_id, n in rows}

    def facets(self, run_id: int, theme_id: int) -> Facets:
        """Counts of a theme's current feedback per channel and per language."""
        split: dict[str, dict[str, int]] = {}
        for column in ("channel", "language"):
            rows = self._db.execute(
                f"SELECT f.{column}, count(*) AS n FROM assignments a "
                "JOIN feedback f ON f.id = a.feedback_id WHERE a.run_id = ? AND a.theme_id = ? "
                f"GROUP BY f.{column} ORDER BY n DESC, f.{column}",
                [run_id, theme_id],
            )
            split[column] = {str(value): int(n) for value, n in rows}
        return Facets(
            total=sum(split["channel"].values()),
            channels=split["channel"],
            languages=split["language"],
        )

    def feedback_page(
        self, run_id: int, theme_id: int, where: FeedbackFilter, *, limit: int, offset: int
    ) -> tuple[int, list[AssignedFeedback]]:
        """(number matching, one page of them) of a theme's feedback, most typical first."""
        join, conditions, values = where.sql()
        base = f"WHERE a.run_id = ? AND a.theme_id = ?{conditions}"
        params = [run_id, theme_id, *values]
        total = self._db.execute(
            f"SELECT count(*) FROM assignments a JOIN feedback f ON f.id = a.feedback_id{join} "
            + base,
            params,
        ).fetchone()[0]
        rows = self._db.execute(
            _FEEDBACK_SELECT
            + join
            + " "
            + base
            + " ORDER BY a.probability DESC, f.id LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return int(total), [AssignedFeedback(*row) for row in rows]

    def trend(
        self, run_id: int, theme_id: int, interval: str, where: FeedbackFilter
    ) -> list[TrendPoint]:
        """Count and mean sentiment of a theme's feedback per period, oldest first.

        Feedback without ``created_at`` is not counted; periods without feedback are absent.
        """
        period = PERIODS[interval]
        join, conditions, values = where.sql()
        rows = self._db.execute(
            f"SELECT {period} AS period, count(*), avg(a.sentiment) FROM assignments a "
            f"JOIN feedback f ON f.id = a.feedback_id{join} "
            "WHERE a.run_id = ? AND a.theme_id = ? AND f.created_at IS NOT NULL"
            f"{conditions} GROUP BY period HAVING period IS NOT NULL ORDER BY period",
            [run_id, theme_id, *values],
        )
        return [TrendPoint(str(p), int(n), None if s is None else float(s)) for p, n, s in rows]

    def assigned_feedback(self, run_id: int, ids: Sequence[int]) -> list[AssignedFeedback]:
        """These feedback rows with their assignment in ``run_id``, in the order given."""
        found: dict[int, AssignedFeedback] = {}
        for part in batched(list(ids)):
            rows = self._db.execute(
                _FEEDBACK_SELECT + f"WHERE a.run_id = ? AND f.id IN ({placeholders(len(part))})",
                [run_id, *part],
            )
            found.update((row[0], AssignedFeedback(*row)) for row in rows)
        return [found[i] for i in ids if i in found]

    def run_vectors(self, run_id: int, model_id: str) -> tuple[np.ndarray, np.ndarray]:
        """(feedback ids, vector matrix) of a run's feedback, from the vector cache.

        Feedback whose vector is not cached under ``model_id`` is left out.
        """
        rows = self._db.execute(
            "SELECT f.id, e.vector FROM assignments a JOIN feedback f ON f.id = a.feedback_id "
            "JOIN embeddings e ON e.model_id = ? AND e.text_hash = f.text_hash "
            "WHERE a.run_id = ? ORDER BY f.id",
            [model_id, run_id],
        ).fetchall()
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        matrix = decode_vectors(b"".join(r[1] for r in rows))
        return ids, matrix.reshape(len(rows), -1)
