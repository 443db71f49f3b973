"""Runs and their results: themes and assignments.

A run row is created as ``running``; its themes and assignments are written in one
transaction together with the switch to ``complete`` and ``is_current``, so readers
only ever see complete runs and a crashed run leaves the previous one current.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import sqlite_utils

from textinsight.errors import NoRunError, NotFoundError, StoreBusyError
from textinsight.lineage import LineageEvent, ThemeSnapshot
from textinsight.records import Assignment, RunInfo, Theme, ThemeValue
from textinsight.store._util import dumps, loads, now_iso, pack_state, unpack_state
from textinsight.store.process import abandoned, this_process

log = logging.getLogger("textinsight.store")

RUN_COLUMNS = (
    "id, status, is_current, started_at, finished_at, seed, model_id, params, n_feedback, "
    "n_themes, n_unassigned, n_embedded, timings, error"
)
THEME_COLUMNS = (
    "theme_id, run_id, label, keywords, size, share, quotes, languages, channels, sentiment, "
    "x, y, value, parent_id, noise, keywords_by_language"
)
_THEME_VALUES = "(" + ", ".join("?" * (THEME_COLUMNS.count(",") + 2)) + ")"
"""Placeholders for ``THEME_COLUMNS`` plus the centroid."""


@dataclass(frozen=True)
class ExportRow:
    """One line of ``export assignments``."""

    source_id: str
    channel: str
    language: str
    theme_id: int | None
    probability: float
    sentiment: float | None
    category_id: int | None = None


class RunTables:
    """Reads and writes ``runs``, ``themes`` and ``assignments``."""

    def __init__(self, db: sqlite_utils.Database):
        self._db = db

    # -- writing ---------------------------------------------------------------------
    def start(self, *, seed: int, model_id: str, params: dict[str, Any]) -> int:
        """Record a new run as ``running`` (with this process's id) and return its id."""
        with self._db.atomic():
            cursor = self._db.execute(
                "INSERT INTO runs (status, started_at, seed, model_id, params, pid, host) "
                "VALUES ('running', ?, ?, ?, ?, ?, ?)",
                [now_iso(), seed, model_id, dumps(params), *this_process()],
            )
        return int(cursor.lastrowid or 0)

    def fail(self, run_id: int, error: str) -> bool:
        """Mark a run as failed; the current run stays current.

        Never raises for a database error (the caller is already handling one): when
        the failure cannot be written, it is logged, and once this process ends the
        run shows as ``abandoned``. Returns whether it was written.
        """
        try:
            with self._db.atomic():
                self._db.execute(
                    "UPDATE runs SET status = 'failed', finished_at = ?, error = ? WHERE id = ?",
                    [now_iso(), error[:2000], run_id],
                )
        except (StoreBusyError, sqlite3.Error) as exc:
            log.warning("could not record the failure of run %s: %s", run_id, exc)
            return False
        return True

    def allocate_theme_ids(self, n: int) -> list[int]:
        """Reserve ``n`` new theme ids, unique across all runs."""
        with self._db.atomic():
            row = self._db.execute("SELECT value FROM meta WHERE key = 'next_theme_id'").fetchone()
            first = int(row[0]) if row else 1
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES ('next_theme_id', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [str(first + n)],
            )
        return list(range(first, first + n))

    def complete(
        self,
        run_id: int,
        *,
        themes: Sequence[Theme],
        centroids: np.ndarray,
        assignments: Iterable[Assignment],
        params: dict[str, Any],
        timings: dict[str, float],
        n_embedded: int,
        lineage: Sequence[LineageEvent] = (),
        previous_run_id: int | None = None,
        clusterer: Mapping[str, Any] | None = None,
        categories: Sequence[Theme] = (),
        category_centroids: np.ndarray | None = None,
        category_lineage: Sequence[LineageEvent] = (),
    ) -> None:
        """Write a run's results and make it the current run, all in one transaction.

        ``clusterer``: the fitted clusterer's state (``ThemeClusterer.to_state``), its
        themes in the order of ``themes``; :meth:`clusterer` gives it back for assigning
        new feedback.

        ``assignments`` may be a generator: they are written as they come, so a run of
        millions of items never holds them all.

        ``categories`` (with their centroids and lineage) are the level above the themes
        (``store.categories``); each theme's ``parent_id`` names one of them.
        """
        counts = [0, 0]  # assignments, unassigned: counted as they stream in

        def rows() -> Iterator[tuple[Any, ...]]:
            for a in assignments:
                counts[0] += 1
                counts[1] += a.theme_id is None
                yield (run_id, a.feedback_id, a.theme_id, a.probability, a.sentiment)

        with self._db.atomic():
            self._db.conn.executemany(
                f"INSERT INTO themes ({THEME_COLUMNS}, centroid) VALUES " + _THEME_VALUES,
                theme_rows(run_id, themes, centroids),
            )
            _write_categories(
                self._db, run_id, categories, category_centroids, category_lineage, previous_run_id
            )
            self._db.conn.executemany(
                "INSERT INTO assignments (run_id, feedback_id, theme_id, probability, sentiment) "
                "VALUES (?, ?, ?, ?, ?)",
                rows(),
            )
            self._db.conn.executemany(
                "INSERT INTO lineage (run_id, theme_id, kind, previous_run_id, previous_ids, "
                "similarity) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        run_id,
                        e.theme_id,
                        e.kind,
                        previous_run_id,
                        dumps(list(e.previous_ids)),
                        e.similarity,
                    )
                    for e in lineage
                ],
            )
            if clusterer is not None:
                self._db.execute(
                    "INSERT INTO clusterers (run_id, theme_ids, state) VALUES (?, ?, ?)",
                    [run_id, dumps([t.id for t in themes]), pack_state(dict(clusterer))],
                )
            self._db.execute("UPDATE runs SET is_current = 0 WHERE is_current = 1")
            self._db.execute(
                "UPDATE runs SET status = 'complete', is_current = 1, finished_at = ?, "
                "params = ?, timings = ?, n_feedback = ?, n_themes = ?, n_unassigned = ?, "
                "n_embedded = ? WHERE id = ?",
                [
                    now_iso(),
                    dumps(params),
                    dumps(timings),
                    counts[0],
                    len(themes),
                    counts[1],
                    n_embedded,
                    run_id,
                ],
            )

    def add_assignments(self, run_id: int, assignments: Sequence[Assignment]) -> None:
        """Record incremental assignments in a complete run (replacing earlier ones)."""
        with self._db.atomic():
            self._db.conn.executemany(
                "INSERT OR REPLACE INTO assignments "
                "(run_id, feedback_id, theme_id, probability, sentiment) VALUES (?, ?, ?, ?, ?)",
                [
                    (run_id, a.feedback_id, a.theme_id, a.probability, a.sentiment)
                    for a in assignments
                ],
            )

    def add_theme(
        self,
        run_id: int,
        theme: Theme,
        clusterer: Mapping[str, Any],
        assignments: Sequence[Assignment],
    ) -> None:
        """Add a theme to a complete run (``emerging.promote``), in one transaction: its
        row, a ``promoted`` lineage event, its feedback's assignments, the run's
        clusterer state that now knows it (its last centroid is the new theme's) and
        the run's counts."""
        theme_ids, _ = self.clusterer(run_id)
        centroid = np.asarray(clusterer["centroids"])[-1]
        with self._db.atomic():
            self._db.conn.executemany(
                f"INSERT INTO themes ({THEME_COLUMNS}, centroid) VALUES " + _THEME_VALUES,
                theme_rows(run_id, [theme], centroid[None]),
            )
            self._db.execute(
                "INSERT INTO lineage (run_id, theme_id, kind, previous_run_id, previous_ids, "
                "similarity) VALUES (?, ?, 'promoted', NULL, '[]', NULL)",
                [run_id, theme.id],
            )
            self.add_assignments(run_id, assignments)
            self._db.execute(
                "UPDATE clusterers SET theme_ids = ?, state = ? WHERE run_id = ?",
                [dumps([*theme_ids, theme.id]), pack_state(dict(clusterer)), run_id],
            )
            self._db.execute(
                "UPDATE runs SET n_themes = n_themes + 1, n_unassigned = "
                "(SELECT count(*) FROM assignments WHERE run_id = ? AND theme_id IS NULL) "
                "WHERE id = ?",
                [run_id, run_id],
            )

    # -- reading ---------------------------------------------------------------------
    def current(self) -> RunInfo:
        """The current run; raises NoRunError when there is none."""
        row = self._db.execute(
            f"SELECT {RUN_COLUMNS} FROM runs WHERE is_current = 1 AND status = 'complete'"
        ).fetchone()
        if row is None:
            raise NoRunError()
        return _run(row)

    def get(self, run_id: int | None = None) -> RunInfo:
        """Run ``run_id``, or the current run when ``None``."""
        if run_id is None:
            return self.current()
        row = self._db.execute(f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?", [run_id]).fetchone()
        if row is None:
            raise NotFoundError(f"No run with id {run_id}. List runs with `textinsight runs`.")
        return _run(row, self._gone() if row[1] == "running" else {})

    def all(self) -> list[RunInfo]:
        """All runs, newest first."""
        rows = self._db.execute(f"SELECT {RUN_COLUMNS} FROM runs ORDER BY id DESC").fetchall()
        return [_run(r, self._gone()) for r in rows]

    def _gone(self) -> dict[int, str]:
        """Running runs whose process is gone: run id -> why it is abandoned."""
        rows = self._db.execute("SELECT id, pid, host FROM runs WHERE status = 'running'")
        return {run_id: why for run_id, pid, host in rows if (why := abandoned(pid, host))}

    def complete_run(self, run_id: int | None) -> RunInfo:
        """Like :meth:`get`, but only a complete run is accepted."""
        run = self.get(run_id)
        if run.status != "complete":
            raise NotFoundError(
                f"Run {run.id} is {run.status}, not complete; its results are not readable. "
                "Pick a complete run from `textinsight runs`."
            )
        return run

    def themes(self, run_id: int) -> list[Theme]:
        """The themes of a run, largest first."""
        rows = self._db.execute(
            f"SELECT {THEME_COLUMNS} FROM themes WHERE run_id = ? ORDER BY size DESC, theme_id",
            [run_id],
        )
        return [theme_from_row(r) for r in rows]

    def theme(self, run_id: int, theme_id: int) -> Theme:
        """One theme of a run; NotFoundError names the run when it is absent."""
        row = self._db.execute(
            f"SELECT {THEME_COLUMNS} FROM themes WHERE run_id = ? AND theme_id = ?",
            [run_id, theme_id],
        ).fetchone()
        if row is None:
            raise NotFoundError(
                f"No theme {theme_id} in run {run_id}. List themes with `textinsight themes`."
            )
        return theme_from_row(row)

    def centroids(self, run_id: int) -> tuple[list[int], np.ndarray]:
        """The theme ids of a run and their centroid matrix (rows in the same order)."""
        rows = self._db.execute(
            "SELECT theme_id, centroid FROM themes WHERE run_id = ? ORDER BY theme_id", [run_id]
        ).fetchall()
        if not rows:
            return [], np.zeros((0, 0), dtype=np.float32)
        return [r[0] for r in rows], np.vstack(
            [np.frombuffer(r[1], dtype=np.float32) for r in rows]
        )

    def clusterer(self, run_id: int) -> tuple[list[int], dict[str, Any]]:
        """The theme ids of a run, in label order, and its saved clusterer state.

        Raises:
            NotFoundError: the run saved no clusterer (made before they were saved).
        """
        row = self._db.execute(
            "SELECT theme_ids, state FROM clusterers WHERE run_id = ?", [run_id]
        ).fetchone()
        if row is None:
            raise NotFoundError(
                f"Run {run_id} has no saved clusterer (it was made by an older textinsight). "
                "Run `textinsight run` again, then assign."
            )
        return [int(i) for i in loads(row[0], [])], unpack_state(row[1])

    def snapshot(self, run_id: int) -> ThemeSnapshot:
        """A run's theme ids, centroids, keywords and feedback membership, for lineage."""
        ids, centroids = self.centroids(run_id)
        keywords = {t.id: t.keywords for t in self.themes(run_id)}
        index = {theme_id: i for i, theme_id in enumerate(ids)}
        rows = self._db.execute(
            "SELECT feedback_id, theme_id FROM assignments "
            "WHERE run_id = ? AND theme_id IS NOT NULL",
            [run_id],
        )
        return ThemeSnapshot(
            ids=ids,
            centroids=centroids,
            keywords=[keywords[i] for i in ids],
            members={f: index[t] for f, t in rows if t in index},
        )

    def lineage(self, run_id: int) -> list[LineageEvent]:
        """The lineage events recorded by a run."""
        rows = self._db.execute(
            "SELECT kind, theme_id, previous_ids, similarity FROM lineage WHERE run_id = ? "
            "ORDER BY rowid",
            [run_id],
        )
        return [LineageEvent(k, t, tuple(loads(p, [])), s) for k, t, p, s in rows]

    def theme_history(self, theme_id: int) -> list[tuple[int, LineageEvent]]:
        """(run id, event) for every complete run that recorded this theme, oldest first."""
        rows = self._db.execute(
            "SELECT l.run_id, l.kind, l.theme_id, l.previous_ids, l.similarity FROM lineage l "
            "JOIN runs r ON r.id = l.run_id WHERE r.status = 'complete' AND "
            "(l.theme_id = ? OR EXISTS (SELECT 1 FROM json_each(l.previous_ids) "
            "WHERE json_each.value = ?)) ORDER BY l.run_id, l.rowid",
            [theme_id, theme_id],
        )
        return [(r, LineageEvent(k, t, tuple(loads(p, [])), s)) for r, k, t, p, s in rows]

    def export(self, run_id: int) -> Iterator[ExportRow]:
        """Every assignment of a run joined to its feedback, in feedback order."""
        rows = self._db.execute(
            "SELECT f.source_id, f.channel, f.language, a.theme_id, a.probability, a.sentiment, "
            "t.parent_id FROM assignments a JOIN feedback f ON f.id = a.feedback_id "
            "LEFT JOIN themes t ON t.run_id = a.run_id AND t.theme_id = a.theme_id "
            "WHERE a.run_id = ? ORDER BY f.id",
            [run_id],
        )
        for row in rows:
            yield ExportRow(*row)

    def weekly_counts(self, run_id: int) -> dict[int, dict[str, int]]:
        """Theme id -> {Monday of the ISO week: feedback count}, from ``created_at``."""
        rows = self._db.execute(
            "SELECT a.theme_id, date(f.created_at, '-6 days', 'weekday 1') AS week, count(*) "
            "FROM assignments a JOIN feedback f ON f.id = a.feedback_id "
            "WHERE a.run_id = ? AND a.theme_id IS NOT NULL AND f.created_at IS NOT NULL "
            "GROUP BY a.theme_id, week ORDER BY week",
            [run_id],
        )
        weekly: dict[int, dict[str, int]] = {}
        for theme_id, week, n in rows:
            if week is not None:
                weekly.setdefault(theme_id, {})[week] = n
        return weekly


def _run(row: tuple[Any, ...], gone: Mapping[int, str] | None = None) -> RunInfo:
    why = (gone or {}).get(row[0])
    return RunInfo(
        id=row[0],
        status="abandoned" if why else row[1],
        is_current=bool(row[2]),
        started_at=row[3],
        finished_at=row[4],
        seed=row[5],
        model_id=row[6],
        params=loads(row[7], {}),
        n_feedback=row[8],
        n_themes=row[9],
        n_unassigned=row[10],
        n_embedded=row[11],
        timings=loads(row[12], {}),
        error=why or row[13],
    )


CATEGORY_COLUMNS = THEME_COLUMNS.replace("theme_id", "category_id")


def _write_categories(
    db: sqlite_utils.Database,
    run_id: int,
    categories: Sequence[Theme],
    centroids: np.ndarray | None,
    lineage: Sequence[LineageEvent],
    previous_run_id: int | None,
) -> None:
    """Insert a run's categories and their lineage (inside the caller's transaction)."""
    if not categories:
        return
    if centroids is None:
        centroids = np.zeros((len(categories), 0), dtype=np.float32)
    db.conn.executemany(
        f"INSERT INTO categories ({CATEGORY_COLUMNS}, centroid) VALUES " + _THEME_VALUES,
        theme_rows(run_id, categories, centroids),
    )
    db.conn.executemany(
        "INSERT INTO category_lineage (run_id, category_id, kind, previous_run_id, "
        "previous_ids, similarity) VALUES (?, ?, ?, ?, ?, ?)",
        [
            (run_id, e.theme_id, e.kind, previous_run_id, dumps(list(e.previous_ids)), e.similarity)
            for e in lineage
        ],
    )


def theme_rows(
    run_id: int, themes: Sequence[Theme], centroids: np.ndarray
) -> list[tuple[Any, ...]]:
    """The values of ``THEME_COLUMNS`` plus the centroid, one tuple per theme."""
    return [
        (
            t.id,
            run_id,
            t.label,
            dumps(list(t.keywords)),
            t.size,
            t.share,
            dumps(list(t.quotes)),
            dumps(t.languages),
            dumps(t.channels),
            t.sentiment,
            t.x,
            t.y,
            None if t.value is None else dumps(asdict(t.value)),
            t.parent_id,
            int(t.noise),
            dumps({k: list(v) for k, v in t.keywords_by_language.items()}),
            np.asarray(c, dtype=np.float32).tobytes(),
        )
        for t, c in zip(themes, centroids, strict=True)
    ]


def theme_from_row(row: tuple[Any, ...]) -> Theme:
    """A ``Theme`` from a row of ``THEME_COLUMNS`` (or the categories' same columns)."""
    return Theme(
        id=row[0],
        run_id=row[1],
        label=row[2],
        keywords=tuple(loads(row[3], [])),
        size=row[4],
        share=row[5],
        quotes=tuple(loads(row[6], [])),
        languages=loads(row[7], {}),
        channels=loads(row[8], {}),
        sentiment=row[9],
        x=row[10],
        y=row[11],
        value=_value(row[12]),
        parent_id=row[13],
        noise=bool(row[14]),
        keywords_by_language={k: tuple(v) for k, v in loads(row[15], {}).items()},
    )


def _value(text: str | None) -> ThemeValue | None:
    data = loads(text)
    if data is None:
        return None
    names = {f.name for f in fields(ThemeValue)}
    data = {k: v for k, v in data.items() if k in names}  # metrics of older versions
    for key in names:
        if key.endswith("_ci") and data.get(key) is not None:
            data[key] = tuple(data[key])
    return ThemeValue(**data)
