"""Notice writes to a database file made by any connection, thread or process.

A reader that keeps something derived from the database (a rendered response, an
index) keys it on :class:`DataVersion`: the number changes whenever anyone commits
to the file (a completed run, posted feedback, an ingest from the CLI in another
process), so a cached value under an older number is never served as current.

Example:
    >>> version = DataVersion("feedback.db")  # doctest: +SKIP
    >>> before = version()  # doctest: +SKIP
    >>> # ... anyone commits: a run completes, feedback is posted, ...
    >>> version() != before  # doctest: +SKIP
    True
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path


class DataVersion:
    """SQLite's ``PRAGMA data_version`` on a private connection that never writes.

    ``data_version`` changes when a *different* connection commits, so a connection
    of its own, used for nothing else, sees every commit to the file, including
    those of this process's other connections. One call costs a few microseconds.
    Thread-safe.

    Args:
        path: an existing database file (``:memory:`` databases are private to one
            connection and cannot be watched).
    """

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA busy_timeout = 30000")

    def __call__(self) -> int:
        """A number that differs from every earlier one once anyone has committed."""
        with self._lock:
            return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def close(self) -> None:
        """Close the private connection."""
        with self._lock:
            self._db.close()
