"""Read files into validated, redacted, language-tagged records, chunk by chunk.

Nothing here touches the store: :func:`read_records` yields each chunk's valid
records and ``textinsight.pipeline.ingest_file`` stages them and publishes the file
in one transaction. What a resumed ingest needs of the rows already staged (the
tally, the source-id log) is saved with each chunk (:func:`chunk_state`) and read
back with :func:`restore`.
By default the first invalid row stops the yielding (the remaining rows are still
checked so the error lists them) and :class:`RowErrors` is raised at the end, so
nothing is written; with ``skip_invalid`` invalid rows are skipped and reported.
Rows are processed in chunks, so memory does not grow with the file.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from textinsight.errors import RowErrors, ValidationError
from textinsight.ingest import validate
from textinsight.ingest.formats import DATE_ORDER, FileOptions
from textinsight.ingest.language import LanguageIdentifier
from textinsight.ingest.pseudonym import Pseudonymiser
from textinsight.ingest.readers import read_rows
from textinsight.ingest.redact import redact
from textinsight.ingest.source_ids import SourceIds
from textinsight.records import Customer, Feedback, Purchase

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

    def to_state(self) -> dict[str, Any]:
        """The tally as JSON-ready values (:meth:`from_state` reads them back)."""
        return {
            "read": self.read,
            "n_errors": self.n_errors,
            "errors": [[e.reason, e.line, e.field] for e in self.errors],
            "redactions": dict(self.redactions),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> ReadTally:
        """The tally :meth:`to_state` saved."""
        errors = [
            ValidationError(reason, line=line, field=name) for reason, line, name in state["errors"]
        ]
        return cls(state["read"], errors, state["n_errors"], dict(state["redactions"]))


def chunk_state(tally: ReadTally, source_ids: SourceIds) -> dict[str, Any]:
    """What a resumed ingest needs to know of the rows read so far (JSON-ready)."""
    return {"tally": tally.to_state(), "source_ids": source_ids.take_log()}


def restore(states: Sequence[dict[str, Any]], source_ids: SourceIds) -> ReadTally:
    """The tally after the chunks whose :func:`chunk_state` are ``states``; replays
    their source-id logs into ``source_ids``."""
    for state in states:
        source_ids.replay(state["source_ids"])
    return ReadTally.from_state(states[-1]["tally"]) if states else ReadTally()


def resume_key(path: str | Path, *settings: object) -> str:
    """The identity of one ingest: the file's bytes (SHA-256) and everything that
    changes what reading it gives (``settings``: kind, channel, options, ...)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    digest.update(repr(settings).encode("utf-8"))
    return digest.hexdigest()


def derive_source_id(channel: str, text: str) -> str:
    """The source id of a row with neither source id, customer nor date (``SourceIds``)."""
    return SourceIds().derive(channel, text, None, None)


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
    pseudonyms: Pseudonymiser | None = None,
    source_ids: SourceIds | None = None,
) -> list[Feedback]:
    """Validate, redact and language-tag raw feedback rows.

    Args:
        rows: ``(line or item index, raw row)`` pairs.
        channel: channel for rows that name none.
        languages: detector for rows without a ``language``.
        on_error: called with each row's ValidationError; the row is dropped.
        redactions: counts of redacted PII per kind, updated in place.
        pseudonyms: protects identifiers that are personal data and redacts metadata
            (``ingest.pseudonym``; default: a random key for this call, so pseudonyms
            are not stable: pass one).
        source_ids: derives missing source ids and notes repeated ones across the
            chunks of one file (default: new for this call).

    Returns:
        The valid rows as Feedback records, in input order.
    """
    staged = stage_feedback(
        rows,
        channel=channel,
        languages=languages,
        on_error=on_error,
        redactions=redactions,
        pseudonyms=pseudonyms,
    )
    return finish_feedback(staged, source_ids or SourceIds())


Staged = tuple[int, dict[str, Any], str]
"""A prepared feedback row before its source id: (line, fields, redacted text)."""


def stage_feedback(
    rows: Sequence[tuple[int, dict[str, Any]]],
    *,
    channel: str | None,
    languages: LanguageIdentifier,
    on_error: Callable[[ValidationError], None],
    redactions: dict[str, int] | None = None,
    pseudonyms: Pseudonymiser | None = None,
) -> list[Staged]:
    """The row-by-row part of :func:`prepare_feedback`: validate, redact, pseudonymise
    and detect languages. Rows are independent, so batches may run in parallel (the
    Ray engine); :func:`finish_feedback` then gives source ids in file order."""
    staged: list[Staged] = []
    fields: dict[str, Any]
    pseudonyms = pseudonyms or Pseudonymiser.ephemeral()
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
            pseudonyms.feedback_fields(fields, counts)
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
    return staged


def finish_feedback(staged: Sequence[Staged], source_ids: SourceIds) -> list[Feedback]:
    """Staged rows as Feedback records, in order: missing source ids derived and
    repeated ones noted by ``source_ids`` (which spans the whole file)."""
    source_ids.given_many(
        [
            (f["channel"], f["source_id"], line)
            for line, f, _ in staged
            if f["source_id"] is not None
        ]
    )
    missing = [(fields, text) for _, fields, text in staged if fields["source_id"] is None]
    derived = source_ids.derive_many(
        [(f["channel"], text, f["customer_id"], f["created_at"]) for f, text in missing]
    )
    for (fields, _), source_id in zip(missing, derived, strict=True):
        fields["source_id"] = source_id
    return [Feedback(text=text, **fields) for _, fields, text in staged]


def read_records(
    path: str | Path,
    kind: FileKind = "feedback",
    *,
    channel: str | None = None,
    skip_invalid: bool = False,
    languages: LanguageIdentifier | None = None,
    chunk_size: int = 2000,
    tally: ReadTally | None = None,
    pseudonyms: Pseudonymiser | None = None,
    source_ids: SourceIds | None = None,
    options: FileOptions | None = None,
    skip_rows: int = 0,
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
        pseudonyms: protects identifiers that are personal data (``ingest.pseudonym``).
        source_ids: derives missing source ids, notes repeated ones (``source_ids``).
        options: delimiter, encoding and date order where detection is not enough.
        skip_rows: rows (as counted in the chunks) to pass over unread: the rows a
            resumed ingest already staged (``tally`` and ``source_ids`` restored by
            :func:`restore`).

    Raises:
        InvalidFileError: the file cannot be read at all.
        RowErrors: some rows are invalid and ``skip_invalid`` is off; raised after
            the last row, and no chunk is yielded after the first invalid row.
    """
    if channel is not None:
        validate.channel_option(channel)
    options = options or FileOptions()
    tally = tally if tally is not None else ReadTally()
    parse = _parser(kind, tally, channel, languages, pseudonyms or Pseudonymiser.ephemeral())
    parse_feedback = parse
    if kind == "feedback":
        ids = source_ids if source_ids is not None else SourceIds()
        parse = lambda rows: parse_feedback(rows, ids)  # noqa: E731
    rows = itertools.islice(read_rows(path, options), skip_rows, None)
    order = DATE_ORDER.set(options.date_order)
    try:
        yield from _parse_chunks(rows, parse, tally, skip_invalid, chunk_size)
    finally:
        DATE_ORDER.reset(order)
    if tally.n_errors and not skip_invalid:
        raise RowErrors(str(path), tally.errors, more=tally.n_errors - len(tally.errors))


def _parse_chunks(
    rows: Iterable[tuple[int, dict[str, Any] | ValidationError]],
    parse: Callable[..., list[Any]],
    tally: ReadTally,
    skip_invalid: bool,
    chunk_size: int,
) -> Iterator[tuple[int, list[Any]]]:
    for chunk in _chunks(rows, chunk_size):
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
    pseudonyms: Pseudonymiser,
) -> Callable[..., list[Any]]:
    if kind == "feedback":
        detector = languages or LanguageIdentifier()
        return lambda rows, source_ids: prepare_feedback(
            rows,
            channel=channel,
            languages=detector,
            on_error=tally.error,
            redactions=tally.redactions,
            pseudonyms=pseudonyms,
            source_ids=source_ids,
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
                items.append(_protect(parse(row, line), pseudonyms, tally.redactions))
            except ValidationError as exc:
                tally.error(exc)
        return items

    return records


def _protect(item: Any, pseudonyms: Pseudonymiser, redactions: dict[str, int]) -> Any:
    """A customer or purchase with its personal identifiers pseudonymised."""
    if isinstance(item, Customer):
        return pseudonyms.customer(item, redactions)
    if isinstance(item, Purchase):
        return pseudonyms.purchase(item)
    return item


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
