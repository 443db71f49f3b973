"""The vector cache: embeddings keyed by (model id, text hash)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import sqlite_utils

from textinsight.store._util import batched, placeholders


class EmbeddingCache:
    """Stores float32 vectors so an unchanged text is never embedded twice."""

    def __init__(self, db: sqlite_utils.Database):
        self._db = db

    def get_many(self, model_id: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Return the cached vectors among ``hashes`` (missing ones are absent)."""
        found: dict[str, np.ndarray] = {}
        for part in batched(list(dict.fromkeys(hashes))):
            rows = self._db.execute(
                "SELECT text_hash, vector FROM embeddings "
                f"WHERE model_id = ? AND text_hash IN ({placeholders(len(part))})",
                [model_id, *part],
            )
            for text_hash, blob in rows:
                found[text_hash] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, model_id: str, vectors: Mapping[str, np.ndarray]) -> None:
        """Cache ``vectors`` (text hash -> vector) for ``model_id``, in one transaction."""
        with self._db.atomic():
            self._db.conn.executemany(
                "INSERT OR REPLACE INTO embeddings (model_id, text_hash, vector) VALUES (?, ?, ?)",
                [
                    (model_id, h, np.asarray(v, dtype=np.float32).tobytes())
                    for h, v in vectors.items()
                ],
            )

    def copy_from(self, path: str) -> int:
        """Copy the vectors cached in another textinsight database; return how many are new."""
        before = self.count()
        self._db.execute("ATTACH DATABASE ? AS other", [path])
        try:
            with self._db.atomic():
                self._db.execute(
                    "INSERT OR IGNORE INTO embeddings (model_id, text_hash, vector) "
                    "SELECT model_id, text_hash, vector FROM other.embeddings"
                )
        finally:
            self._db.execute("DETACH DATABASE other")
        return self.count() - before

    def count(self, model_id: str | None = None) -> int:
        """Number of cached vectors, for one model or all."""
        if model_id is None:
            return int(self._db.execute("SELECT count(*) FROM embeddings").fetchone()[0])
        sql = "SELECT count(*) FROM embeddings WHERE model_id = ?"
        return int(self._db.execute(sql, [model_id]).fetchone()[0])
