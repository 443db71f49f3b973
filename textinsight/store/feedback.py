"""Feedback, customers and purchases: idempotent upserts and reads."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import fields
from typing import Any

import sqlite_utils

from textinsight.records import Customer, Feedback, Purchase, StoredFeedback
from textinsight.store._util import batched, dumps, now_iso, placeholders

FEEDBACK_COLUMNS = (
    "channel, source_id, text, text_hash, row_hash, language, created_at, customer_id, "
    "store_id, rating, nps, metadata, ingested_at, updated_at"
)


def text_hash(text: str) -> str:
    """The cache key of a text: SHA-256 of its UTF-8 bytes, hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_FEEDBACK_FIELDS = tuple(f.name for f in fields(Feedback))


def _row_hash(item: Feedback) -> str:
    # The JSON of every field (what ``dumps(asdict(item))`` gave, without its deep copy).
    values = {name: getattr(item, name) for name in _FEEDBACK_FIELDS}
    return hashlib.sha256(dumps(values).encode("utf-8")).hexdigest()


class FeedbackTable:
    """Reads and writes the ``feedback`` table."""

    def __init__(self, db: sqlite_utils.Database):
        self._db = db

    def upsert(
        self, items: Sequence[Feedback], *, ingest_id: int | None = None
    ) -> tuple[int, int, int]:
        """Insert or update ``items`` keyed by (channel, source_id).

        Runs inside the caller's transaction when there is one. Within ``items`` the
        last row for a key wins. Inserted rows remember ``ingest_id`` (updated rows
        keep the ingest that inserted them).

        Returns:
            (inserted, updated, unchanged) counts.
        """
        latest: dict[tuple[str, str], Feedback] = {}
        for item in items:
            latest[(item.channel, item.source_id)] = item
        existing = self._existing_hashes(list(latest))
        now = now_iso()
        rows: list[tuple[Any, ...]] = []
        inserted = updated = unchanged = 0
        for key, item in latest.items():
            digest = _row_hash(item)
            if key not in existing:
                inserted += 1
            elif existing[key] != digest:
                updated += 1
            else:
                unchanged += 1
                continue
            rows.append(
                (
                    item.channel,
                    item.source_id,
                    item.text,
                    text_hash(item.text),
                    digest,
                    item.language,
                    item.created_at,
                    item.customer_id,
                    item.store_id,
                    item.rating,
                    item.nps,
                    dumps(item.metadata) if item.metadata else None,
                    now,
                    now,
                    ingest_id,
                )
            )
        with self._db.atomic():
            self._db.conn.executemany(
                f"INSERT INTO feedback ({FEEDBACK_COLUMNS}, ingest_id) VALUES ({placeholders(15)}) "
                "ON CONFLICT (channel, source_id) DO UPDATE SET text = excluded.text, "
                "text_hash = excluded.text_hash, row_hash = excluded.row_hash, "
                "language = excluded.language, created_at = excluded.created_at, "
                "customer_id = excluded.customer_id, store_id = excluded.store_id, "
                "rating = excluded.rating, nps = excluded.nps, metadata = excluded.metadata, "
                "updated_at = excluded.updated_at",
                rows,
            )
        return inserted, updated, unchanged

    def _existing_hashes(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
        by_channel: dict[str, list[str]] = {}
        for channel, source_id in keys:
            by_channel.setdefault(channel, []).append(source_id)
        found: dict[tuple[str, str], str] = {}
        for channel, ids in by_channel.items():
            for part in batched(ids):
                rows = self._db.execute(
                    "SELECT source_id, row_hash FROM feedback "
                    f"WHERE channel = ? AND source_id IN ({placeholders(len(part))})",
                    [channel, *part],
                )
                found.update({(channel, sid): digest for sid, digest in rows})
        return found

    def all(self) -> list[StoredFeedback]:
        """Every feedback row, ordered by id."""
        return list(self._select("ORDER BY id"))

    def by_keys(self, keys: Sequence[tuple[str, str]]) -> list[StoredFeedback]:
        """The rows with these (channel, source_id) keys, in the order given."""
        by_channel: dict[str, list[str]] = {}
        for channel, source_id in dict.fromkeys(keys):
            by_channel.setdefault(channel, []).append(source_id)
        found: dict[tuple[str, str], StoredFeedback] = {}
        for channel, ids in by_channel.items():
            for part in batched(ids):
                where = f"WHERE channel = ? AND source_id IN ({placeholders(len(part))})"
                for f in self._select(where, [channel, *part]):
                    found[(channel, f.source_id)] = f
        return [found[k] for k in keys if k in found]

    def unassigned(self, run_id: int) -> list[StoredFeedback]:
        """Feedback without a theme in a run: left unassigned, or ingested after it."""
        where = (
            "WHERE id NOT IN (SELECT feedback_id FROM assignments "
            "WHERE run_id = ? AND theme_id IS NOT NULL) ORDER BY id"
        )
        return list(self._select(where, [run_id]))

    def count(self) -> int:
        """Number of feedback rows."""
        return int(self._db.execute("SELECT count(*) FROM feedback").fetchone()[0])

    def _select(self, where: str, params: Iterable[Any] = ()) -> Iterable[StoredFeedback]:
        rows = self._db.execute(
            "SELECT id, text, text_hash, channel, source_id, language, created_at, customer_id, "
            f"store_id, rating, nps FROM feedback {where}",
            list(params),
        )
        for row in rows:
            yield StoredFeedback(*row)


class CustomerTables:
    """Reads and writes the ``customers`` and ``purchases`` tables."""

    def __init__(self, db: sqlite_utils.Database):
        self._db = db

    def upsert_customers(self, items: Sequence[Customer]) -> int:
        """Insert or replace customers keyed by ``customer_id``; return how many rows."""
        rows = [
            (c.customer_id, c.segment, c.is_member, c.joined_at, c.value, c.churned_at)
            for c in items
        ]
        with self._db.atomic():
            self._db.conn.executemany(
                "INSERT INTO customers (customer_id, segment, is_member, joined_at, value, "
                "churned_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (customer_id) DO UPDATE SET "
                "segment = excluded.segment, is_member = excluded.is_member, "
                "joined_at = excluded.joined_at, value = excluded.value, "
                "churned_at = excluded.churned_at",
                rows,
            )
        return len(rows)

    def upsert_purchases(self, items: Sequence[Purchase]) -> int:
        """Insert purchases; the same (customer, time, amount) is stored once."""
        rows = [
            (
                hashlib.sha256(
                    dumps([p.customer_id, p.purchased_at, p.amount]).encode()
                ).hexdigest(),
                p.customer_id,
                p.purchased_at,
                p.amount,
                p.discount,
            )
            for p in items
        ]
        with self._db.atomic():
            self._db.conn.executemany(
                "INSERT OR REPLACE INTO purchases "
                "(purchase_key, customer_id, purchased_at, amount, discount) "
                "VALUES (?, ?, ?, ?, ?)",
                rows,
            )
        return len(rows)

    def all_customers(self) -> list[Customer]:
        """Every customer record."""
        rows = self._db.execute(
            "SELECT customer_id, segment, is_member, joined_at, value, churned_at FROM customers"
        )
        return [
            Customer(c, s, None if m is None else bool(m), j, v, ch) for c, s, m, j, v, ch in rows
        ]

    def all_purchases(self) -> list[Purchase]:
        """Every purchase, ordered by customer and time."""
        rows = self._db.execute(
            "SELECT customer_id, purchased_at, amount, discount FROM purchases "
            "ORDER BY customer_id, purchased_at"
        )
        return [Purchase(*row) for row in rows]

    def count(self) -> tuple[int, int]:
        """(customers, purchases) row counts."""
        customers = self._db.execute("SELECT count(*) FROM customers").fetchone()[0]
        purchases = self._db.execute("SELECT count(*) FROM purchases").fetchone()[0]
        return int(customers), int(purchases)
