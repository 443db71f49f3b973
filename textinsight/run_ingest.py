"""Load a file into the store: staged chunk by chunk, published in one transaction.

Split from ``textinsight.pipeline`` (which re-exports :func:`ingest_file`) so that an
ingest imports only what it needs: the pipeline's clustering, describing and
embedding stack (torch, spaCy, scikit-learn: ~230 MB resident) is never loaded by
``textinsight ingest`` (issue #15: ingest memory).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from textinsight.errors import TextInsightError
from textinsight.ingest.formats import FileOptions
from textinsight.ingest.language import LanguageIdentifier
from textinsight.ingest.load import FileKind, chunk_state, read_records, restore, resume_key
from textinsight.ingest.memory import release_free_memory
from textinsight.ingest.pseudonym import Pseudonymiser, key_bytes
from textinsight.ingest.source_ids import SourceIds
from textinsight.progress import ProgressFactory, no_progress
from textinsight.records import IngestReport
from textinsight.store import Store


def ingest_file(
    store: Store,
    path: str | Path,
    kind: FileKind = "feedback",
    *,
    channel: str | None = None,
    skip_invalid: bool = False,
    languages: LanguageIdentifier | None = None,
    chunk_size: int = 2000,
    progress: ProgressFactory = no_progress,
    collect_keys: bool = False,
    pseudonym_key: str | None = None,
    options: FileOptions | None = None,
    reader: Callable[..., Iterator[tuple[int, list[Any]]]] = read_records,
) -> IngestReport:
    """Load a CSV, JSONL or .xlsx file of ``kind`` into the store.

    The file is prepared chunk by chunk into the store's staging table (each chunk
    committed on its own, ``store.staging``), then published in one transaction, so
    other writers wait only for that and nothing of the file is visible before. A
    killed ingest resumes: the same call on the same file and options continues after
    the last committed chunk. A failed one (an invalid row, an unreadable file)
    leaves nothing. Identifiers that are personal data are pseudonymised with
    ``pseudonym_key`` (default: the database's own key, ``ingest.pseudonym``). Every
    feedback file ingest gets an id (``report.ingest_id``; ``textinsight delete
    --ingest`` undoes it); ``options`` override delimiter, encoding and date order.

    Feedback is validated, redacted and language-tagged, then upserted by (channel,
    source_id); customers (``customer_id, segment, is_member, joined_at, value,
    churned_at``) by ``customer_id``; purchases (``customer_id, purchased_at,
    amount``) once per (customer, time, amount). With ``collect_keys`` the report
    lists the (channel, source_id) of every stored feedback row. ``reader`` reads the
    file into records (``ingest.load.read_records``, or ``RayEngine.read_records``).

    Raises:
        InvalidFileError: the file cannot be read at all.
        RowErrors: some rows are invalid and ``skip_invalid`` is off; nothing written.
    """
    counts = [0, 0, 0]
    keys: list[tuple[str, str]] = []
    source_ids = SourceIds()
    pseudonyms = pseudonymiser(store, pseudonym_key)
    languages = languages or LanguageIdentifier()
    options = options or FileOptions()
    key = resume_key(
        path, kind, channel, skip_invalid, options, languages, pseudonyms.pseudonym("resume")
    )
    done = store.staging.committed(key)  # what a killed ingest of this file committed
    tally = restore(done.states, source_ids)
    ingest_id = None
    if kind == "feedback":
        ingest_id = store.erasure.unfinished_ingest(key) if done.chunks else None
        ingest_id = ingest_id or store.erasure.start_ingest(kind, str(path), key)
    chunks = reader(
        path,
        kind,
        channel=channel,
        skip_invalid=skip_invalid,
        languages=languages,
        chunk_size=chunk_size,
        tally=tally,
        pseudonyms=pseudonyms,
        source_ids=source_ids,
        options=options,
        skip_rows=done.rows,
    )
    write = _writers(store, ingest_id)[kind]
    try:
        with progress(f"Ingesting {kind}", None) as advance:
            advance(done.rows)
            for n, (n_rows, items) in enumerate(chunks, start=done.chunks):
                store.staging.put(key, n, n_rows, items, chunk_state(tally, source_ids))
                del items
                release_free_memory()  # memory flat whatever the file's length (#15)
                advance(n_rows)
        with store.transaction():  # publish: the file's rows become visible at once
            for items in store.staging.chunks(key, kind):
                for i, n in enumerate(write(items)):
                    counts[i] += n
                if collect_keys and kind == "feedback":
                    keys.extend((f.channel, f.source_id) for f in items)
                release_free_memory()
            store.staging.clear(key)
            if ingest_id is not None:
                store.erasure.finish_ingest(ingest_id, tally.read, counts[0], counts[1])
    except TextInsightError:  # the file is rejected: nothing of it stays
        store.staging.clear(key)
        if ingest_id is not None:
            store.erasure.delete_ingest(ingest_id)
        raise
    return IngestReport(
        path=str(path),
        read=tally.read,
        inserted=counts[0],
        updated=counts[1],
        unchanged=counts[2],
        skipped=tally.n_errors,
        errors=[str(e) for e in tally.errors],
        redactions=dict(tally.redactions),
        keys=keys,
        duplicates=source_ids.duplicates,
        n_duplicates=source_ids.n_duplicates,
        ingest_id=ingest_id,
    )


def pseudonymiser(store: Store, key: str | None = None) -> Pseudonymiser:
    """The pseudonymiser of ``key``, or of the database's own secret when none is set."""
    return Pseudonymiser(key_bytes(key or store.database_secret()))


def _writers(
    store: Store, ingest_id: int | None = None
) -> dict[str, Callable[[list[Any]], tuple[int, ...]]]:
    """Upsert by file kind; each returns (inserted, updated, unchanged) or (inserted,)."""
    return {
        "feedback": lambda items: store.feedback.upsert(items, ingest_id=ingest_id),
        "customers": lambda items: (store.customers.upsert_customers(items),),
        "purchases": lambda items: (store.customers.upsert_purchases(items),),
    }
