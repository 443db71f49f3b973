"""Progress reporting without tying the library to a terminal.

Long library calls take a ``progress`` argument: a callable that opens a task and
returns a context manager yielding ``advance(n)``. The default reports nothing; the
CLI passes a rich progress bar that only draws on a terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

Advance = Callable[[int], None]
ProgressFactory = Callable[[str, int | None], AbstractContextManager[Advance]]


@contextmanager
def no_progress(description: str, total: int | None = None) -> Iterator[Advance]:
    """A progress task that reports nothing."""
    yield _ignore


def _ignore(n: int = 1) -> None:
    """Advance a task that reports nothing."""
