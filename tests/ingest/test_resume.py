"""Chunked, resumable ingest: staged chunks, one publish, resume after a crash (#15).

A crash is simulated in-process by an exception that is not a TextInsightError (what
an interrupted process leaves is the same: committed chunks, nothing published);
``tests/cli/test_kill.py`` kills a real process with SIGKILL.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from textinsight.errors import RowErrors
from textinsight.ingest.language import LanguageIdentifier
from textinsight.pipeline import ingest_file
from textinsight.store import Store
from textinsight.store.staging import IngestStaging

N_ROWS = 120
CHUNK = 20


class Crash(RuntimeError):
    """Stands for the process dying."""


class CountingIdentifier(LanguageIdentifier):
    """Counts the texts it is asked to detect."""

    def __init__(self) -> None:
        super().__init__()
        self.n_texts = 0

    def detect(self, texts: Sequence[str]) -> list[str]:
        self.n_texts += len(texts)
        return super().detect(texts)

    def __repr__(self) -> str:  # the same settings as the plain identifier
        return repr(LanguageIdentifier())


def _rows(n: int = N_ROWS) -> list[dict[str, str]]:
    rows = []
    for i in range(n):
        # no source_id and repeated texts: derived ids must continue across the crash
        text = f"The parcel number {i % 7} never arrived and nobody answers my emails."
        row = {"text": text, "customer_id": f"c-{i % 3}", "channel": "email"}
        rows.append({**row, "created_at": "", "rating": ""})
    return rows


def _crash(
    monkeypatch: pytest.MonkeyPatch, store: Store, path: Path, after: int, **options: Any
) -> None:
    """Ingest ``path`` with ``options`` and die after staging ``after`` chunks."""
    put = IngestStaging.put

    def failing_put(self: IngestStaging, key: str, n: int, *args: object) -> None:
        if n >= after:
            raise Crash(f"died before chunk {n}")
        put(self, key, n, *args)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(IngestStaging, "put", failing_put)
        with pytest.raises(Crash):
            ingest_file(store, path, chunk_size=CHUNK, **options)


def _stored(store: Store) -> list[tuple[object, ...]]:
    return store.db.execute(
        "SELECT channel, source_id, text, language, customer_id FROM feedback ORDER BY source_id"
    ).fetchall()


def test_a_crashed_ingest_publishes_nothing_and_resumes(
    tmp_path: Path, write_csv, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(_rows())
    store = Store(tmp_path / "a.db")
    _crash(monkeypatch, store, path, 3)
    assert store.feedback.count() == 0  # nothing visible before the publish
    assert store.db.execute("SELECT count(*) FROM ingest_chunks").fetchone() == (3,)
    [unfinished] = store.erasure.ingests()
    assert unfinished[4] is None  # no counts: it never finished

    languages = CountingIdentifier()
    report = ingest_file(store, path, chunk_size=CHUNK, languages=languages)
    assert languages.n_texts <= N_ROWS - 3 * CHUNK  # the staged rows were not redone
    assert report.read == N_ROWS and report.inserted == N_ROWS
    assert report.ingest_id == unfinished[0]
    assert store.db.execute("SELECT count(*) FROM ingest_chunks").fetchone() == (0,)
    assert [i[4:] for i in store.erasure.ingests()] == [(N_ROWS, N_ROWS, 0)]

    fresh = Store(tmp_path / "b.db")  # another key, but no identifier here is personal
    ingest_file(fresh, path, chunk_size=CHUNK)
    assert _stored(store) == _stored(fresh)


def test_resume_needs_the_same_file_and_options(
    tmp_path: Path, write_csv, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(_rows())
    store = Store(tmp_path / "a.db")
    _crash(monkeypatch, store, path, 2, channel="review")
    languages = CountingIdentifier()
    ingest_file(store, path, chunk_size=CHUNK, skip_invalid=True, languages=languages)
    assert languages.n_texts > N_ROWS - 2 * CHUNK  # other options: a new ingest
    assert store.feedback.count() == N_ROWS
    # the abandoned ingest's chunks stay until it is resumed or deleted
    abandoned = [i for i in store.erasure.ingests() if i[4] is None]
    assert len(abandoned) == 1
    store.erasure.delete_ingest(abandoned[0][0])
    assert store.db.execute("SELECT count(*) FROM ingest_chunks").fetchone() == (0,)


def test_an_invalid_row_after_a_resume_still_leaves_nothing(
    tmp_path: Path, write_csv, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _rows()
    rows[-1]["created_at"] = "not a date"
    path = write_csv(rows)
    store = Store(tmp_path / "a.db")
    _crash(monkeypatch, store, path, 2)
    with pytest.raises(RowErrors, match="created_at"):
        ingest_file(store, path, chunk_size=CHUNK)
    assert store.feedback.count() == 0
    assert store.erasure.ingests() == []
    assert store.db.execute("SELECT count(*) FROM ingest_chunks").fetchone() == (0,)


def test_errors_and_duplicates_found_before_the_crash_are_reported(
    tmp_path: Path, write_csv, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [{**row, "source_id": f"s{i % 50}"} for i, row in enumerate(_rows())]
    rows[5]["rating"] = "9"
    path = write_csv(rows)
    store = Store(tmp_path / "a.db")
    _crash(monkeypatch, store, path, 3, skip_invalid=True)
    resumed = ingest_file(store, path, chunk_size=CHUNK, skip_invalid=True)
    whole = ingest_file(Store(tmp_path / "b.db"), path, chunk_size=CHUNK, skip_invalid=True)
    assert resumed.skipped == whole.skipped == 1 and resumed.errors == whole.errors
    assert resumed.n_duplicates == whole.n_duplicates == N_ROWS - 50 - 1
    assert resumed.duplicates == whole.duplicates
    assert resumed.redactions == whole.redactions
