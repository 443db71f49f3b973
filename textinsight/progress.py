"""Progress reporting without tying the library to a terminal.

Long library calls take a ``progress`` argument: a callable that opens a task and
returns a context manager yielding ``advance(n)``. The default reports nothing; the
CLI passes a rich progress bar that only draws on a terminal.
"""

from __future__ import annotations

import sys
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


@contextmanager
def rich_progress(description: str, total: int | None = None) -> Iterator[Advance]:
    """A rich progress bar on a terminal; silent when stderr is a pipe."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task(description, total=total)

        def advance(n: int = 1) -> None:
            bar.advance(task, n)

        yield advance
