"""Ingest files into the store: validate, redact, detect language, upsert.

A file is prepared (validated, redacted, language-tagged) into a staging table
without holding the store's write lock, then written in one short transaction
(``store.staging``). By default the first invalid row makes the
whole file fail (the remaining rows are still checked so the error lists them) and
nothing is written; with ``skip_invalid`` invalid rows are skipped and reported.
Rows are processed in chunks, so memory does not grow with the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from textinsight.errors import RowErrors, ValidationError
from textinsight.ingest import validate
from textinsight.ingest.formats import DATE_ORDER, FileOptions
from textinsight.ingest.language import LanguageIdentifier
from textinsight.ingest.pseudonym import Pseudonymiser, key_bytes
from textinsight.ingest.readers import read_rows
from textinsight.ingest.redact import redact
from textinsight.ingest.source_ids import SourceIds
from textinsight.progress import ProgressFactory, no_progress
from textinsight.records import Feedback, IngestReport
from textinsight.store import Store
from textinsight.store.staging import staging

T = TypeVar("T")
MAX_LISTED_ERRORS = 20


@dataclass
class _Tally:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[ValidationError] = field(default_factory=list)
    n_errors: int = 0
    redactions: dict[str, int] = field(default_factory=dict)
    keys: list[tuple[str, str]] = field(default_factory=list)

    def error(self, exc: ValidationError) -> None:
        self.n_errors += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(exc)


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
        pseudonyms: protects identifiers that are personal data (default: a random
            key for this call, so pseudonyms are not stable: pass one).
        source_ids: derives missing source ids and notes repeated ones across the
            chunks of one file (default: new for this call).

    Returns:
        The valid rows as Feedback records, in input order.
    """
    staged: list[tuple[int, dict[str, Any], str]] = []
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
    source_ids = source_ids or SourceIds()
    out = []
    for line, fields, text in staged:
        if fields["source_id"] is None:
            fields["source_id"] = source_ids.derive(
                fields["channel"], text, fields["customer_id"], fields["created_at"]
            )
        else:
            source_ids.given(fields["channel"], fields["source_id"], line)
        out.append(Feedback(text=text, **fields))
    return out


def ingest_feedback(
    store: Store,
    path: str | Path,
    *,
    channel: str | None = None,
    skip_invalid: bool = False,
    languages: LanguageIdentifier | None = None,
    chunk_size: int = 2000,
    progress: ProgressFactory = no_progress,
    collect_keys: bool = False,
    pseudonym_key: str | None = None,
    options: FileOptions | None = None,
) -> IngestReport:
    """Load a CSV or JSONL feedback file into the store.

    With ``collect_keys`` the report lists the (channel, source_id) of every stored row.
    ``pseudonym_key``: the secret for identifiers that are personal data (default:
    the database's own, see ``ingest.pseudonym``).

    Raises:
        InvalidFileError: the file cannot be read at all.
        RowErrors: some rows are invalid and ``skip_invalid`` is off; nothing written.
    """
    if channel is not None:
        validate.channel_option(channel)
    languages = languages or LanguageIdentifier()
    pseudonyms = pseudonymiser(store, pseudonym_key)
    source_ids = SourceIds()
    tally = _Tally()

    def prepare(chunk: list[tuple[int, dict[str, Any]]]) -> list[Feedback]:
        return prepare_feedback(
            chunk,
            channel=channel,
            languages=languages,
            on_error=tally.error,
            redactions=tally.redactions,
            pseudonyms=pseudonyms,
            source_ids=source_ids,
        )

    ingest_id = store.erasure.start_ingest("feedback", str(path))

    def write(items: list[Feedback]) -> None:
        inserted, updated, unchanged = store.feedback.upsert(items, ingest_id=ingest_id)
        if collect_keys:
            tally.keys.extend((f.channel, f.source_id) for f in items)
        tally.inserted += inserted
        tally.updated += updated
        tally.unchanged += unchanged

    try:
        _load(
            store,
            path,
            prepare,
            write,
            tally,
            skip_invalid,
            chunk_size,
            progress,
            "Ingesting feedback",
            options,
        )
    except BaseException:
        store.erasure.delete_ingest(ingest_id)  # nothing of it was written
        raise
    store.erasure.finish_ingest(ingest_id, tally.read, tally.inserted, tally.updated)
    return replace(
        _report(path, tally),
        duplicates=source_ids.duplicates,
        n_duplicates=source_ids.n_duplicates,
        ingest_id=ingest_id,
    )


def ingest_customers(
    store: Store,
    path: str | Path,
    *,
    skip_invalid: bool = False,
    chunk_size: int = 5000,
    progress: ProgressFactory = no_progress,
    pseudonym_key: str | None = None,
    options: FileOptions | None = None,
) -> IngestReport:
    """Load a customers file (``customer_id, segment, is_member, joined_at, value, churned_at``)."""
    pseudonyms = pseudonymiser(store, pseudonym_key)
    tally = _Tally()
    return _ingest_records(
        store,
        path,
        lambda row, line: pseudonyms.customer(validate.customer(row, line), tally.redactions),
        store.customers.upsert_customers,
        skip_invalid,
        chunk_size,
        progress,
        "Ingesting customers",
        tally,
        options,
    )


def ingest_purchases(
    store: Store,
    path: str | Path,
    *,
    skip_invalid: bool = False,
    chunk_size: int = 5000,
    progress: ProgressFactory = no_progress,
    pseudonym_key: str | None = None,
    options: FileOptions | None = None,
) -> IngestReport:
    """Load a purchases file (``customer_id, purchased_at, amount``)."""
    pseudonyms = pseudonymiser(store, pseudonym_key)
    return _ingest_records(
        store,
        path,
        lambda row, line: pseudonyms.purchase(validate.purchase(row, line)),
        store.customers.upsert_purchases,
        skip_invalid,
        chunk_size,
        progress,
        "Ingesting purchases",
        None,
        options,
    )


def pseudonymiser(store: Store, key: str | None = None) -> Pseudonymiser:
    """The pseudonymiser of ``key``, or of the database's own secret when none is set."""
    return Pseudonymiser(key_bytes(key or store.database_secret()))


def _ingest_records(
    store: Store,
    path: str | Path,
    parse: Callable[[dict[str, Any], int], T],
    upsert: Callable[[Sequence[T]], int],
    skip_invalid: bool,
    chunk_size: int,
    progress: ProgressFactory,
    description: str,
    given: _Tally | None = None,
    options: FileOptions | None = None,
) -> IngestReport:
    tally = given or _Tally()

    def prepare(chunk: list[tuple[int, dict[str, Any]]]) -> list[T]:
        items = []
        for line, row in chunk:
            try:
                items.append(parse(row, line))
            except ValidationError as exc:
                tally.error(exc)
        return items

    def write(items: list[T]) -> None:
        tally.inserted += upsert(items)

    _load(
        store, path, prepare, write, tally, skip_invalid, chunk_size, progress, description, options
    )
    return _report(path, tally)


def _load(
    store: Store,
    path: str | Path,
    prepare: Callable[[list[tuple[int, dict[str, Any]]]], list[T]],
    write: Callable[[list[T]], None],
    tally: _Tally,
    skip_invalid: bool,
    chunk_size: int,
    progress: ProgressFactory,
    description: str,
    options: FileOptions | None = None,
) -> None:
    """Stream ``path`` in chunks through ``prepare`` into a staging table (no lock
    held), then ``write`` every staged chunk in one short transaction."""
    options = options or FileOptions()
    rows = read_rows(path, options)
    order = DATE_ORDER.set(options.date_order)
    try:
        _stage_and_write(
            store, rows, prepare, write, tally, skip_invalid, chunk_size, progress, description
        )
    finally:
        DATE_ORDER.reset(order)
    if tally.n_errors and not skip_invalid:
        raise RowErrors(str(path), tally.errors, more=tally.n_errors - len(tally.errors))


def _stage_and_write(
    store: Store,
    rows: Iterable[tuple[int, dict[str, Any] | ValidationError]],
    prepare: Callable[[list[tuple[int, dict[str, Any]]]], list[T]],
    write: Callable[[list[T]], None],
    tally: _Tally,
    skip_invalid: bool,
    chunk_size: int,
    progress: ProgressFactory = no_progress,
    description: str = "",
) -> None:
    with staging(store.db) as stage, progress(description, None) as advance:
        for chunk in _chunks(rows, chunk_size):
            good: list[tuple[int, dict[str, Any]]] = []
            for line, row in chunk:
                tally.read += 1
                if isinstance(row, ValidationError):
                    tally.error(row)
                else:
                    good.append((line, row))
            items = prepare(good)
            if skip_invalid or not tally.n_errors:
                stage.put(items)
            advance(len(chunk))
        if tally.n_errors and not skip_invalid:
            return
        with store.db.atomic():
            for items in stage:
                write(items)


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _report(path: str | Path, tally: _Tally) -> IngestReport:
    return IngestReport(
        path=str(path),
        read=tally.read,
        inserted=tally.inserted,
        updated=tally.updated,
        unchanged=tally.unchanged,
        skipped=tally.n_errors,
        errors=[str(e) for e in tally.errors],
        redactions=dict(tally.redactions),
        keys=tally.keys,
    )
