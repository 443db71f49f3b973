"""A run's checkpoints, so that a crashed run resumes where it stopped (#15).

After the sample fit a run saves the fitted state (``save``); then each batch of the
streamed assignment appends its arrays (``add_batch``). A later run over the same
inputs (same ``fingerprint``: feedback, model, seed, settings) takes them over
(``take_over``) and continues after the last saved batch. A completed run drops its
own checkpoints and those of every run no longer running (``drop``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sqlite_utils

from textinsight.store._util import pack_state, unpack_state


class RunCheckpoints:
    """The ``run_checkpoints`` and ``run_batches`` tables."""

    def __init__(self, db: sqlite_utils.Database):
        self._db = db

    def save(self, run_id: int, fingerprint: str, state: dict[str, Any]) -> None:
        """Save the state a run reached (replacing an earlier one of the run)."""
        with self._db.atomic():
            self._db.execute(
                "INSERT OR REPLACE INTO run_checkpoints (run_id, fingerprint, state) "
                "VALUES (?, ?, ?)",
                [run_id, fingerprint, pack_state(state)],
            )

    def add_batch(self, run_id: int, start: int, arrays: dict[str, np.ndarray]) -> None:
        """Save one streamed batch's results (rows ``start..``) in its own transaction."""
        with self._db.atomic():
            self._db.execute(
                "INSERT OR REPLACE INTO run_batches (run_id, start, arrays) VALUES (?, ?, ?)",
                [run_id, start, pack_state(arrays)],
            )

    def take_over(self, run_id: int, fingerprint: str) -> dict[str, Any] | None:
        """The latest unfinished run's saved state for ``fingerprint``, moved to ``run_id``
        (with its batches); ``None`` when there is none."""
        with self._db.atomic():
            row = self._db.execute(
                "SELECT c.run_id, c.state FROM run_checkpoints c JOIN runs r ON r.id = c.run_id "
                "WHERE c.fingerprint = ? AND c.run_id != ? AND r.status != 'complete' "
                "ORDER BY c.run_id DESC LIMIT 1",
                [fingerprint, run_id],
            ).fetchone()
            if row is None:
                return None
            old, blob = row
            self._db.execute("DELETE FROM run_checkpoints WHERE run_id = ?", [run_id])
            self._db.execute("DELETE FROM run_batches WHERE run_id = ?", [run_id])
            self._db.execute(
                "UPDATE run_checkpoints SET run_id = ? WHERE run_id = ?", [run_id, old]
            )
            self._db.execute("UPDATE run_batches SET run_id = ? WHERE run_id = ?", [run_id, old])
        state: dict[str, Any] = unpack_state(blob)
        return state

    def batches(self, run_id: int) -> list[tuple[int, dict[str, np.ndarray]]]:
        """The saved batches of a run, by first row."""
        rows = self._db.execute(
            "SELECT start, arrays FROM run_batches WHERE run_id = ? ORDER BY start", [run_id]
        )
        return [(int(start), unpack_state(blob)) for start, blob in rows]

    def drop(self, run_id: int) -> None:
        """Forget a completed run's checkpoints, and those of every run no longer
        running (a newer complete run makes them stale)."""
        stale = "SELECT id FROM runs WHERE status != 'running'"
        with self._db.atomic():
            for table in ("run_checkpoints", "run_batches"):
                self._db.execute(
                    f"DELETE FROM {table} WHERE run_id = ? OR run_id IN ({stale})", [run_id]
                )
