"""Read files into validated, redacted, language-tagged records, chunk by chunk.

Nothing here touches the store: :func:`read_records` yields each chunk's valid
records and ``textinsight.pipeline.ingest_file`` writes them in one transaction.
By default the first invalid row stops the yielding (the remaining rows are still
checked so the error lists them) and :class:`RowErrors` is raised at the end, so
nothing is written; with ``skip_invalid`` invalid rows are skipped and reported.
Rows are processed in chunks, so memory does not grow with the file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from textinsight.errors import RowErrors, ValidationError
from textinsight.ingest import validate
from textinsight.ingest.language import LanguageIdentifier
from textinsight.ingest.readers import read_rows
from textinsight.ingest.redact import redact
from textinsight.records import Feedback

T = TypeVar("T")
MAX_LISTED_ERRORS = 20

FileKind = Literal["feedback", "customers", "purchases"]
"""What a file holds; picks the parser (:data:`PARSERS`)."""


@dataclass
class ReadTally:
    """What reading a file found: rows read, invalid rows, PII redacted."""

    read: int = 0
    errors: list[ValidationError] = field(default_factory=list)
    n_errors: int = 0
    redactions: dict[str, int] = field(default_factory=dict)

    def error(self, exc: ValidationError) -> None:
        """Count an invalid row (the first ``MAX_LISTED_ERRORS`` are kept)."""
        self.n_errors += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(exc)


def derive_source_id(channel: str, text: str) -> str:
    """The source id of a row that has none: a hash of its channel and redacted text.

    Re-ingesting the same text on the same channel therefore updates, never duplicates.
    """
    digest = hashlib.sha256(f"{channel}\x00{text}".encode()).hexdigest()
    return f"h:{digest[:20]}"


def prepare_text(row: dict[str, Any], line: int) -> tuple[str, dict[str, int]]:
    """The validated, whitespace-tidied and PII-redacted text of a raw row, with counts."""
    return redact(validate.feedback_text(row, line))


def prepare_feedback(
    rows: Sequence[tuple[int, dict[str, Any]]],
    *,
    channel: str | None,
    languages: LanguageIdentifier,
    on_error: Callable[[ValidationError], None],
    redactions: dict[str, int] | None = None,
) -> list[Feedback]:
    """Validate, redact and language-tag raw feedback rows.

    Args:
        rows: ``(line or item index, raw row)`` pairs.
        channel: channel for rows that name none.
        languages: detector for rows without a ``language``.
        on_error: called with each row's ValidationError; the row is dropped.
        redactions: counts of redacted PII per kind, updated in place.

    Returns:
        The valid rows as Feedback records, in input order.
    """
    staged: list[tuple[int, dict[str, Any], str]] = []
    fields: dict[str, Any]
    for line, row in rows:
        try:
            text, counts = prepare_text(row, line)
            fields = {
                "channel": validate.channel_field(row, line, channel),
                "source_id": validate.text_field(row, "source_id", line),
                "created_at": validate.date_field(row, "created_at", line),
                "customer_id": validate.text_field(row, "customer_id", line),
                "store_id": validate.text_field(row, "store_id", line),
                "language": validate.language_field(row, line),
                "rating": validate.int_field(row, "rating", line, 1, 5),
                "nps": validate.int_field(row, "nps", line, 0, 10),
                "metadata": validate.metadata(row, line),
            }
        except ValidationError as exc:
            on_error(exc)
            continue
        if redactions is not None:
            for kind, n in counts.items():
                redactions[kind] = redactions.get(kind, 0) + n
        staged.append((line, fields, text))
    missing = [i for i, (_, fields, _) in enumerate(staged) if fields["language"] is None]
    detected = languages.detect([staged[i][2] for i in missing])
    for i, code in zip(missing, detected, strict=True):
        staged[i][1]["language"] = code
    out = []
    for _, fields, text in staged:
        if fields["source_id"] is None:
            fields["source_id"] = derive_source_id(fields["channel"], text)
        out.append(Feedback(text=text, **fields))
    return out


def read_records(
    path: str | Path,
    kind: FileKind = "feedback",
    *,
    channel: str | None = None,
    skip_invalid: bool = False,
    languages: LanguageIdentifier | None = None,
    chunk_size: int = 2000,
    tally: ReadTally | None = None,
) -> Iterator[tuple[int, list[Any]]]:
    """Stream a CSV or JSONL file as ``(rows read, valid records)`` per chunk.

    Feedback becomes :class:`Feedback` (validated, redacted, language-tagged);
    customers and purchases become :class:`Customer` and :class:`Purchase`.

    Args:
        path: the file.
        kind: what it holds.
        channel: channel for feedback rows that name none.
        skip_invalid: skip invalid rows instead of failing the file.
        languages: detector for feedback rows without a ``language``.
        chunk_size: rows per chunk.
        tally: filled in with rows read, errors and redactions.

    Raises:
        InvalidFileError: the file cannot be read at all.
        RowErrors: some rows are invalid and ``skip_invalid`` is off; raised after
            the last row, and no chunk is yielded after the first invalid row.
    """
    tally = tally if tally is not None else ReadTally()
    parse = _parser(kind, tally, channel, languages)
    for chunk in _chunks(read_rows(path), chunk_size):
        good: list[tuple[int, dict[str, Any]]] = []
        for line, row in chunk:
            tally.read += 1
            if isinstance(row, ValidationError):
                tally.error(row)
            else:
                good.append((line, row))
        items = parse(good)
        if not tally.n_errors or skip_invalid:
            yield len(chunk), items
        else:
            yield len(chunk), []
    if tally.n_errors and not skip_invalid:
        raise RowErrors(str(path), tally.errors, more=tally.n_errors - len(tally.errors))


PARSERS: dict[str, Callable[[dict[str, Any], int], Any]] = {
    "customers": validate.customer,
    "purchases": validate.purchase,
}
"""Row parsers of the record files; feedback goes through :func:`prepare_feedback`."""


def _parser(
    kind: FileKind,
    tally: ReadTally,
    channel: str | None,
    languages: LanguageIdentifier | None,
) -> Callable[[list[tuple[int, dict[str, Any]]]], list[Any]]:
    if kind == "feedback":
        detector = languages or LanguageIdentifier()
        return lambda rows: prepare_feedback(
            rows,
            channel=channel,
            languages=detector,
            on_error=tally.error,
            redactions=tally.redactions,
        )
    try:
        parse = PARSERS[kind]
    except KeyError:
        raise ValueError(
            f"Unknown file kind '{kind}'. Allowed: feedback, {', '.join(PARSERS)}."
        ) from None

    def records(rows: list[tuple[int, dict[str, Any]]]) -> list[Any]:
        items = []
        for line, row in rows:
            try:
                items.append(parse(row, line))
            except ValidationError as exc:
                tally.error(exc)
        return items

    return records


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
