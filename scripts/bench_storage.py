"""Database bytes per stored vector, and the quality cost of float16 storage (issue #15).

Usage:
    python scripts/bench_storage.py                  # 20,000 random 384-d unit vectors
    python scripts/bench_storage.py --n 20000 --dim 384 --nmi 2000

Stores ``--n`` random unit vectors (hex SHA-1 text hashes, the MiniLM model id) in:

- ``before``: the schema before the compact-vectors migration (float32 in a WITHOUT ROWID table);
- ``after``: the current store (float16 in a rowid table);

and prints database bytes per vector (page count x page size after VACUUM) against the
float32 payload (4 x dim bytes). It prints the largest cosine error of the float16 round
trip (|cos(a, b) - cos(a', b')| over random pairs, and 1 - cos(a, a')). With ``--nmi N``
it clusters N Banking77 texts (hashing embedder) from float32 and from float16 vectors
with the default ``ThemeClusterer`` and prints the NMI of each against the intents and
between the two (beside the NMI between two float32 fits with different seeds).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import tempfile
from pathlib import Path

import numpy as np
import sqlite_utils

from textinsight.store import Store
from textinsight.store.schema import MIGRATIONS

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"


def unit_vectors(n: int, dim: int, seed: int = 0) -> np.ndarray:
    """``n`` random L2-normalised float32 vectors."""
    x = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def db_bytes(db: sqlite_utils.Database) -> int:
    """Size of the database after VACUUM."""
    db.execute("VACUUM")
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    return int(pages * db.execute("PRAGMA page_size").fetchone()[0])


def before_bytes(path: Path, hashes: list[str], vectors: np.ndarray) -> int:
    """Bytes of a database with the pre-#15 schema holding ``vectors`` as float32."""
    db = sqlite_utils.Database(path)
    before = next(i for i, m in enumerate(MIGRATIONS) if "embeddings_f16" in m)
    for script in MIGRATIONS[:before]:
        for statement in (s.strip() for s in script.split(";")):
            if statement:
                db.execute(statement)
    empty = db_bytes(db)
    with db.conn:
        db.conn.executemany(
            "INSERT INTO embeddings (model_id, text_hash, vector) VALUES (?, ?, ?)",
            [(MODEL_ID, h, v.tobytes()) for h, v in zip(hashes, vectors, strict=True)],
        )
    size = db_bytes(db) - empty
    db.conn.close()
    return size


def after_bytes(path: Path, hashes: list[str], vectors: np.ndarray) -> int:
    """Bytes of the current store holding ``vectors``."""
    store = Store(path)
    empty = db_bytes(store.db)
    for start in range(0, len(hashes), 5000):
        part = dict(zip(hashes[start : start + 5000], vectors[start : start + 5000], strict=True))
        store.embeddings.put_many(MODEL_ID, part)
    size = db_bytes(store.db) - empty
    store.close()
    return size


def cosine_errors(vectors: np.ndarray, pairs: int = 200_000) -> tuple[float, float]:
    """(max |cos error| over random pairs, max 1 - cos(v, float16(v)))."""
    half = vectors.astype(np.float16).astype(np.float32)
    rng = np.random.default_rng(1)
    a = rng.integers(0, len(vectors), pairs)
    b = rng.integers(0, len(vectors), pairs)
    exact = np.einsum("ij,ij->i", vectors[a], vectors[b])
    rounded = np.einsum("ij,ij->i", half[a], half[b])
    self_cos = np.einsum("ij,ij->i", vectors, half) / np.linalg.norm(half, axis=1)
    return float(np.abs(exact - rounded).max()), float((1 - self_cos).max())


def nmi_effect(path: Path, n: int) -> None:
    """Cluster ``n`` Banking77 texts from float32 and float16 vectors; print NMIs."""
    from sklearn.metrics import normalized_mutual_info_score as nmi

    from textinsight.stages.cluster import ThemeClusterer
    from textinsight.stages.embed import HashingEmbedder

    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows = [rows[i] for i in np.random.default_rng(0).permutation(len(rows))[:n]]
    full = HashingEmbedder(dim=384).encode([r["text"] for r in rows])
    half = full.astype(np.float16).astype(np.float32)
    intents = [r["label"] for r in rows]
    a = ThemeClusterer(seed=0).fit(full).labels_
    b = ThemeClusterer(seed=0).fit(half).labels_
    c = ThemeClusterer(seed=1).fit(full).labels_
    print(
        f"NMI vs intents ({n} Banking77 texts, hashing-384): float32 {100 * nmi(intents, a):.1f}, "
        f"float16 {100 * nmi(intents, b):.1f}; themes float32 vs float16 {100 * nmi(a, b):.1f} "
        f"(float32 seed 0 vs seed 1, for scale: {100 * nmi(a, c):.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--nmi", type=int, default=0, help="Banking77 texts to cluster (0: skip)")
    parser.add_argument("--banking77", type=Path, default=SHARED / "banking77" / "banking77.csv")
    args = parser.parse_args()

    vectors = unit_vectors(args.n, args.dim)
    hashes = [hashlib.sha1(str(i).encode()).hexdigest() for i in range(args.n)]
    payload = 4 * args.dim
    with tempfile.TemporaryDirectory() as tmp:
        before = before_bytes(Path(tmp) / "before.db", hashes, vectors) / args.n
        after = after_bytes(Path(tmp) / "after.db", hashes, vectors) / args.n
    print(f"{args.n} vectors of {args.dim} dims, float32 payload {payload} bytes")
    print(
        f"  before (float32, WITHOUT ROWID): {before:7.0f} bytes/vector = {before / payload:.2f}x"
    )
    print(f"  after  (float16, rowid table):   {after:7.0f} bytes/vector = {after / payload:.2f}x")
    pair_err, self_err = cosine_errors(vectors)
    print(
        f"float16 round trip: max |cosine error| over pairs {pair_err:.2e}, "
        f"max 1 - cos(v, v16) {self_err:.2e}"
    )
    if args.nmi:
        nmi_effect(args.banking77, args.nmi)


if __name__ == "__main__":
    main()
