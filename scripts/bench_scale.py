"""Ingest and run time and peak memory, stage by stage, at growing N (issue #15).

Usage:
    python scripts/bench_scale.py                                # N = 10k, 100k, 1M
    python scripts/bench_scale.py --sizes 10000,30000 --no-bertopic --no-full-fit

For each N it writes N synthetic feedback rows to a temporary CSV: by default
(``--texts themed``) rows with planted themes from ``synth_feedback.py`` (the 14 Nordhem
themes in sv/no/da/en and 24 Banking77 intents, skewed sizes, 5% off-topic rows); with
``--texts pairs`` two random Banking77 texts glued together with a short tail (no
stable themes). Both have a ``language`` column, four channels, dates over six months
and 2,000 customers. Then in a fresh
child process (so each peak is its own) ingests it into an empty store and runs the
pipeline with the ``hashing`` embedder and the default sample size. A thread samples
the child's resident memory every 0.1 s, so each stage of ``run`` (its timings) gets
its own peak.

At ``--full-fit-at`` (default 100,000) the same child ingests the rows into a second,
fresh store (no warm start from the sampled run; the vectors copied), runs with the
sample as large as the corpus (a full fit) and reports the NMI between the two runs'
assignments (unassigned counted as one more label), and each run's NMI against the
planted themes (themed rows; noise rows are one more label). ``--sample-size`` sets the
sampled run's sample (default ``TEXTINSIGHT_SAMPLE_SIZE``'s, 50,000). At ``--bertopic-at`` (default
100,000) BERTopic (``pip install -e '.[bench]'``) is fitted, in its own child, on the
same stored vectors. It prints Markdown tables.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth_feedback  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
CHANNELS = ("ticket", "survey", "review", "social")
TAILS = ("", "Thanks.", "Please help.", "This is urgent!", "Again.", "Any update?", "Why?")
STAGES = (
    "embed_s",
    "cluster_s",
    "describe_s",
    "assign_s",
    "categories_s",
    "label_s",
    "value_s",
    "write_s",
)


def write_rows(path: Path, n: int, intents: Path, seed: int = 0, texts: str = "themed") -> None:
    """``n`` synthetic feedback rows as a CSV at ``path`` (``texts``: themed or pairs);
    themed rows' planted themes go to ``truth_path(path)``."""
    if texts == "themed":
        b77 = synth_feedback.load_banking77(intents) if intents.exists() else None
        rows = synth_feedback.generate(n, seed=seed, banking77=b77)
        synth_feedback.write_csv(path, rows, truth_path(path))
        return
    with intents.open(encoding="utf-8", newline="") as handle:
        pool = [row["text"] for row in csv.DictReader(handle)]
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source_id", "channel", "created_at", "customer_id", "language", "text"])
        for i in range(n):
            text = f"{rng.choice(pool)} {rng.choice(pool)} {rng.choice(TAILS)}".strip()
            day = f"2026-{rng.randint(4, 9):02d}-{rng.randint(1, 28):02d}"
            channel = CHANNELS[i % len(CHANNELS)]
            writer.writerow([f"s{i}", channel, day, f"c{rng.randrange(2000)}", "en", text])


def truth_path(path: Path) -> Path:
    """Where ``write_rows`` puts the planted themes of the rows at ``path``."""
    return path.with_name(path.stem + ".truth.csv")


def planted_themes(path: Path) -> dict[str, str] | None:
    """Source id -> planted theme of the rows at ``path`` (``None``: not themed rows)."""
    truth = truth_path(path)
    if not truth.exists():
        return None
    with truth.open(encoding="utf-8", newline="") as handle:
        return {row["source_id"]: row["theme"] for row in csv.DictReader(handle)}


class RssSampler(threading.Thread):
    """Resident memory of this process every ``every`` seconds, with timestamps."""

    def __init__(self, every: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.every = every
        self.samples: list[tuple[float, float]] = []
        self._done = threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE") / 2**20

    def run(self) -> None:
        with open("/proc/self/statm", encoding="ascii") as statm:
            while not self._done.is_set():
                statm.seek(0)
                self.samples.append(
                    (time.perf_counter(), int(statm.read().split()[1]) * self._page)
                )
                time.sleep(self.every)

    def stop(self) -> None:
        self._done.set()
        self.join()

    def peak(self, start: float, end: float) -> float:
        inside = [mb for t, mb in self.samples if start <= t <= end]
        return max(inside, default=0.0)


def stage_windows(start: float, run_s: float, timings: dict[str, Any]) -> dict[str, float]:
    """Seconds per stage in order; ``write_s`` is what follows the last timed stage."""
    laps = {k: float(timings.get(k, 0.0)) for k in STAGES if k != "write_s"}
    laps["write_s"] = max(0.0, run_s - sum(laps.values()))
    return laps


def measure_one(
    csv_path: Path, db_path: Path, full_fit: bool, sample_size: int | None = None
) -> dict[str, Any]:
    """Ingest ``csv_path`` and run the pipeline (hashing); times and peak RSS per stage."""
    from textinsight.pipeline import ingest_file, run_pipeline
    from textinsight.stages.embed import HashingEmbedder
    from textinsight.stages.sample_fit import DEFAULT_SAMPLE_SIZE
    from textinsight.store import Store

    sampler = RssSampler()
    sampler.start()
    store = Store(db_path)
    start = time.perf_counter()
    ingest_file(store, csv_path)
    ingest_s = time.perf_counter() - start
    rss_ingest = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    cpu = time.process_time()
    info = run_pipeline(store, HashingEmbedder(), sample_size=sample_size or DEFAULT_SAMPLE_SIZE)
    run_s = time.perf_counter() - start
    run_cpu_s = time.process_time() - cpu
    laps = stage_windows(start, run_s, info.timings)
    peaks, at = {}, start
    for name, seconds in laps.items():
        peaks[name] = sampler.peak(at, at + seconds + 0.05)
        at += seconds
    result: dict[str, Any] = {
        "ingest_s": ingest_s,
        "run_s": run_s,
        "run_cpu_s": run_cpu_s,
        "peak_rss_ingest_mb": rss_ingest,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "db_mb": db_path.stat().st_size / 2**20,
        "laps": laps,
        "peaks": peaks,
        "n_themes": info.n_themes,
        "n_unassigned": info.n_unassigned,
        "sample": info.params.get("sample"),
    }
    planted = planted_themes(csv_path)
    if planted is not None:
        result["nmi_planted"] = nmi_planted(store, info.id, planted)
    if full_fit:
        result["full_fit"] = compare_full_fit(
            csv_path, db_path, run_labels(store, info.id), HashingEmbedder(), planted
        )
    sampler.stop()
    return result


def run_labels(store: Any, run_id: int) -> dict[str, int]:
    """Source id -> theme id (-1: unassigned) of every item of a run."""
    return {
        r.source_id: -1 if r.theme_id is None else r.theme_id for r in store.runs.export(run_id)
    }


def nmi_planted(store: Any, run_id: int, planted: dict[str, str]) -> float:
    """NMI (x100) between a run's themes (unassigned: one label) and the planted ones."""
    from sklearn.metrics import normalized_mutual_info_score

    found = run_labels(store, run_id)
    ids = sorted(found)
    return 100 * float(
        normalized_mutual_info_score([planted[i] for i in ids], [found[i] for i in ids])
    )


def compare_full_fit(
    csv_path: Path,
    db_path: Path,
    sampled: dict[str, int],
    embedder: Any,
    planted: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A full fit (the sample as large as the corpus) of the same rows in a fresh store
    (so it is not warm-started from the sampled run; the vectors are copied from
    ``db_path``); NMI between its assignments and ``sampled`` (source id -> theme)."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from textinsight.pipeline import ingest_file, run_pipeline
    from textinsight.store import Store

    store = Store(db_path.with_name(db_path.stem + ".full.db"))
    ingest_file(store, csv_path)
    store.embeddings.copy_from(str(db_path))
    n = store.feedback.count()
    start, cpu = time.perf_counter(), time.process_time()
    full = run_pipeline(store, embedder, sample_size=n)
    seconds, cpu_s = time.perf_counter() - start, time.process_time() - cpu

    fitted = run_labels(store, full.id)
    ids = sorted(sampled)
    a, b = [sampled[i] for i in ids], [fitted[i] for i in ids]
    return {
        "run_s": seconds,
        "run_cpu_s": cpu_s,
        "nmi": 100 * normalized_mutual_info_score(a, b),
        "ari": 100 * adjusted_rand_score(a, b),
        "n_themes": full.n_themes,
        "n_unassigned": full.n_unassigned,
        "nmi_planted": None if planted is None else nmi_planted(store, full.id, planted),
    }


def measure_bertopic(db_path: Path) -> dict[str, Any]:
    """BERTopic's seeded fit on the vectors and texts stored by ``measure_one``."""
    import numpy as np

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from benchmark import bertopic_model  # type: ignore[import-not-found]

    from textinsight.stages.embed import HashingEmbedder
    from textinsight.store import Store

    store = Store(db_path)
    feedback = store.feedback.all()
    embedder = HashingEmbedder()
    found = store.embeddings.get_many(embedder.model_id, [f.text_hash for f in feedback])
    X = np.vstack([found[f.text_hash] for f in feedback])
    texts = [f.text for f in feedback]
    del feedback, found
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    topics, _ = bertopic_model(embedder, 0).fit_transform(texts, embeddings=X)
    return {
        "run_s": time.perf_counter() - start,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_fit_mb": before,
        "n_topics": len(set(topics) - {-1}),
        "outliers": sum(1 for t in topics if t == -1),
    }


def child(*args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"{' '.join(args)} failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated N")
    parser.add_argument("--banking77", type=Path, default=SHARED / "banking77" / "banking77.csv")
    parser.add_argument("--texts", choices=("themed", "pairs"), default="themed")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic rows")
    parser.add_argument("--sample-size", type=int, help="the sampled run's sample size")
    parser.add_argument("--full-fit-at", type=int, default=100_000)
    parser.add_argument("--no-full-fit", action="store_true")
    parser.add_argument("--bertopic-at", type=int, default=100_000)
    parser.add_argument("--no-bertopic", action="store_true")
    parser.add_argument("--one", nargs=3, metavar=("CSV", "DB", "FULL"), help=argparse.SUPPRESS)
    parser.add_argument("--bertopic-db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        full = args.one[2] == "1"
        result = measure_one(Path(args.one[0]), Path(args.one[1]), full, args.sample_size)
        print(json.dumps(result))
        return
    if args.bertopic_db:
        print(json.dumps(measure_bertopic(Path(args.bertopic_db))))
        return

    results: dict[int, dict[str, Any]] = {}
    for n in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            rows, db = Path(tmp) / "feedback.csv", Path(tmp) / "t.db"
            write_rows(rows, n, args.banking77, args.seed, args.texts)
            full = not args.no_full_fit and n == args.full_fit_at
            sample = ["--sample-size", str(args.sample_size)] if args.sample_size else []
            r = child("--one", str(rows), str(db), "1" if full else "0", *sample)
            if not args.no_bertopic and n == args.bertopic_at:
                r["bertopic"] = child("--bertopic-db", str(db))
        results[n] = r
        print(f"<!-- {n}: {json.dumps(r)} -->", flush=True)
    print_tables(results)


def print_tables(results: dict[int, dict[str, Any]]) -> None:
    """The Markdown tables of docs/scale.md."""
    names = [s.removesuffix("_s") for s in STAGES]
    print("\n| rows | ingest s | run s | " + " | ".join(names) + " | themes | unassigned |")
    print("|---" * (len(names) + 5) + "|")
    for n, r in sorted(results.items()):
        laps = " | ".join(f"{r['laps'][s]:.0f}" for s in STAGES)
        print(
            f"| {n:,} | {r['ingest_s']:.0f} | {r['run_s']:.0f} | {laps} | {r['n_themes']} "
            f"| {r['n_unassigned'] / n:.1%} |"
        )
    print("\nPeak RSS (MB):\n")
    print("| rows | ingest | run | " + " | ".join(names) + " | database |")
    print("|---" * (len(names) + 4) + "|")
    for n, r in sorted(results.items()):
        peaks = " | ".join(f"{r['peaks'][s]:.0f}" for s in STAGES)
        print(
            f"| {n:,} | {r['peak_rss_ingest_mb']:.0f} | {r['peak_rss_mb']:.0f} | {peaks} "
            f"| {r['db_mb']:.0f} |"
        )
    for n, r in sorted(results.items()):
        if "nmi_planted" in r:
            print(f"\n{n:,} rows, sampled fit: NMI vs the planted themes {r['nmi_planted']:.1f}")
        if "full_fit" in r:
            f = r["full_fit"]
            planted = "" if f["nmi_planted"] is None else f" (vs planted {f['nmi_planted']:.1f})"
            print(
                f"\n{n:,} rows, full fit: {f['run_s']:.0f} s, {f['n_themes']} themes, "
                f"{f['n_unassigned'] / n:.1%} unassigned{planted}; sampled vs full fit NMI "
                f"{f['nmi']:.1f}, ARI {f['ari']:.1f}"
            )
        if "bertopic" in r:
            b = r["bertopic"]
            print(
                f"\n{n:,} rows, BERTopic 0.17 on the same vectors: {b['run_s']:.0f} s, peak "
                f"RSS {b['peak_rss_mb']:.0f} MB, {b['n_topics']} topics, "
                f"{b['outliers'] / n:.1%} outliers"
            )
    if len(results) > 1:
        sizes = sorted(results)
        for small, large in zip(sizes, sizes[1:], strict=False):
            ratio = results[large]["run_s"] / results[small]["run_s"]
            print(f"\nrun time {large:,} / {small:,}: {ratio:.1f}x")


if __name__ == "__main__":
    main()
