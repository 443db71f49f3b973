"""The embedded SQLite store (sqlite-utils, WAL mode).

Every SQL statement of textinsight lives in this package. ``Store`` opens the file,
applies migrations and exposes one small object per group of tables.

Example:
    >>> store = Store(":memory:")
    >>> store.feedback.count()
    0
"""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from textinsight.store.curation import CurationTables
from textinsight.store.embeddings import EmbeddingCache
from textinsight.store.feedback import CustomerTables, FeedbackTable, text_hash
from textinsight.store.reads import ReadQueries
from textinsight.store.runs import ExportRow, RunTables
from textinsight.store.schema import migrate
from textinsight.store.version import DataVersion

__all__ = ["DataVersion", "ExportRow", "Store", "text_hash"]


class Store:
    """One SQLite database file holding feedback, vectors, runs and their results."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite_utils.Database(self.path)
        self.db.execute("PRAGMA busy_timeout = 30000")
        if self.path != ":memory:":
            self.db.enable_wal()
        self.db.execute("PRAGMA synchronous = NORMAL")
        self.db.execute("PRAGMA foreign_keys = ON")
        self.schema_version = migrate(self.db)
        self.feedback = FeedbackTable(self.db)
        self.customers = CustomerTables(self.db)
        self.embeddings = EmbeddingCache(self.db)
        self.runs = RunTables(self.db)
        self.reads = ReadQueries(self.db)
        self.curation = CurationTables(self.db)

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
