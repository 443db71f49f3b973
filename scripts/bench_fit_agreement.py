"""How well the clusterer agrees with itself: full fits across seeds, and a sampled fit
against them (issue #15's 100k criterion), on themed synthetic feedback.

Usage:
    python scripts/bench_fit_agreement.py --n 100000 --seeds 0,1 --gen-seed 0
    python scripts/bench_fit_agreement.py --n 20000 --seeds 0,1,2 --set n_neighbors=30

Generates ``--n`` rows with ``synth_feedback.py`` (``--gen-seed``; the 24 Banking77
intents too when ``--banking77`` exists, as ``bench_scale.py`` does), embeds them with
the ``hashing`` embedder (float16 round trip, as the store keeps them; cached in
``--cache-dir``), and for each fit seed runs a full fit (``ThemeClusterer.fit`` on every
item) and the run's sampled fit (``stratified_sample`` of ``--sample-size`` items,
``fit_on_sample``, ``assign_batch`` for the rest). Prints the NMI (unassigned counted
as one more label) between full fits of different seeds, between each sampled fit and
each full fit, and of every fit against the planted themes, with themes, unassigned
share and CPU seconds; and, for each sampled fit against each full fit, the NMI on the
sample's own items and on the assigned items apart, beside the assignment rule's
ceiling: the full fit's themes on the sample's items and the rest assigned by the
rule's kNN vote from them (how much of the gap the rule for the other items could
close). ``--set NAME=VALUE`` passes a ``ThemeClusterer`` argument to every fit (to
compare settings).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import normalized_mutual_info_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth_feedback  # noqa: E402

from textinsight.stages.centroids import assign_by_vote, theme_centroids  # noqa: E402
from textinsight.stages.cluster import ThemeClusterer  # noqa: E402
from textinsight.stages.embed import get_embedder  # noqa: E402
from textinsight.stages.normalize import normalize_text  # noqa: E402
from textinsight.stages.sample_fit import (  # noqa: E402
    DEFAULT_SAMPLE_SIZE,
    assign_batch,
    fit_on_sample,
    strata,
    stratified_sample,
)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"


def nmi(a: np.ndarray, b: np.ndarray) -> float:
    """NMI x 100 (unassigned, -1, is one more label)."""
    return 100 * float(normalized_mutual_info_score(a, b))


def corpus(n: int, seed: int, banking77: Path, cache: Path) -> dict[str, np.ndarray]:
    """The rows' hashing vectors, languages, channels, dates and planted themes."""
    path = cache / f"agreement_{n}_g{seed}.npz"
    if not path.exists():
        b77 = synth_feedback.load_banking77(banking77) if banking77.exists() else None
        rows = list(synth_feedback.generate(n, seed=seed, banking77=b77))
        embedder = get_embedder("hashing")
        X = embedder.encode([normalize_text(r.text) for r in rows])
        cache.mkdir(parents=True, exist_ok=True)
        np.savez(
            path,
            X=X.astype(np.float16).astype(np.float32),
            language=np.array([r.language for r in rows]),
            channel=np.array([r.channel for r in rows]),
            created_at=np.array([r.created_at for r in rows]),
            theme=np.array([r.theme for r in rows]),
        )
    with np.load(path) as data:
        return {key: data[key] for key in data.files}


def sampled_fit(
    data: dict[str, np.ndarray], size: int, seed: int, args: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray]:
    """Every item's theme as a run with a sample of ``size`` gives it, and the sample's rows."""
    X, languages = data["X"], data["language"].tolist()
    rows = stratified_sample(
        strata(languages, data["channel"].tolist(), data["created_at"].tolist()), size, seed=seed
    )
    model = fit_on_sample(
        X[rows],
        [languages[i] for i in rows],
        clusterer=ThemeClusterer(seed=seed, **args),
        corpus_size=len(X),
    )
    labels = np.full(len(X), -1, dtype=np.int64)
    labels[rows] = model.labels_
    rest = np.setdiff1d(np.arange(len(X)), rows)
    labels[rest] = assign_batch(model, X[rest], [languages[i] for i in rest])[0]
    return labels, rows


def vote_ceiling(
    full: ThemeClusterer, X: np.ndarray, languages: list[str], rows: np.ndarray
) -> np.ndarray:
    """The full fit's themes on ``rows`` (a sample), every other item given the theme its
    nearest sample items vote for (``assign_by_vote`` with the sample as the voters, no
    threshold or novelty test): what the assignment rule gives when the sample's own
    themes are the full fit's."""
    space = full.transform(X, languages)
    labels = full.labels_.copy()
    voters = rows[labels[rows] >= 0]
    rest = np.setdiff1d(np.arange(len(X)), rows)
    centroids = theme_centroids(space, labels)
    labels[rest] = assign_by_vote(
        space[rest], centroids, -1.0, space[voters], None, labels[voters]
    )[0]
    return labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--gen-seed", type=int, default=0)
    parser.add_argument("--sample-size", type=int, default=DEFAULT_SAMPLE_SIZE)
    parser.add_argument("--banking77", type=Path, default=SHARED / "banking77" / "banking77.csv")
    parser.add_argument("--cache-dir", type=Path, default=Path("bench") / "agreement")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    settings: dict[str, Any] = {k: int(v) for k, v in (item.split("=", 1) for item in args.set)}
    data = corpus(args.n, args.gen_seed, args.banking77, args.cache_dir)
    X, languages, planted = data["X"], data["language"].tolist(), data["theme"]
    print(f"{args.n:,} rows (generator seed {args.gen_seed}), settings {settings or 'default'}")
    print("| fit | seed | themes | unassigned | NMI vs planted | CPU s |")
    print("|---|---|---|---|---|---|")
    fits: dict[tuple[str, int], np.ndarray] = {}
    models: dict[int, ThemeClusterer] = {}
    samples: dict[int, np.ndarray] = {}
    for seed in (int(s) for s in args.seeds.split(",")):
        for kind in ("full", "sampled"):
            cpu = time.process_time()
            if kind == "full":
                models[seed] = ThemeClusterer(seed=seed, **settings).fit(X, languages=languages)
                labels = models[seed].labels_
            else:
                labels, samples[seed] = sampled_fit(data, args.sample_size, seed, settings)
            fits[kind, seed] = labels
            print(
                f"| {kind} | {seed} | {labels.max() + 1} | {100 * (labels < 0).mean():.1f}% "
                f"| {nmi(planted, labels):.1f} | {time.process_time() - cpu:.0f} |",
                flush=True,
            )
    print("\n| pair | NMI |\n|---|---|")
    for (a, sa), (b, sb) in itertools.combinations(sorted(fits), 2):
        if a == b == "sampled":
            continue
        print(f"| {a} {sa} vs {b} {sb} | {nmi(fits[a, sa], fits[b, sb]):.1f} |")
    print("\n| sampled vs full | all | its sample's items | assigned items | rule's ceiling |")
    print("|---|---|---|---|---|")
    for (sa, rows), (sb, model) in itertools.product(
        sorted(samples.items()), sorted(models.items())
    ):
        own = np.zeros(len(X), dtype=bool)
        own[rows] = True
        part, whole = fits["sampled", sa], fits["full", sb]
        ceiling = nmi(whole, vote_ceiling(model, X, languages, rows))
        print(
            f"| {sa} vs {sb} | {nmi(part, whole):.1f} | {nmi(part[own], whole[own]):.1f} "
            f"| {nmi(part[~own], whole[~own]):.1f} | {ceiling:.1f} |"
        )


if __name__ == "__main__":
    main()
