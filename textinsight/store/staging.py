"""Stage prepared rows outside the write lock, then write them in one short transaction.

An ingest validates, redacts and language-tags a whole file before anything is
written (a bad row rejects the file). Doing that inside the write transaction held
SQLite's single write lock for as long as the file took to prepare, so every other
writer (API posts, a finishing run) waited or failed. Here the prepared chunks go to
a ``TEMP`` table first: temporary tables live in the connection's own temporary
database, so filling one takes no lock on the store, and memory stays bounded by one
chunk. Only the final upsert, a fraction of the time, holds the lock.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlite_utils


class Staging:
    """A temporary, connection-private queue of chunks of prepared records."""

    def __init__(self, db: sqlite_utils.Database, name: str):
        self._db = db
        self._table = name

    def put(self, items: Sequence[Any]) -> None:
        """Append one chunk (committed at once, so no transaction stays open)."""
        if not items:
            return
        self._db.execute(
            f"INSERT INTO temp.{self._table} (chunk) VALUES (?)",
            [pickle.dumps(list(items), protocol=pickle.HIGHEST_PROTOCOL)],
        )
        self._db.conn.commit()

    def __iter__(self) -> Iterator[list[Any]]:
        last = 0
        while True:
            row = self._db.execute(
                f"SELECT n, chunk FROM temp.{self._table} WHERE n > ? ORDER BY n LIMIT 1", [last]
            ).fetchone()
            if row is None:
                return
            last = row[0]
            # our own pickles, written a moment ago by this connection
            yield pickle.loads(row[1])  # noqa: S301


@contextmanager
def staging(db: sqlite_utils.Database, name: str = "ingest_stage") -> Iterator[Staging]:
    """A fresh :class:`Staging` table, dropped afterwards."""
    db.execute(f"DROP TABLE IF EXISTS temp.{name}")
    db.execute(f"CREATE TEMP TABLE {name} (n INTEGER PRIMARY KEY, chunk BLOB NOT NULL)")
    db.conn.commit()
    try:
        yield Staging(db, name)
    finally:
        db.execute(f"DROP TABLE IF EXISTS temp.{name}")
        db.conn.commit()
