"""Vectors are stored compactly (float16, rowid table) and old float32 caches migrate."""

from pathlib import Path

import numpy as np
import sqlite_utils

from textinsight.store import Store
from textinsight.store.schema import MIGRATIONS, migrate


def _unit_vectors(n: int, dim: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_a_vector_round_trips_within_float16_tolerance(tmp_path: Path) -> None:
    store = Store(tmp_path / "t.db")
    vectors = _unit_vectors(50, 384, seed=1)
    returned = store.embeddings.put_many("m", {f"h{i}": v for i, v in enumerate(vectors)})
    found = store.embeddings.get_many("m", [f"h{i}" for i in range(50)])
    for i, v in enumerate(vectors):
        assert found[f"h{i}"].dtype == np.float32
        np.testing.assert_allclose(found[f"h{i}"], v, atol=1e-3)
        assert float(found[f"h{i}"] @ v) > 0.9999
        np.testing.assert_array_equal(returned[f"h{i}"], found[f"h{i}"])
    blob = store.db.execute("SELECT vector FROM embeddings LIMIT 1").fetchone()[0]
    assert len(blob) == 384 * 2


def test_the_migration_keeps_existing_float32_vectors(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    before = next(i for i, m in enumerate(MIGRATIONS) if "embeddings_f16" in m)
    for script in MIGRATIONS[:before]:  # the schema before compact vectors
        for statement in (s.strip() for s in script.split(";")):
            if statement:
                db.execute(statement)
    db.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(before)])
    vectors = _unit_vectors(20, 16, seed=2)
    with db.conn:
        db.conn.executemany(
            "INSERT INTO embeddings (model_id, text_hash, vector) VALUES (?, ?, ?)",
            [("m", f"h{i}", v.astype(np.float32).tobytes()) for i, v in enumerate(vectors)],
        )
    assert migrate(db) == len(MIGRATIONS)
    db.conn.close()
    store = Store(path)
    found = store.embeddings.get_many("m", [f"h{i}" for i in range(20)])
    assert len(found) == 20 and store.embeddings.count("m") == 20
    for i, v in enumerate(vectors):
        np.testing.assert_allclose(found[f"h{i}"], v, atol=1e-3)
    store.embeddings.put_many("m", {"h0": vectors[1]})  # replaces, still unique by key
    assert store.embeddings.count("m") == 20
