"""Theme quality when the clusterer is fitted on a sample and the rest assigned (#15).

Usage:
    python scripts/bench_sample_fit.py ../shared/data/banking77/banking77.csv \
        --cache bench/cache --sizes 5000 --seeds 0,1,2

Loads and embeds a labelled CSV (``text,label``) as ``scripts/benchmark.py`` does (with
its ``--cache``), then for each sample size S and seed fits ``ThemeClusterer`` on a
stratified sample of S items (``stages.sample_fit``), assigns every other item with
``assign_batch`` (the one rule), and prints the NMI and ARI of all items' themes
against the labels, and against a full fit with the same seed (unassigned items
count as one more label).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchmark import embed, load_feedback  # type: ignore[import-not-found]  # noqa: E402

from textinsight.config import get_settings  # noqa: E402
from textinsight.stages.embed import get_embedder, resolve_model  # noqa: E402
from textinsight.stages.sample_fit import (  # noqa: E402
    assign_batch,
    fit_on_sample,
    strata,
    stratified_sample,
)


def sampled_labels(
    X: np.ndarray, languages: list[str | None], size: int, seed: int
) -> tuple[np.ndarray, float]:
    """Every item's theme when fitted on a stratified sample of ``size``; seconds."""
    start = time.perf_counter()
    rows = stratified_sample(
        strata(languages, ["bench"] * len(languages), [None] * len(languages)), size, seed=seed
    )
    model = fit_on_sample(X[rows], [languages[i] for i in rows], seed=seed, corpus_size=len(X))
    labels = np.full(len(X), -1, dtype=np.int64)
    labels[rows] = model.labels_
    rest = np.setdiff1d(np.arange(len(X)), rows)
    labels[rest] = assign_batch(model, X[rest], [languages[i] for i in rest])[0]
    return labels, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--model", default=None)
    parser.add_argument("--sizes", default="5000")
    parser.add_argument("--seeds", default="0")
    args = parser.parse_args()
    settings = get_settings()
    feedback, truth, _ = load_feedback(args.csv, None, 0)
    texts = [f.text for f in feedback]
    languages = [f.language for f in feedback]
    model = resolve_model(args.model or settings.model, languages)
    X, _ = embed(get_embedder(model, settings.model_dir), texts, args.cache, settings.batch_size)
    print(f"{args.csv.name}: {len(texts)} items, {len(set(truth))} labels, model {model}")
    print("| S | seed | NMI vs labels | ARI vs labels | NMI vs full fit | themes | s |")
    print("|---|---|---|---|---|---|---|")
    for seed in (int(s) for s in args.seeds.split(",")):
        full, seconds = sampled_labels(X, languages, len(X), seed)
        for size in [len(X), *(int(s) for s in args.sizes.split(","))]:
            labels, seconds = (
                (full, seconds) if size == len(X) else sampled_labels(X, languages, size, seed)
            )
            print(
                f"| {size:,} | {seed} | {100 * normalized_mutual_info_score(truth, labels):.1f} "
                f"| {100 * adjusted_rand_score(truth, labels):.1f} "
                f"| {100 * normalized_mutual_info_score(full, labels):.1f} "
                f"| {labels.max() + 1} | {seconds:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
