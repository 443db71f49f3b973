"""Writers that wait for each other instead of failing with ``database is locked``.

SQLite allows one writer at a time. A transaction that starts with a plain (deferred)
``BEGIN``, reads, and then writes cannot be saved by ``busy_timeout``: when another
connection committed in between, SQLite answers ``SQLITE_BUSY`` at once, because
waiting could not help that snapshot. So every top-level write transaction here
starts with ``BEGIN IMMEDIATE``: it takes the write lock first (waiting up to
``busy_timeout``), and is retried with exponential backoff and jitter until the
connection's ``write_wait_s`` has passed; then :class:`StoreBusyError` says so.
Nested ``atomic()`` blocks stay savepoints, as in sqlite-utils.

The CLI and library wait long (a run that finishes while a big ingest holds the lock
still gets written); the API waits a few seconds and answers 503 with
``Retry-After``.
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import time
from collections.abc import Callable, Generator
from typing import TypeVar

import sqlite_utils

from textinsight.errors import StoreBusyError

T = TypeVar("T")

DEFAULT_WRITE_WAIT_S = 600.0
"""How long a CLI or library write waits for the lock before giving up."""
_FIRST_PAUSE_S = 0.02
_MAX_PAUSE_S = 1.0


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite's "database is locked/busy" (worth retrying)."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    message = str(exc).lower()
    return "locked" in message or "busy" in message


def retry_busy(action: Callable[[], T], wait_s: float, what: str = "write") -> T:
    """Call ``action`` until it does not fail with busy, for at most ``wait_s`` seconds.

    Only for actions that have no effect when they fail (a transaction that rolled back).

    Raises:
        StoreBusyError: still busy after ``wait_s`` seconds.
    """
    deadline = time.monotonic() + wait_s
    pause = _FIRST_PAUSE_S
    while True:
        try:
            return action()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            left = deadline - time.monotonic()
            if left <= 0:
                raise StoreBusyError(what, wait_s) from exc
            time.sleep(min(left, pause * (0.5 + random.random())))
            pause = min(pause * 2, _MAX_PAUSE_S)


class WaitingDatabase(sqlite_utils.Database):
    """A sqlite-utils Database whose write transactions take the lock first and wait.

    Attributes:
        write_wait_s: how long a write transaction waits for the lock in all.
    """

    write_wait_s: float = DEFAULT_WRITE_WAIT_S

    @contextlib.contextmanager
    def atomic(self) -> Generator[sqlite_utils.Database, None, None]:
        """A transaction begun with ``BEGIN IMMEDIATE`` (a savepoint when nested)."""
        if self.conn.in_transaction:
            with super().atomic() as db:
                yield db
            return
        retry_busy(lambda: self.conn.execute("BEGIN IMMEDIATE"), self.write_wait_s)
        try:
            yield self
        except BaseException:
            self.conn.rollback()
            raise
        try:
            retry_busy(lambda: self.conn.execute("COMMIT"), self.write_wait_s)
        except BaseException:
            self.conn.rollback()
            raise
