"""fp32 against the int8 ONNX Runtime backend: throughput, cosine and Banking77 NMI (issue #15).

Usage:
    python scripts/bench_onnx.py                      # MiniLM, 1,000 texts, best of 3
    python scripts/bench_onnx.py --model e5-small --n 500 --repeats 2
    python scripts/bench_onnx.py --nmi 13083 --seeds 0,1,2 --cache /tmp/onnx-cache

On the same distinct Banking77 texts (a seeded random sample, in random order) it
times, interleaved and best of ``--repeats`` after warm-up:

- ``bare``: one ``SentenceTransformer.encode(texts, normalize_embeddings=True)`` call;
- ``fp32``: the registered model's ``encode`` (sentence-transformers in torch);
- ``int8``: the registered ``<model>-int8`` (the int8 ONNX export, made on first use
  under ``TEXTINSIGHT_MODEL_DIR``; the export time is printed).

Then the cosine of each text's fp32 and int8 vectors (mean, 1st percentile, minimum;
target >= 0.99), and with ``--nmi N`` the clustering NMI against the intents of N
Banking77 texts embedded both ways (``find_themes``, one fit per seed; target: the
int8 mean within 0.5 of the fp32 mean). ``--cache DIR`` keeps the vectors of the NMI
set in a store there, so a second run skips the embedding.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
from sklearn.metrics import normalized_mutual_info_score  # noqa: E402

from textinsight.config import get_settings  # noqa: E402
from textinsight.pipeline import embed_cached, find_themes  # noqa: E402
from textinsight.stages.embed import CentredEmbedder, Embedder, get_embedder  # noqa: E402
from textinsight.stages.embed.encoders import (  # noqa: E402
    SentenceTransformerEmbedder,
    _load_sentence_transformer,
)
from textinsight.store import Store  # noqa: E402
from textinsight.store.feedback import text_hash  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"


def labelled_texts(path: Path, n: int, seed: int) -> tuple[list[str], list[str]]:
    """``n`` distinct texts of the CSV (``text``, ``label``) in a seeded random order."""
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        rows = {row["text"]: row["label"] for row in csv.DictReader(handle)}
    texts = list(rows)
    np.random.default_rng(seed).shuffle(texts)
    texts = texts[:n]
    return texts, [rows[t] for t in texts]


def inner(embedder: Embedder) -> Embedder:
    """The embedder a ``CentredEmbedder`` wraps (bare ``encode`` has no centring)."""
    return embedder.inner if isinstance(embedder, CentredEmbedder) else embedder


def time_modes(modes: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Best wall seconds of each mode, interleaved."""
    runs: dict[str, list[float]] = {name: [] for name in modes}
    for _ in range(repeats):
        for name, fn in modes.items():
            start = time.perf_counter()
            fn()
            runs[name].append(time.perf_counter() - start)
            print(f"  {name}: {runs[name][-1]:.1f} s", flush=True)
    return {name: min(times) for name, times in runs.items()}


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine of two arrays of (normalised) vectors."""
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return np.asarray((a * b).sum(axis=1))


def nmi_scores(
    texts: list[str], labels: list[str], vectors: np.ndarray, seeds: list[int]
) -> list[float]:
    """NMI (percent) of one ``find_themes`` fit per seed against the labels."""
    scores = []
    for seed in seeds:
        found = find_themes(texts, ["en"] * len(texts), vectors, seed=seed)
        scores.append(100 * normalized_mutual_info_score(labels, found.clusterer.labels_))
    return scores


def embed_all(embedder: Embedder, texts: list[str], cache: Path | None) -> np.ndarray:
    """Vectors of ``texts`` through the cached embed step (cache in ``cache`` if given)."""
    store = Store(cache / "vectors.db" if cache else ":memory:")
    try:
        start = time.perf_counter()
        vectors, n = embed_cached(store, embedder, texts, [text_hash(t) for t in texts])
        print(
            f"  embedded {n} of {len(texts)} with {embedder.model_id} "
            f"in {time.perf_counter() - start:.0f} s",
            flush=True,
        )
    finally:
        store.close()
    return vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED / "banking77" / "banking77.csv")
    parser.add_argument("--model", default="minilm", help="fp32 model; int8 is <model>-int8")
    parser.add_argument("--n", type=int, default=1000, help="texts timed")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--nmi", type=int, default=0, help="texts clustered (0: skip)")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    model_dir = get_settings().model_dir
    fp32, int8 = get_embedder(args.model, model_dir), get_embedder(args.model + "-int8", model_dir)
    plain = inner(fp32)
    if not isinstance(plain, SentenceTransformerEmbedder):
        raise SystemExit(f"{args.model} is not a sentence-transformers model")
    start = time.perf_counter()
    int8.encode(["warm-up"])  # exports on first use
    print(f"int8 model ready in {time.perf_counter() - start:.1f} s (export on first use)")

    texts, _ = labelled_texts(args.data, args.n, args.seed)
    bare_model = _load_sentence_transformer(plain.path_factory())
    prefixed = [plain.prefix + t for t in texts]
    fp32.encode(texts[:64])
    bare_model.encode(prefixed[:64])
    int8.encode(texts[:64])
    best = time_modes(
        {
            "bare": lambda: bare_model.encode(prefixed, normalize_embeddings=True),
            "fp32": lambda: fp32.encode(texts),
            "int8": lambda: int8.encode(texts),
        },
        args.repeats,
    )
    print(
        f"\n{len(texts)} texts, {args.model}, best of {args.repeats}, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
    )
    for name, seconds in best.items():
        ratio = best["fp32"] / seconds
        print(f"  {name:5s} {len(texts) / seconds:7.1f} texts/s  ({ratio:.2f}x fp32)")
    cos = cosines(fp32.encode(texts), int8.encode(texts))
    print(
        f"cosine fp32 vs int8: mean {cos.mean():.4f}, 1st percentile "
        f"{np.percentile(cos, 1):.4f}, min {cos.min():.4f}"
    )

    if args.nmi:
        seeds = [int(s) for s in args.seeds.split(",")]
        texts, labels = labelled_texts(args.data, args.nmi, args.seed)
        print(f"\nNMI on {len(texts)} Banking77 texts, seeds {seeds}:")
        for name, embedder in (("fp32", fp32), ("int8", int8)):
            scores = nmi_scores(texts, labels, embed_all(embedder, texts, args.cache), seeds)
            shown = ", ".join(f"{s:.2f}" for s in scores)
            print(f"  {name}: mean {np.mean(scores):.2f}  ({shown})", flush=True)


if __name__ == "__main__":
    main()
