"""Benchmark the product's themes against BERTopic on a labelled CSV (``text,label``).

Usage:
    python scripts/benchmark.py ../shared/data/banking77/banking77.csv \\
        --cache bench/cache --out bench/banking77.json
    python scripts/benchmark.py FILE.csv --quick --no-bertopic    # CI smoke test

Runs the product's own code and only times it:

1. ingest: ``read_rows`` + ``prepare_feedback`` (validation, PII redaction; the
   ``language`` column, or language detection when the file has none);
2. embed: ``embed_cached`` with the chosen embedder. With ``--cache DIR`` the vectors
   are kept in a textinsight ``Store`` in DIR, keyed by model id + text hash. The
   reported embed time is always that of uncached embedding: measured in this run, or,
   when the vectors were cached, the one stored by the run that embedded them, else
   estimated from a 500-text uncached probe (the output says which);
3. ``ThemeClusterer(seed=...).fit(X)`` then ``ThemeDescriber().describe(...)``, timed
   together ("cluster+describe") and scored with ``textinsight.evaluate.cluster_scores``
   (NMI/ARI in percent over all texts, unassigned counted as one extra cluster);
4. BERTopic (``pip install -e '.[bench]'``) on the same embeddings: its seeded fit
   (UMAP with ``random_state=seed``), then the same plus
   ``reduce_outliers(strategy="embeddings")``.

Both systems are fitted once on a sample first, so numba compilation is timed for
neither, and the model is loaded before the embed timing starts. Peak memory:
tracemalloc's peak of the Python/numpy memory a step allocates (in a second, untimed
run of the step: tracing slows it), and the process's max RSS. Prints a Markdown table
and writes every number to ``--out``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from textinsight.cluster import ThemeClusterer  # noqa: E402
from textinsight.config import get_settings  # noqa: E402
from textinsight.describe import ThemeDescriber  # noqa: E402
from textinsight.embed import Embedder, embed_cached, get_embedder  # noqa: E402
from textinsight.errors import TextInsightError, ValidationError  # noqa: E402
from textinsight.evaluate import cluster_scores  # noqa: E402
from textinsight.ingest.language import LanguageIdentifier  # noqa: E402
from textinsight.ingest.load import prepare_feedback  # noqa: E402
from textinsight.ingest.readers import read_rows  # noqa: E402
from textinsight.records import Feedback, ThemeDescription  # noqa: E402
from textinsight.store import Store, text_hash  # noqa: E402

QUICK_ROWS = 1000
QUICK_MODEL = "hashing"
PROBE_TEXTS = 500
WARMUP_ROWS = 300
UMAP_APPROXIMATE_FROM = 4096
CHANNEL = "other"
TIMINGS_FILE = "embed-timings.json"
NO_BERTOPIC = "BERTopic not installed: pip install -e '.[bench]' to compare"

#: The issue's goals: cluster+describe at most this share of the embed time ...
GOAL_SHARE_OF_EMBED = 0.25
#: ... and BERTopic's seeded fit at least this many times slower.
GOAL_SPEEDUP = 1.5


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="CSV with text and label columns")
    parser.add_argument("--model", help="embedder name (default: TEXTINSIGHT_MODEL)")
    parser.add_argument("--limit", type=int, help="use a seeded sample of N rows")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke test: {QUICK_ROWS} sampled rows, the {QUICK_MODEL} model unless --model",
    )
    parser.add_argument("--seed", type=int, help="sample and fit seed (default: TEXTINSIGHT_SEED)")
    parser.add_argument("--out", type=Path, default=Path("bench/results.json"))
    parser.add_argument("--no-bertopic", action="store_true", help="skip the BERTopic rows")
    parser.add_argument("--cache", type=Path, help="folder of the embedding cache (a Store)")
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error(f"--limit must be at least 1, got {args.limit}")
    return args


@contextmanager
def timed(into: dict[str, Any], key: str = "seconds") -> Iterator[None]:
    """Record the wall seconds of the block as ``into[key]``."""
    started = time.perf_counter()
    yield
    into[key] = round(time.perf_counter() - started, 3)


def traced_peak_mb(step: Callable[[], object]) -> float:
    """Run ``step`` under tracemalloc: the peak MB of the Python/numpy memory it allocated.

    Tracing slows allocation-heavy code (numba compilation threefold), so steps are
    timed untraced and run a second time here.
    """
    tracemalloc.start()
    try:
        step()
        return round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    finally:
        tracemalloc.stop()


def max_rss_mb() -> float:
    """The process's peak resident memory so far (Linux reports kB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def load_feedback(
    path: Path, limit: int | None, seed: int
) -> tuple[list[Feedback], list[str], dict[str, Any]]:
    """The (sampled) rows as the product ingests them, their labels, and a summary."""
    rows, dropped = [], 0
    for line, row in read_rows(path):
        if isinstance(row, ValidationError):
            dropped += 1
        else:
            rows.append((line, row))
    if not rows:
        sys.exit(f"{path.name}: no readable row")
    if not {"text", "label"} <= rows[0][1].keys():
        sys.exit(f"{path.name} needs 'text' and 'label' columns; it has {sorted(rows[0][1])}")
    total = len(rows)
    if limit is not None and limit < total:
        keep = np.sort(np.random.default_rng(seed).choice(total, size=limit, replace=False))
        rows = [rows[i] for i in keep]
    settings = get_settings()
    detector = LanguageIdentifier(settings.language_codes, settings.min_language_confidence)
    errors: list[ValidationError] = []
    info: dict[str, Any] = {
        "rows_in_file": total + dropped,
        "language": "csv column" if "language" in rows[0][1] else "detected",
    }
    with timed(info):
        feedback = prepare_feedback(
            rows, channel=CHANNEL, languages=detector, on_error=errors.append
        )
    labelled = [f for f in feedback if f.metadata.get("label") is not None]
    info["dropped"] = dropped + len(errors) + len(feedback) - len(labelled)
    if not labelled:
        sys.exit(f"{path.name}: no valid row with a text and a label")
    return labelled, [str(f.metadata["label"]) for f in labelled], info


def embed(
    embedder: Embedder, texts: list[str], cache: Path | None, batch_size: int
) -> tuple[np.ndarray, dict[str, Any]]:
    """Embed through ``embed_cached``; report the uncached embed time and how it was had."""
    info: dict[str, Any] = {"model_id": embedder.model_id}
    started = time.perf_counter()
    embedder.encode(["warm-up"])  # loads the model; not part of the embed time
    info["model_load_s"] = round(time.perf_counter() - started, 3)
    hashes = [text_hash(t) for t in texts]
    distinct = len(set(hashes))
    store = Store(cache / "embeddings.db" if cache else ":memory:")
    try:
        with timed(info):
            X, info["n_embedded"] = embed_cached(
                store, embedder, texts, hashes, batch_size=batch_size
            )
    finally:
        store.close()
    timings_path = cache / TIMINGS_FILE if cache else None
    key = (
        embedder.model_id + "|" + hashlib.sha256("".join(sorted(set(hashes))).encode()).hexdigest()
    )
    stored = json.loads(timings_path.read_text()) if timings_path and timings_path.exists() else {}
    if info["n_embedded"] == distinct:
        info["uncached_s"] = info["seconds"]
        info["uncached_from"] = "this run"
        if timings_path:
            stored[key] = {"seconds": info["seconds"], "n": distinct}
            timings_path.write_text(json.dumps(stored, indent=2))
    elif key in stored:
        info["uncached_s"] = stored[key]["seconds"]
        info["uncached_from"] = f"the run that filled the cache ({TIMINGS_FILE})"
    else:
        probe = list(dict.fromkeys(texts))[:PROBE_TEXTS]
        started = time.perf_counter()
        for i in range(0, len(probe), batch_size):
            embedder.encode(probe[i : i + batch_size])
        per_text = (time.perf_counter() - started) / len(probe)
        info["uncached_s"] = round(per_text * distinct, 3)
        info["uncached_from"] = f"estimated from a {len(probe)}-text uncached probe"
    info["distinct_texts"] = distinct
    info["max_rss_mb"] = max_rss_mb()
    info["texts_per_s"] = round(distinct / max(info["uncached_s"], 1e-9), 1)
    return X, info


def fit_product(
    texts: list[str], languages: list[str | None], labels: list[str], X: np.ndarray, seed: int
) -> dict[str, Any]:
    """Time ThemeClusterer.fit and ThemeDescriber.describe; score the themes."""

    def themes() -> tuple[ThemeClusterer, dict[int, ThemeDescription]]:
        clusterer = ThemeClusterer(seed=seed).fit(X)
        return clusterer, ThemeDescriber().describe(texts, languages, clusterer.labels_, X)

    result: dict[str, Any] = {}
    with timed(result, "cluster_s"):
        clusterer = ThemeClusterer(seed=seed).fit(X)
    with timed(result, "describe_s"):
        descriptions = ThemeDescriber().describe(texts, languages, clusterer.labels_, X)
    result["seconds"] = round(result["cluster_s"] + result["describe_s"], 3)
    result.update(cluster_scores(labels, clusterer.labels_.tolist()))
    result["peak_traced_mb"] = traced_peak_mb(themes)
    result["max_rss_mb"] = max_rss_mb()
    result["largest_themes"] = [descriptions[k].label for k in sorted(descriptions)[:5]]
    return result


def bertopic_model(embedder: Embedder, seed: int) -> Any:
    """BERTopic as the issue specifies it, with the product's embedder (never downloads)."""
    from bertopic import BERTopic
    from bertopic.backend import BaseEmbedder
    from umap import UMAP

    class ProductEmbedder(BaseEmbedder):  # type: ignore[misc]
        def embed(self, documents: list[str], verbose: bool = False) -> np.ndarray:
            return embedder.encode(list(documents))

    umap_model = UMAP(
        n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed
    )
    return BERTopic(
        embedding_model=ProductEmbedder(), umap_model=umap_model, calculate_probabilities=False
    )


def fit_bertopic(
    texts: list[str], labels: list[str], X: np.ndarray, embedder: Embedder, seed: int
) -> dict[str, Any]:
    """BERTopic's seeded fit on ``X``, then the same with outliers reduced by embeddings."""
    seeded: dict[str, Any] = {}
    reduced: dict[str, Any] = {}
    model = bertopic_model(embedder, seed)
    with timed(seeded):
        topics, _ = model.fit_transform(texts, embeddings=X)
    seeded.update(cluster_scores(labels, topics))
    with timed(reduced, "reduce_outliers_s"):
        new_topics = reduce_outliers(model, texts, topics, X)
    reduced["seconds"] = round(seeded["seconds"] + reduced["reduce_outliers_s"], 3)
    reduced.update(cluster_scores(labels, new_topics))

    def fit_then_reduce() -> None:
        again = bertopic_model(embedder, seed)
        found, _ = again.fit_transform(texts, embeddings=X)
        seeded["peak_traced_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        reduce_outliers(again, texts, found, X)

    reduced["peak_traced_mb"] = traced_peak_mb(fit_then_reduce)
    seeded["max_rss_mb"] = reduced["max_rss_mb"] = max_rss_mb()
    return {"version": version("bertopic"), "seeded": seeded, "reduced_outliers": reduced}


def reduce_outliers(model: Any, texts: list[str], topics: list[int], X: np.ndarray) -> list[int]:
    """BERTopic's ``reduce_outliers`` by embeddings (it refuses to run without outliers)."""
    if -1 not in topics:
        return topics
    return list(model.reduce_outliers(texts, topics, strategy="embeddings", embeddings=X))


def warm_up(
    texts: list[str],
    languages: list[str | None],
    X: np.ndarray,
    embedder: Embedder,
    seed: int,
    *,
    bertopic: bool,
) -> float:
    """Fit both systems once on a sample so that numba compiles outside the timings.

    UMAP compiles other functions for approximate neighbours, which it uses from
    ``UMAP_APPROXIMATE_FROM`` rows on; BERTopic's warm-up sample is that large when the
    data is, so that its timed fit compiles nothing either.
    """
    started = time.perf_counter()
    n = min(WARMUP_ROWS, len(texts))
    labels = ThemeClusterer(seed=seed).fit(X[:n]).labels_
    ThemeDescriber().describe(texts[:n], languages[:n], labels, X[:n])
    if bertopic:
        m = UMAP_APPROXIMATE_FROM if len(texts) >= UMAP_APPROXIMATE_FROM else n
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bertopic_model(embedder, seed).fit_transform(texts[:m], embeddings=X[:m])
    return round(time.perf_counter() - started, 1)


def bertopic_available() -> bool:
    try:
        import bertopic  # noqa: F401
    except ImportError:
        return False
    return True


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the benchmark; return every number."""
    settings = get_settings()
    seed = settings.seed if args.seed is None else args.seed
    model = args.model or (QUICK_MODEL if args.quick else settings.model)
    limit = args.limit if args.limit is not None else (QUICK_ROWS if args.quick else None)
    results: dict[str, Any] = {
        "csv": str(args.csv),
        "quick": args.quick,
        "seed": seed,
        "model": model,
        "environment": environment(),
    }
    feedback, labels, results["ingest"] = load_feedback(args.csv, limit, seed)
    texts = [f.text for f in feedback]
    languages = [f.language for f in feedback]
    results["n"] = len(texts)
    results["labels"] = len(set(labels))
    embedder = get_embedder(model)
    X, results["embed"] = embed(embedder, texts, args.cache, settings.batch_size)
    compare = not args.no_bertopic and bertopic_available()
    results["warm_up_s"] = warm_up(texts, languages, X, embedder, seed, bertopic=compare)
    results["textinsight"] = fit_product(texts, languages, labels, X, seed)
    if args.no_bertopic:
        results["bertopic"] = {"skipped": "--no-bertopic"}
    elif not compare:
        print(NO_BERTOPIC, file=sys.stderr)
        results["bertopic"] = {"skipped": NO_BERTOPIC}
    else:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="n_jobs value 1 overridden")
            results["bertopic"] = fit_bertopic(texts, labels, X, embedder, seed)
    results["memory"] = {
        "max_rss_mb": max_rss_mb(),
        "note": "max_rss_mb: peak resident memory of the whole process so far (model and "
        "libraries included; getrusage); peak_traced_mb: tracemalloc's peak of the Python "
        "and numpy memory allocated by that step alone, measured in a second, untimed run",
    }
    results["goals"] = goals(results)
    results["environment"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    return results


def goals(results: dict[str, Any]) -> dict[str, Any]:
    """The issue's two speed goals, as measured in this run."""
    product_s = results["textinsight"]["seconds"]
    share = product_s / max(results["embed"]["uncached_s"], 1e-9)
    out: dict[str, Any] = {
        "cluster_describe_share_of_embed": round(share, 4),
        "share_goal": GOAL_SHARE_OF_EMBED,
        "share_met": share <= GOAL_SHARE_OF_EMBED,
        "bertopic_speedup": None,
        "speedup_goal": GOAL_SPEEDUP,
        "speedup_met": None,
    }
    seeded = results["bertopic"].get("seeded")
    if seeded:
        speedup = seeded["seconds"] / max(product_s, 1e-9)
        out["bertopic_speedup"] = round(speedup, 2)
        out["speedup_met"] = speedup >= GOAL_SPEEDUP
    return out


def environment() -> dict[str, Any]:
    """Python, CPUs, load and the versions of the libraries that do the work."""
    packages: dict[str, str | None] = {}
    for name in ("textinsight", "numpy", "umap-learn", "hdbscan", "torch", "bertopic"):
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = None
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "packages": packages,
    }


def table(results: dict[str, Any]) -> str:
    """The results as a Markdown table plus the goal lines."""
    n, model, embed_info = results["n"], results["embed"]["model_id"], results["embed"]
    head = (
        "| system | N | model | embed s | texts/s | cluster+describe (fit) s | "
        "peak traced MB | themes | unassigned | NMI | ARI |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]

    def row(name: str, r: dict[str, Any], embed_s: str, rate: str) -> None:
        lines.append(
            f"| {name} | {n:,} | {model} | {embed_s} | {rate} | {r['seconds']:.1f} | "
            f"{r['peak_traced_mb']:.0f} | {r['themes']} | {100 * r['unassigned']:.1f}% | "
            f"{r['nmi']:.2f} | {r['ari']:.2f} |"
        )

    embed_s, rate = f"{embed_info['uncached_s']:.1f}", f"{embed_info['texts_per_s']:.0f}"
    row("textinsight", results["textinsight"], embed_s, rate)
    bertopic = results["bertopic"]
    if "seeded" in bertopic:
        row("BERTopic (seeded)", bertopic["seeded"], "same vectors", "-")
        row("BERTopic + reduce_outliers", bertopic["reduced_outliers"], "same vectors", "-")
    product, g = results["textinsight"], results["goals"]
    e = embed_info
    lines += [
        "",
        f"embed: {e['distinct_texts']:,} texts uncached in {e['uncached_s']:.1f} s "
        f"({e['uncached_from']}); this run took {e['seconds']:.1f} s, embedding "
        f"{e['n_embedded']:,}; model load {e['model_load_s']:.1f} s (not counted)",
        f"cluster {product['cluster_s']:.1f} s + describe {product['describe_s']:.1f} s = "
        f"{100 * g['cluster_describe_share_of_embed']:.1f}% of the embed time "
        f"(goal <= {100 * GOAL_SHARE_OF_EMBED:.0f}%: {'met' if g['share_met'] else 'NOT met'})",
    ]
    if g["bertopic_speedup"] is not None:
        lines.append(
            f"BERTopic's seeded fit takes {g['bertopic_speedup']:.2f}x textinsight's "
            f"cluster+describe (goal >= {GOAL_SPEEDUP}x: "
            f"{'met' if g['speedup_met'] else 'NOT met'})"
        )
    else:
        lines.append(f"BERTopic: skipped ({bertopic['skipped']})")
    ingest = results["ingest"]
    lines += [
        f"memory: process max RSS {embed_info['max_rss_mb']:,.0f} MB after embedding, "
        f"{product['max_rss_mb']:,.0f} MB after textinsight, "
        f"{results['memory']['max_rss_mb']:,.0f} MB at the end; peak traced MB = tracemalloc "
        "peak of the step's own Python/numpy allocations (separate untimed run)",
        f"language: {ingest['language']}; ingest {ingest['seconds']:.1f} s, "
        f"{ingest['dropped']} rows dropped; warm-up {results['warm_up_s']} s (not counted); "
        f"load average {results['environment']['load_average_start']} -> "
        f"{results['environment']['load_average_end']} on {results['environment']['cpus']} CPUs",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print the table, write the JSON file; return the results."""
    args = parse_args(argv)
    try:
        results = run(args)
    except TextInsightError as exc:
        sys.exit(f"benchmark failed: {exc}")
    print(table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return results


if __name__ == "__main__":
    main()
