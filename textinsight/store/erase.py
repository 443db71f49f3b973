"""Erasure: a customer's data on request (GDPR Art. 17), or everything one ingest added.

Both remove feedback rows together with everything derived from them: their theme
assignments in every run, cached vectors no other feedback shares, and their texts
among the quotes stored with past runs' themes. Forgetting a customer also removes
their customer record and purchases. Aggregates of past runs (theme sizes, value
metrics, keywords) are left as they were computed; a new run recomputes them.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import sqlite_utils

from textinsight.errors import NotFoundError
from textinsight.store._util import batched, dumps, loads, now_iso, placeholders


@dataclass(frozen=True)
class Erased:
    """What an erasure removed."""

    feedback: int
    assignments: int
    embeddings: int
    quotes: int
    customers: int = 0
    purchases: int = 0


class Erasure:
    """Deletes feedback and what was derived from it; records file ingests."""

    def __init__(self, db: sqlite_utils.Database):
        self._db = db

    def start_ingest(self, kind: str, path: str, resume_key: str | None = None) -> int:
        """Record a new ingest of ``path`` and return its id."""
        with self._db.atomic():
            cursor = self._db.execute(
                "INSERT INTO ingests (kind, path, started_at, resume_key) VALUES (?, ?, ?, ?)",
                [kind, path, now_iso(), resume_key],
            )
        return int(cursor.lastrowid or 0)

    def unfinished_ingest(self, resume_key: str) -> int | None:
        """The id of the latest ingest under ``resume_key`` that never finished."""
        row = self._db.execute(
            "SELECT id FROM ingests WHERE resume_key = ? AND n_read IS NULL "
            "ORDER BY id DESC LIMIT 1",
            [resume_key],
        ).fetchone()
        return None if row is None else int(row[0])

    def finish_ingest(self, ingest_id: int, read: int, inserted: int, updated: int) -> None:
        """Store an ingest's counts."""
        with self._db.atomic():
            self._db.execute(
                "UPDATE ingests SET n_read = ?, n_inserted = ?, n_updated = ? WHERE id = ?",
                [read, inserted, updated, ingest_id],
            )

    def forget_customer(self, keys: Sequence[str]) -> Erased:
        """Erase everything stored under any of ``keys`` (a customer id and its pseudonym)."""
        marks = placeholders(len(keys))
        with self._db.atomic():
            ids = [
                row[0]
                for row in self._db.execute(
                    f"SELECT id FROM feedback WHERE customer_id IN ({marks})", list(keys)
                )
            ]
            erased = self._erase_feedback(ids)
            customers = self._db.execute(
                f"DELETE FROM customers WHERE customer_id IN ({marks})", list(keys)
            ).rowcount
            purchases = self._db.execute(
                f"DELETE FROM purchases WHERE customer_id IN ({marks})", list(keys)
            ).rowcount
        return Erased(
            erased.feedback,
            erased.assignments,
            erased.embeddings,
            erased.quotes,
            customers,
            purchases,
        )

    def delete_ingest(self, ingest_id: int) -> Erased:
        """Delete the feedback rows ingest ``ingest_id`` inserted, the ingest record and
        any chunks it staged but did not publish."""
        row = self._db.execute(
            "SELECT id, resume_key FROM ingests WHERE id = ?", [ingest_id]
        ).fetchone()
        if row is None:
            raise NotFoundError(
                f"No ingest with id {ingest_id}. List them with `textinsight ingests`."
            )
        with self._db.atomic():
            ids = [
                r[0]
                for r in self._db.execute(
                    "SELECT id FROM feedback WHERE ingest_id = ?", [ingest_id]
                )
            ]
            erased = self._erase_feedback(ids)
            self._db.execute("DELETE FROM ingests WHERE id = ?", [ingest_id])
            if row[1] is not None:
                self._db.execute("DELETE FROM ingest_chunks WHERE resume_key = ?", [row[1]])
        return erased

    def ingests(self) -> list[tuple[int, str, str, str, int | None, int | None, int | None]]:
        """(id, kind, path, started_at, read, inserted, updated) of every ingest, newest first."""
        return [
            tuple(row)  # type: ignore[misc]
            for row in self._db.execute(
                "SELECT id, kind, path, started_at, n_read, n_inserted, n_updated FROM ingests "
                "ORDER BY id DESC"
            )
        ]

    def _erase_feedback(self, ids: Sequence[int]) -> Erased:
        """Inside the caller's transaction: delete feedback ``ids`` and what derives from it."""
        if not ids:
            return Erased(0, 0, 0, 0)
        texts: dict[str, str] = {}
        assignments = 0
        for part in batched(list(ids)):
            marks = placeholders(len(part))
            texts.update(
                self._db.execute(
                    f"SELECT text_hash, text FROM feedback WHERE id IN ({marks})", list(part)
                ).fetchall()
            )
            assignments += self._db.execute(
                f"DELETE FROM assignments WHERE feedback_id IN ({marks})", list(part)
            ).rowcount
            self._db.execute(f"DELETE FROM feedback WHERE id IN ({marks})", list(part))
        shared = {
            row[0]
            for chunk in batched(list(texts))
            for row in self._db.execute(
                f"SELECT DISTINCT text_hash FROM feedback WHERE text_hash IN "
                f"({placeholders(len(chunk))})",
                list(chunk),
            )
        }
        private = [h for h in texts if h not in shared]
        embeddings = 0
        for hashes in batched(private):
            embeddings += self._db.execute(
                f"DELETE FROM embeddings WHERE text_hash IN ({placeholders(len(hashes))})",
                list(hashes),
            ).rowcount
        quotes = self._drop_quotes({texts[h] for h in private})
        return Erased(len(ids), assignments, embeddings, quotes)

    def _drop_quotes(self, texts: set[str]) -> int:
        """Remove ``texts`` from every stored theme's and category's quotes (quotes
        show the text with HTML entities decoded, so that form counts too); return how
        many."""
        if not texts:
            return 0
        texts = texts | {html.unescape(t) for t in texts}
        dropped = 0
        for table, key in (("themes", "theme_id"), ("categories", "category_id")):
            rows = self._db.execute(f"SELECT run_id, {key}, quotes FROM {table}").fetchall()
            for run_id, theme_id, quotes in rows:
                kept = [q for q in loads(quotes, []) if q not in texts]
                if len(kept) != len(loads(quotes, [])):
                    dropped += len(loads(quotes, [])) - len(kept)
                    self._db.execute(
                        f"UPDATE {table} SET quotes = ? WHERE run_id = ? AND {key} = ?",
                        [dumps(kept), run_id, theme_id],
                    )
        return dropped
