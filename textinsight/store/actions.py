"""The action ledger: logged actions, and the run data their measurement reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from textinsight.errors import NotFoundError
from textinsight.records import Action
from textinsight.store._util import dumps, loads, now_iso

_COLUMNS = "id, theme_id, action_date, note, run_id, created_at, stores, segments, channels, level"


@dataclass(frozen=True)
class RunItem:
    """One feedback item of a run as the action ledger needs it."""

    theme_id: int | None
    sentiment: float | None
    created_at: str | None
    customer_id: str | None
    store_id: str | None
    channel: str


class ActionTable:
    """Reads and writes ``actions``."""

    def __init__(self, db: sqlite_utils.Database):
        self._db = db

    def add(
        self,
        *,
        theme_id: int,
        run_id: int,
        date: str,
        note: str,
        stores: Sequence[str] = (),
        segments: Sequence[str] = (),
        channels: Sequence[str] = (),
        level: str = "theme",
    ) -> Action:
        """Store a new action (``theme_id``: a category's id when ``level`` is
        ``category``) and return it with its id."""
        with self._db.atomic():
            cursor = self._db.execute(
                "INSERT INTO actions (theme_id, level, run_id, action_date, stores, segments, "
                "channels, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    theme_id,
                    level,
                    run_id,
                    date,
                    dumps(list(stores)),
                    dumps(list(segments)),
                    dumps(list(channels)),
                    note,
                    now_iso(),
                ],
            )
        return self.get(int(cursor.lastrowid or 0))

    def get(self, action_id: int) -> Action:
        """One action; NotFoundError when there is none with this id."""
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM actions WHERE id = ?", [action_id]
        ).fetchone()
        if row is None:
            raise NotFoundError(
                f"No action with id {action_id}. List actions with `textinsight action list`."
            )
        return _action(row)

    def all(self) -> list[Action]:
        """Every action, oldest first."""
        return [_action(r) for r in self._db.execute(f"SELECT {_COLUMNS} FROM actions ORDER BY id")]

    def known(self, kind: str) -> set[str]:
        """The store ids (``stores``), segments (``segments``) or channels in the data."""
        sql = {
            "stores": "SELECT DISTINCT store_id FROM feedback WHERE store_id IS NOT NULL",
            "segments": "SELECT DISTINCT segment FROM customers WHERE segment IS NOT NULL",
            "channels": "SELECT DISTINCT channel FROM feedback",
        }[kind]
        return {str(row[0]) for row in self._db.execute(sql)}

    def run_items(self, run_id: int) -> list[RunItem]:
        """Every feedback item of a run with its theme, sentiment, date, customer, store."""
        rows = self._db.execute(
            "SELECT a.theme_id, a.sentiment, f.created_at, f.customer_id, f.store_id, f.channel "
            "FROM assignments a JOIN feedback f ON f.id = a.feedback_id WHERE a.run_id = ? "
            "ORDER BY f.id",
            [run_id],
        )
        return [RunItem(*row) for row in rows]


def _action(row: tuple[Any, ...]) -> Action:
    return Action(
        id=row[0],
        theme_id=row[1],
        date=row[2],
        note=row[3],
        run_id=row[4],
        created_at=row[5],
        stores=tuple(loads(row[6], [])),
        segments=tuple(loads(row[7], [])),
        channels=tuple(loads(row[8], [])),
        level=row[9],
    )
