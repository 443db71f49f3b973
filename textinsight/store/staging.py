"""Stage a file's prepared chunks in the store; publish them in one short transaction.

An ingest validates, redacts and language-tags a whole file before any of it is
visible (a bad row rejects the file). Each prepared chunk is committed to the
``ingest_chunks`` table in its own short transaction, together with what the reader
knew after it (rows read, errors, redactions, the source-id log: ``state``), so:

- nothing of the file is in ``feedback`` (or ``customers``, ``purchases``) until it
  is *published*: one transaction that upserts every staged chunk, records the
  ingest's counts and drops its chunks;
- the store's write lock is held only for each chunk's insert and for the publish,
  never while a chunk is prepared, so other writers (API posts, a finishing run)
  are not held up;
- a killed ingest (``kill -9``, power loss) keeps every chunk it committed: the same
  ingest of the same file (same bytes and options: the *resume key*) continues after
  the last committed chunk instead of starting over. An ingest that fails (a bad row,
  an unreadable file) drops its chunks.

Chunks are stored as compressed JSON (records by field), never as pickles: a database
file may come from elsewhere.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Any

import sqlite_utils

from textinsight.records import Customer, Feedback, Purchase

RECORDS: dict[str, type[Any]] = {"feedback": Feedback, "customers": Customer, "purchases": Purchase}
"""The record class of each file kind."""


@dataclass(frozen=True)
class Resumed:
    """What an interrupted ingest had committed: chunks, rows read, states in order."""

    chunks: int
    rows: int
    states: list[dict[str, Any]]


class IngestStaging:
    """The ``ingest_chunks`` table: staged chunks of one ingest each, by resume key."""

    def __init__(self, db: sqlite_utils.Database):
        self._db = db

    def committed(self, key: str) -> Resumed:
        """The chunks already committed under ``key`` (none: a fresh ingest)."""
        rows = self._db.execute(
            "SELECT n_rows, state FROM ingest_chunks WHERE resume_key = ? ORDER BY n", [key]
        ).fetchall()
        return Resumed(len(rows), sum(r[0] for r in rows), [_unpack(r[1]) for r in rows])

    def put(
        self, key: str, n: int, n_rows: int, items: Sequence[Any], state: dict[str, Any]
    ) -> None:
        """Commit chunk ``n`` (``n_rows`` rows of the file, ``items`` valid records)."""
        chunk = [{f.name: getattr(item, f.name) for f in fields(item)} for item in items]
        with self._db.atomic():
            self._db.execute(
                "INSERT INTO ingest_chunks (resume_key, n, n_rows, chunk, state) "
                "VALUES (?, ?, ?, ?, ?)",
                [key, n, n_rows, _pack(chunk), _pack(state)],
            )

    def chunks(self, key: str, kind: str) -> Iterator[list[Any]]:
        """The staged records of ``key``, chunk by chunk, as ``kind`` records."""
        record = RECORDS[kind]
        last = -1
        while True:
            row = self._db.execute(
                "SELECT n, chunk FROM ingest_chunks WHERE resume_key = ? AND n > ? "
                "ORDER BY n LIMIT 1",
                [key, last],
            ).fetchone()
            if row is None:
                return
            last = row[0]
            yield [record(**values) for values in _unpack(row[1])]

    def clear(self, key: str) -> None:
        """Drop every chunk staged under ``key`` (inside the caller's transaction, if any)."""
        with self._db.atomic():
            self._db.execute("DELETE FROM ingest_chunks WHERE resume_key = ?", [key])


def _pack(value: Any) -> bytes:
    return zlib.compress(json.dumps(value, ensure_ascii=False).encode("utf-8"), 1)


def _unpack(blob: bytes) -> Any:
    return json.loads(zlib.decompress(blob).decode("utf-8"))
