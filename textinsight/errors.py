"""One error hierarchy for the whole library.

Every message names the bad value, what is allowed, and how to fix it. The CLI and
the API translate these into exit codes and HTTP responses; the library never
raises click or HTTP exceptions itself.
"""

from __future__ import annotations


class TextInsightError(Exception):
    """Base class of every error textinsight raises on purpose."""


class ConfigError(TextInsightError):
    """A setting has a value that is not allowed."""


class ValidationError(TextInsightError):
    """An input row or field is invalid.

    Attributes:
        line: 1-based line (CSV: physical line of the row; JSONL: line number) or
            item index for API batches; ``None`` when not tied to one row.
        field: the offending field, or ``None``.
        reason: what is wrong and how to fix it.
    """

    def __init__(self, reason: str, *, line: int | None = None, field: str | None = None):
        self.line = line
        self.field = field
        self.reason = reason
        where = []
        if line is not None:
            where.append(f"line {line}")
        if field is not None:
            where.append(f"field '{field}'")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {reason}" if prefix else reason)


class InvalidFileError(ValidationError):
    """A whole input file is unreadable (wrong encoding, wrong format, ...)."""


class RowErrors(TextInsightError):
    """One or more rows of a file are invalid; nothing was written.

    Attributes:
        errors: the individual row errors, in file order.
    """

    def __init__(self, path: str, errors: list[ValidationError], *, more: int = 0):
        self.path = path
        self.errors = errors
        self.more = more
        first = errors[0]
        n = len(errors) + more
        extra = f" (and {n - 1} more invalid row{'s' if n > 2 else ''})" if n > 1 else ""
        super().__init__(
            f"{path}: {first}{extra}. Nothing was written. Fix the row(s), or pass "
            "--skip-invalid to load the valid rows and list the skipped ones."
        )


class NotFoundError(TextInsightError):
    """A run, theme or record that was asked for does not exist."""


class NoRunError(NotFoundError):
    """There is no complete run yet."""

    def __init__(self) -> None:
        super().__init__("No complete run in this database yet. Run `textinsight run` first.")


class EmptyCorpusError(TextInsightError):
    """There is too little feedback to find themes."""


class ModelError(TextInsightError):
    """A model could not be loaded or is unknown."""


class NotFittedError(TextInsightError):
    """A fitted-state method was called before ``fit``."""


class StoreBusyError(TextInsightError):
    """Another writer held the database longer than this one may wait.

    Attributes:
        retry_after: seconds after which trying again is reasonable.
    """

    def __init__(self, what: str, waited_s: float):
        self.retry_after = max(1, round(min(waited_s, 30)))
        super().__init__(
            f"The database is busy with another write (an ingest or a run) and this {what} "
            f"waited {waited_s:g} s for it. Nothing was written; retry in about "
            f"{self.retry_after} s."
        )


class CorpusChangedError(TextInsightError):
    """Feedback a run had read was deleted before the run could finish; run again."""
