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

from textinsight.records import StoredFeedback
from textinsight.store._util import batched, loads, placeholders
from textinsight.store.embeddings import decode_vectors

PERIODS = {
    "day": "date(f.created_at)",
    "week": "date(f.created_at, '-6 days', 'weekday 1')",
    "month": "strftime('%Y-%m-01', f.created_at)",
}
"""SQL for the first day of the period a feedback item falls in (weeks start on Monday)."""

_FEEDBACK_SELECT = (
    "SELECT f.id, f.source_id, f.channel, f.language, f.text, f.created_at, f.customer_id, "
    "f.store_id, f.rating, f.nps, a.theme_id, t.label, a.probability, a.sentiment, "
    "cs.segment FROM assignments a JOIN feedback f ON f.id = a.feedback_id "
    "LEFT JOIN themes t ON t.run_id = a.run_id AND t.theme_id = a.theme_id "
    "LEFT JOIN customers cs ON cs.customer_id = f.customer_id "
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
        member: the customer is (True) or is not (False) a member.
        store_id: exact store.
        metadata: (field, value) pairs the feedback's ``metadata`` must hold.
        text: words the feedback text must contain (each, any case, anywhere).
    """

    channel: str | None = None
    language: str | None = None
    segment: str | None = None
    since: str | None = None
    before: str | None = None
    member: bool | None = None
    store_id: str | None = None
    metadata: tuple[tuple[str, str], ...] = ()
    text: str | None = None

    @property
    def active(self) -> bool:
        """Whether any condition is set."""
        return bool(self.metadata) or any(
            v is not None
            for v in (
                self.channel,
                self.language,
                self.segment,
                self.since,
                self.before,
                self.member,
                self.store_id,
                self.text,
            )
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
            ("c.is_member", None if self.member is None else int(self.member), "="),
            ("f.store_id", self.store_id, "="),
        ):
            if value is not None:
                conditions.append(f" AND {column} {op} ?")
                values.append(value)
        for word in (self.text or "").split():
            conditions.append(" AND f.text LIKE ? ESCAPE '\\'")
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            values.append(f"%{escaped}%")
        for key, value in self.metadata:
            conditions.append(" AND CAST(json_extract(f.metadata, ?) AS TEXT) = ?")
            values.extend([f'$."{key}"', value])
        customers = self.segment is not None or self.member is not None
        join = " JOIN customers c ON c.customer_id = f.customer_id" if customers else ""
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
    segment: str | None = None
    """The customer's segment (None: no customer, or not in the customers table)."""


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
        self,
        run_id: int,
        theme_id: int | Sequence[int],
        where: FeedbackFilter,
        *,
        limit: int,
        offset: int,
    ) -> tuple[int, list[AssignedFeedback]]:
        """(number matching, one page of them) of a theme's feedback (of several themes'
        when given several ids), most typical first."""
        join, conditions, values = where.sql()
        ids = _ids(theme_id)
        base = f"WHERE a.run_id = ? AND a.theme_id IN ({placeholders(len(ids))}){conditions}"
        params = [run_id, *ids, *values]
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
        self, run_id: int, theme_id: int | Sequence[int], interval: str, where: FeedbackFilter
    ) -> list[TrendPoint]:
        """Count and mean sentiment of a theme's feedback per period, oldest first.

        Feedback without ``created_at`` is not counted; periods without feedback are absent.
        """
        period = PERIODS[interval]
        join, conditions, values = where.sql()
        ids = _ids(theme_id)
        rows = self._db.execute(
            f"SELECT {period} AS period, count(*), avg(a.sentiment) FROM assignments a "
            f"JOIN feedback f ON f.id = a.feedback_id{join} "
            f"WHERE a.run_id = ? AND a.theme_id IN ({placeholders(len(ids))}) "
            f"AND f.created_at IS NOT NULL{conditions} GROUP BY period "
            "HAVING period IS NOT NULL ORDER BY period",
            [run_id, *ids, *values],
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

    def slice_rows(
        self, run_id: int, where: FeedbackFilter
    ) -> list[tuple[StoredFeedback, int | None, float | None, float]]:
        """(feedback, theme id, sentiment, probability) of every assignment of a run whose
        feedback matches ``where``, in feedback order (theme id None: unassigned)."""
        join, conditions, values = where.sql()
        rows = self._db.execute(
            "SELECT f.id, f.text, f.text_hash, f.channel, f.source_id, f.language, "
            "f.created_at, f.customer_id, f.store_id, f.rating, f.nps, a.theme_id, "
            "a.sentiment, a.probability FROM assignments a "
            f"JOIN feedback f ON f.id = a.feedback_id{join} WHERE a.run_id = ?{conditions} "
            "ORDER BY f.id",
            [run_id, *values],
        )
        return [(StoredFeedback(*r[:11]), r[11], r[12], float(r[13])) for r in rows]

    def period_counts(
        self, run_id: int, interval: str, where: FeedbackFilter
    ) -> list[tuple[int, str, int, float | None]]:
        """(theme id, period start, count, mean sentiment) of every assigned theme of a
        run per period, oldest first; periods without feedback absent."""
        period = PERIODS[interval]
        join, conditions, values = where.sql()
        rows = self._db.execute(
            f"SELECT a.theme_id, {period} AS period, count(*), avg(a.sentiment) "
            f"FROM assignments a JOIN feedback f ON f.id = a.feedback_id{join} "
            "WHERE a.run_id = ? AND a.theme_id IS NOT NULL AND f.created_at IS NOT NULL"
            f"{conditions} GROUP BY a.theme_id, period HAVING period IS NOT NULL "
            "ORDER BY period, a.theme_id",
            [run_id, *values],
        )
        return [(int(t), str(p), int(n), None if m is None else float(m)) for t, p, n, m in rows]

    def filter_options(self, run_id: int) -> dict[str, list[str]]:
        """The distinct channels, languages, segments, stores and metadata fields of a
        run's feedback, and its first and last day (``dates``), for filter pickers."""
        out: dict[str, list[str]] = {}
        base = "FROM assignments a JOIN feedback f ON f.id = a.feedback_id WHERE a.run_id = ?"
        for name, column in (
            ("channels", "f.channel"),
            ("languages", "f.language"),
            ("stores", "f.store_id"),
        ):
            rows = self._db.execute(
                f"SELECT DISTINCT {column} {base} AND {column} IS NOT NULL ORDER BY 1", [run_id]
            )
            out[name] = [str(r[0]) for r in rows]
        rows = self._db.execute(
            "SELECT DISTINCT c.segment FROM customers c WHERE c.segment IS NOT NULL ORDER BY 1"
        )
        out["segments"] = [str(r[0]) for r in rows]
        rows = self._db.execute(
            "SELECT DISTINCT j.key FROM assignments a JOIN feedback f ON f.id = a.feedback_id, "
            "json_each(f.metadata) j WHERE a.run_id = ? AND json_valid(f.metadata) ORDER BY 1",
            [run_id],
        )
        out["metadata"] = [str(r[0]) for r in rows]
        first, last = self._db.execute(
            f"SELECT min(date(f.created_at)), max(date(f.created_at)) {base}", [run_id]
        ).fetchone()
        out["dates"] = [str(d) for d in (first, last) if d is not None]
        return out

    def metadata_of(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Feedback id -> its metadata (ids without metadata absent)."""
        out: dict[int, dict[str, Any]] = {}
        for part in batched(list(ids)):
            rows = self._db.execute(
                f"SELECT id, metadata FROM feedback WHERE id IN ({placeholders(len(part))}) "
                "AND metadata IS NOT NULL",
                list(part),
            )
            for feedback_id, text in rows:
                data = loads(text, {})
                if isinstance(data, dict) and data:
                    out[int(feedback_id)] = data
        return out

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


def _ids(theme_id: int | Sequence[int]) -> list[int]:
    return [theme_id] if isinstance(theme_id, int) else list(theme_id)
