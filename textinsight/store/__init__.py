"""The embedded SQLite store (sqlite-utils, WAL mode).

Every SQL statement of textinsight lives in this package. ``Store`` opens the file,
applies migrations and exposes one small object per group of tables.

Example:
    >>> store = Store(":memory:")
    >>> store.feedback.count()
    0
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import cast

from textinsight.store.actions import ActionTable
from textinsight.store.categories import CategoryTables
from textinsight.store.curation import CurationTables
from textinsight.store.embeddings import EmbeddingCache
from textinsight.store.erase import Erased, Erasure
from textinsight.store.feedback import CustomerTables, FeedbackTable, text_hash
from textinsight.store.reads import ReadQueries
from textinsight.store.retry import DEFAULT_WRITE_WAIT_S, WaitingDatabase
from textinsight.store.runs import ExportRow, RunTables
from textinsight.store.schema import migrate
from textinsight.store.secret import database_secret
from textinsight.store.staging import IngestStaging
from textinsight.store.version import DataVersion

__all__ = ["DataVersion", "Erased", "ExportRow", "Store", "text_hash"]


class Store:
    """One SQLite database file holding feedback, vectors, runs and their results.

    Write transactions begin with ``BEGIN IMMEDIATE`` and wait up to ``write_wait_s``
    seconds for another writer (``store.retry``).
    """

    def __init__(self, path: str | Path, *, write_wait_s: float = DEFAULT_WRITE_WAIT_S):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.db = WaitingDatabase(self.path)
        self.db.write_wait_s = write_wait_s
        self.db.execute(f"PRAGMA busy_timeout = {int(min(write_wait_s, 30) * 1000)}")
        if self.path != ":memory:":
            self.db.enable_wal()
        self.db.execute("PRAGMA synchronous = NORMAL")
        self.db.execute("PRAGMA foreign_keys = ON")
        self.schema_version = migrate(self.db)
        self.feedback = FeedbackTable(self.db)
        self.customers = CustomerTables(self.db)
        self.embeddings = EmbeddingCache(self.db)
        self.runs = RunTables(self.db)
        self.categories = CategoryTables(self.db)
        self.reads = ReadQueries(self.db)
        self.curation = CurationTables(self.db)
        self.erasure = Erasure(self.db)
        self.actions = ActionTable(self.db)
        self.staging = IngestStaging(self.db)

    def database_secret(self, name: str = "pseudonym_key") -> str:
        """A random secret created once and kept in this database (``store.secret``)."""
        return database_secret(self.db, name)

    def transaction(self) -> AbstractContextManager[None]:
        """One transaction around the writes inside it: all of them, or none when an
        exception leaves the block (nested: a savepoint)."""
        return cast(AbstractContextManager[None], self.db.atomic())

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
