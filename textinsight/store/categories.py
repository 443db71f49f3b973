"""Reads of a run's categories: the level above its themes.

Written by ``RunTables.complete`` in the run's transaction; a theme's ``parent_id``
names its category. Category ids come from the same allocator as theme ids, so an id
never means both.
"""

from __future__ import annotations

import numpy as np
import sqlite_utils

from textinsight.errors import NotFoundError
from textinsight.lineage import LineageEvent, ThemeSnapshot
from textinsight.records import Category
from textinsight.store._util import loads
from textinsight.store.runs import CATEGORY_COLUMNS, theme_from_row


class CategoryTables:
    """Reads ``categories`` and ``category_lineage``."""

    def __init__(self, db: sqlite_utils.Database):
        self._db = db

    def all(self, run_id: int) -> list[Category]:
        """The categories of a run, largest first (empty for runs before categories)."""
        rows = self._db.execute(
            f"SELECT {CATEGORY_COLUMNS} FROM categories WHERE run_id = ? "
            "ORDER BY size DESC, category_id",
            [run_id],
        )
        return [theme_from_row(r) for r in rows]

    def get(self, run_id: int, category_id: int) -> Category:
        """One category of a run; NotFoundError names the run when it is absent."""
        row = self._db.execute(
            f"SELECT {CATEGORY_COLUMNS} FROM categories WHERE run_id = ? AND category_id = ?",
            [run_id, category_id],
        ).fetchone()
        if row is None:
            raise NotFoundError(
                f"No category {category_id} in run {run_id}. List categories with "
                "`textinsight themes --level category`."
            )
        return theme_from_row(row)

    def snapshot(self, run_id: int) -> ThemeSnapshot:
        """A run's category ids, centroids, keywords and feedback membership (via the
        themes' ``parent_id``), for lineage."""
        rows = self._db.execute(
            "SELECT category_id, centroid, keywords FROM categories WHERE run_id = ? "
            "ORDER BY category_id",
            [run_id],
        ).fetchall()
        ids = [r[0] for r in rows]
        index = {category_id: i for i, category_id in enumerate(ids)}
        members = self._db.execute(
            "SELECT a.feedback_id, t.parent_id FROM assignments a JOIN themes t "
            "ON t.run_id = a.run_id AND t.theme_id = a.theme_id "
            "WHERE a.run_id = ? AND t.parent_id IS NOT NULL",
            [run_id],
        )
        centroids = (
            np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
            if rows
            else np.zeros((0, 0), dtype=np.float32)
        )
        return ThemeSnapshot(
            ids=ids,
            centroids=centroids,
            keywords=[tuple(loads(r[2], [])) for r in rows],
            members={f: index[c] for f, c in members if c in index},
        )

    def lineage(self, run_id: int) -> list[LineageEvent]:
        """The category lineage events recorded by a run."""
        rows = self._db.execute(
            "SELECT kind, category_id, previous_ids, similarity FROM category_lineage "
            "WHERE run_id = ? ORDER BY rowid",
            [run_id],
        )
        return [LineageEvent(k, c, tuple(loads(p, [])), s) for k, c, p, s in rows]
