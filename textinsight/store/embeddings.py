"""The vector cache: embeddings keyed by (model id, text hash).

Vectors are stored as float16 (``STORED_DTYPE``) in a rowid table, about 1.3x their
payload on disk; they are read back as float32. The round trip changes a unit vector's
cosine similarities by under 1e-3 (``scripts/bench_storage.py``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import sqlite_utils

from textinsight.store._util import batched, placeholders

STORED_DTYPE = np.float16
"""How vectors are stored (blob of this dtype); they are read back as float32."""


def decode_vectors(blob: bytes) -> np.ndarray:
    """Stored vector bytes (one vector or several concatenated) as a float32 array."""
    return np.frombuffer(blob, dtype=STORED_DTYPE).astype(np.float32)


class EmbeddingCache:
    """Stores vectors (compactly, as float16) so an unchanged text is never embedded twice."""

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
                found[text_hash] = decode_vectors(blob)
        return found

    def has_many(self, model_id: str, hashes: Sequence[str]) -> set[str]:
        """The hashes among ``hashes`` that have a cached vector (no vector is read)."""
        found: set[str] = set()
        for part in batched(list(dict.fromkeys(hashes))):
            rows = self._db.execute(
                "SELECT text_hash FROM embeddings "
                f"WHERE model_id = ? AND text_hash IN ({placeholders(len(part))})",
                [model_id, *part],
            )
            found.update(text_hash for (text_hash,) in rows)
        return found

    def put_many(self, model_id: str, vectors: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Cache ``vectors`` (text hash -> vector) for ``model_id``, in one transaction.

        Returns the vectors as stored and as ``get_many`` will return them (float32
        after the float16 round trip), so a fresh run and a cached one see the same.
        """
        blobs = {h: np.asarray(v, dtype=STORED_DTYPE).tobytes() for h, v in vectors.items()}
        with self._db.atomic():
            self._db.conn.executemany(
                "INSERT OR REPLACE INTO embeddings (model_id, text_hash, vector) VALUES (?, ?, ?)",
                [(model_id, h, blob) for h, blob in blobs.items()],
            )
        return {h: decode_vectors(blob) for h, blob in blobs.items()}

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

    def has_model(self, model_id: str) -> bool:
        """Whether any vector is cached for ``model_id``."""
        sql = "SELECT 1 FROM embeddings WHERE model_id = ? LIMIT 1"
        return self._db.execute(sql, [model_id]).fetchone() is not None

    def count(self, model_id: str | None = None) -> int:
        """Number of cached vectors, for one model or all."""
        if model_id is None:
            return int(self._db.execute("SELECT count(*) FROM embeddings").fetchone()[0])
        sql = "SELECT count(*) FROM embeddings WHERE model_id = ?"
        return int(self._db.execute(sql, [model_id]).fetchone()[0])
