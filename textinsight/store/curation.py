"""The ``curation`` and ``curation_log`` tables: analysts' renames, merges and hides.

Curation is keyed by the stable theme id (see :mod:`textinsight.lineage`), not by
run, so it applies to every later run in which lineage keeps the id. Every change is
also appended to ``curation_log`` with what it replaced.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from textinsight.store._util import dumps, now_iso


@dataclass(frozen=True)
class CurationEntry:
    """The curation in force for one theme id."""

    theme_id: int
    label: str | None = None
    merged_into: int | None = None
    hidden: bool = False


@dataclass(frozen=True)
class CurationChange:
    """One line of the curation history."""

    id: int
    at: str
    action: str
    theme_id: int
    other_id: int | None
    label: str | None
    previous: str | None


class CurationTables:
    """Reads and writes ``curation`` and ``curation_log``."""

    def __init__(self, db: sqlite_utils.Database):
        self._db = db

    def all(self) -> dict[int, CurationEntry]:
        """Theme id -> the curation in force."""
        rows = self._db.execute("SELECT theme_id, label, merged_into, hidden FROM curation")
        return {int(t): CurationEntry(int(t), lbl, m, bool(h)) for t, lbl, m, h in rows}

    def set(
        self,
        entry: CurationEntry,
        *,
        action: str,
        other_id: int | None = None,
        previous: CurationEntry | None = None,
    ) -> None:
        """Store ``entry`` (replacing the theme's earlier curation) and log the change."""
        at = now_iso()
        with self._db.atomic():
            self._db.execute(
                "INSERT INTO curation (theme_id, label, merged_into, hidden, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (theme_id) DO UPDATE SET "
                "label = excluded.label, merged_into = excluded.merged_into, "
                "hidden = excluded.hidden, updated_at = excluded.updated_at",
                [entry.theme_id, entry.label, entry.merged_into, int(entry.hidden), at],
            )
            self._db.execute(
                "INSERT INTO curation_log (at, action, theme_id, other_id, label, previous) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    at,
                    action,
                    entry.theme_id,
                    other_id,
                    entry.label,
                    None if previous is None else dumps(previous.__dict__),
                ],
            )

    def history(self, theme_id: int | None = None) -> list[CurationChange]:
        """The curation log, oldest first (``theme_id``: changes naming that theme)."""
        sql = "SELECT id, at, action, theme_id, other_id, label, previous FROM curation_log"
        params: list[int] = []
        if theme_id is not None:
            sql += " WHERE theme_id = ? OR other_id = ?"
            params = [theme_id, theme_id]
        rows = self._db.execute(sql + " ORDER BY id", params)
        return [CurationChange(*r) for r in rows]
