"""Embed-stage throughput against one bare ``SentenceTransformer.encode`` (issue #15).

Usage:
    python scripts/bench_embed.py                 # 1,000 Banking77 texts, MiniLM, best of 3
    python scripts/bench_embed.py --n 2000 --repeats 2 --model minilm

On the same distinct texts (a seeded random sample of Banking77, in random order) it
times, interleaved and best of ``--repeats`` (the machine is shared, so the best run is
the least disturbed one), each after the model has loaded and warmed up:

- ``bare``: one ``SentenceTransformer.encode(texts, normalize_embeddings=True)`` call
  (library default batch size), the model loaded as ``stages/embed/encoders.py`` does;
- ``ours``: the product's embed step, ``pipeline.embed_cached`` into an empty in-memory
  store (length-sorted chunks of ``TEXTINSIGHT_BATCH_SIZE``, vectors cached);
- ``per-64``: the embed step as it was before: ``encode`` called per batch of 64.

Prints texts/s of each and the ratio ours / bare (target >= 0.95).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from textinsight.config import get_settings  # noqa: E402
from textinsight.pipeline import embed_cached  # noqa: E402
from textinsight.stages.embed import get_embedder  # noqa: E402
from textinsight.stages.embed.encoders import (  # noqa: E402
    SentenceTransformerEmbedder,
    _load_sentence_transformer,
)
from textinsight.store import Store  # noqa: E402
from textinsight.store.feedback import text_hash  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"


def sample_texts(path: Path, n: int, seed: int) -> list[str]:
    """``n`` distinct texts of the CSV's ``text`` column, in a seeded random order."""
    with path.open(encoding="utf-8", newline="") as handle:
        texts = list(dict.fromkeys(row["text"] for row in csv.DictReader(handle)))
    random.Random(seed).shuffle(texts)
    return texts[:n]


def best_rate(runs: dict[str, list[float]], name: str, n: int) -> float:
    """Texts per second of the fastest run of ``name``."""
    return n / min(runs[name])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED / "banking77" / "banking77.csv")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", default="minilm")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    texts = sample_texts(args.data, args.n, args.seed)
    hashes = [text_hash(t) for t in texts]
    embedder = get_embedder(args.model, get_settings().model_dir)
    if not isinstance(embedder, SentenceTransformerEmbedder):
        raise SystemExit(f"{args.model} is not a sentence-transformers model")
    bare_model = _load_sentence_transformer(embedder.path_factory())
    prefixed = [embedder.prefix + t for t in texts]

    def bare() -> None:
        bare_model.encode(prefixed, normalize_embeddings=True, convert_to_numpy=True)

    def ours() -> None:
        store = Store(":memory:")
        embed_cached(store, embedder, texts, hashes, batch_size=get_settings().batch_size)
        store.db.conn.close()

    def per_64() -> None:
        for start in range(0, len(texts), 64):
            embedder.encode(texts[start : start + 64])

    modes: dict[str, Callable[[], None]] = {"bare": bare, "ours": ours, "per-64": per_64}
    embedder.encode(texts[:64])  # load + warm up both model instances
    bare_model.encode(prefixed[:64])
    runs: dict[str, list[float]] = {name: [] for name in modes}
    for _ in range(args.repeats):
        for name, fn in modes.items():
            start = time.perf_counter()
            fn()
            runs[name].append(time.perf_counter() - start)
            print(f"  {name}: {runs[name][-1]:.1f} s", flush=True)

    print(f"{len(texts)} texts, model {embedder.model_id}, best of {args.repeats}")
    for name in modes:
        times = ", ".join(f"{t:.1f}" for t in runs[name])
        print(f"  {name:7s} {best_rate(runs, name, len(texts)):7.1f} texts/s  (runs: {times} s)")
    bare_rate = best_rate(runs, "bare", len(texts))
    print(f"ratio ours/bare   {best_rate(runs, 'ours', len(texts)) / bare_rate:.3f}")
    print(f"ratio per-64/bare {best_rate(runs, 'per-64', len(texts)) / bare_rate:.3f}")


if __name__ == "__main__":
    main()
