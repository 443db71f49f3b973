"""Ingest and run time and peak memory, stage by stage, at growing N (issue #15).

Usage:
    python scripts/bench_scale.py                      # N = 10k, 100k, 1M; 30k real model
    python scripts/bench_scale.py --sizes 10000,30000 --no-bertopic --no-full-fit --no-real-model
    python scripts/bench_scale.py --sizes 1000000 --work DIR --ingest-only   # in pieces:
    python scripts/bench_scale.py --sizes 1000000 --work DIR   # ... runs on DIR's store

For each N it writes N synthetic feedback rows to a CSV: by default (``--texts
themed``) rows with planted themes from ``synth_feedback.py`` (the 14 Nordhem themes in
sv/no/da/en and 24 Banking77 intents, skewed sizes, 5% off-topic rows); with ``--texts
pairs`` two random Banking77 texts glued together with a short tail (no stable themes).
Four channels, dates over six months, 2,000 customers; no ``language`` column unless
``--language-column``, so ingest detects every row's language. Then in a fresh child
process (so each peak is its own) it ingests the CSV into an empty store and runs the
pipeline with the ``hashing`` embedder and the default sample size. A thread samples
the child's resident memory every 0.1 s, so each stage of ``run`` (its timings) gets
its own peak; the child's CPU seconds and the machine's load average are reported
beside the wall times (the machine may be shared).

At ``--real-model-at`` (default 30,000) the same rows are run once more with a real
model (``--real-model``, default ``minilm-int8``). At ``--full-fit-at`` (default
100,000) the same child ingests the rows into a second, fresh store (no warm start from
the sampled run; the vectors copied), runs with the sample as large as the corpus (a
full fit) and reports the NMI between the two runs' assignments (unassigned counted as
one more label), and each run's NMI against the planted themes (themed rows; noise
rows are one more label). ``--sample-size`` sets the sampled run's sample (default
``TEXTINSIGHT_SAMPLE_SIZE``'s, 50,000). At ``--bertopic-at`` (default 100,000) BERTopic
(``pip install -e '.[bench]'``) is fitted, in its own child, on the same stored
vectors. With ``--work DIR`` the CSV and the store of each N are kept in ``DIR/N`` and
an ingest already done there is not repeated (``--ingest-only`` stops after it), so a
long benchmark can be run in pieces (``--combine LOG ...`` prints their tables). It
prints Markdown tables.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
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


def write_rows(
    path: Path,
    n: int,
    intents: Path,
    seed: int = 0,
    texts: str = "themed",
    language_column: bool = False,
) -> None:
    """``n`` synthetic feedback rows as a CSV at ``path`` (``texts``: themed or pairs;
    with a ``language`` column when ``language_column``); themed rows' planted themes go
    to ``truth_path(path)``."""
    if texts == "themed":
        b77 = synth_feedback.load_banking77(intents) if intents.exists() else None
        rows = synth_feedback.generate(n, seed=seed, banking77=b77)
        synth_feedback.write_csv(path, rows, truth_path(path), language_column=language_column)
        return
    with intents.open(encoding="utf-8", newline="") as handle:
        pool = [row["text"] for row in csv.DictReader(handle)]
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        language = ["language"] if language_column else []
        writer.writerow(["source_id", "channel", "created_at", "customer_id", *language, "text"])
        language = ["en"] if language_column else []
        for i in range(n):
            text = f"{rng.choice(pool)} {rng.choice(pool)} {rng.choice(TAILS)}".strip()
            day = f"2026-{rng.randint(4, 9):02d}-{rng.randint(1, 28):02d}"
            channel = CHANNELS[i % len(CHANNELS)]
            writer.writerow([f"s{i}", channel, day, f"c{rng.randrange(2000)}", *language, text])


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
    csv_path: Path,
    db_path: Path,
    full_fit: bool,
    model: str = "hashing",
    ingest_only: bool = False,
    sample_size: int | None = None,
) -> dict[str, Any]:
    """Ingest ``csv_path`` (unless ``db_path`` holds it already: ``ingest.json`` beside
    it) and run the pipeline with ``model``; times, CPU, load and peak RSS per stage."""
    from textinsight.pipeline import ingest_file, run_pipeline
    from textinsight.stages.embed import get_embedder
    from textinsight.stages.sample_fit import DEFAULT_SAMPLE_SIZE
    from textinsight.store import Store

    sampler = RssSampler()
    sampler.start()
    done = db_path.with_name("ingest.json")
    if done.exists():
        ingested = json.loads(done.read_text())
        store = Store(db_path)
    else:
        load, start, cpu = os.getloadavg()[0], time.perf_counter(), time.process_time()
        store = Store(db_path)
        ingest_file(store, csv_path)
        ingested = {
            "ingest_s": time.perf_counter() - start,
            "ingest_cpu_s": time.process_time() - cpu,
            "ingest_load": (load + os.getloadavg()[0]) / 2,
            "peak_rss_ingest_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
        done.write_text(json.dumps(ingested))
    if ingest_only:
        sampler.stop()
        return ingested
    embedder = get_embedder(model)
    load, start, cpu = os.getloadavg()[0], time.perf_counter(), time.process_time()
    info = run_pipeline(store, embedder, sample_size=sample_size or DEFAULT_SAMPLE_SIZE)
    run_s = time.perf_counter() - start
    run_cpu_s = time.process_time() - cpu
    laps = stage_windows(start, run_s, info.timings)
    peaks, at = {}, start
    for name, seconds in laps.items():
        peaks[name] = sampler.peak(at, at + seconds + 0.05)
        at += seconds
    result: dict[str, Any] = {
        **ingested,
        "model": model,
        "run_s": run_s,
        "run_cpu_s": run_cpu_s,
        "run_load": (load + os.getloadavg()[0]) / 2,
        "peak_rss_mb": max(peaks.values()),
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
            csv_path, db_path, run_labels(store, info.id), embedder, planted
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
    parser.add_argument("--language-column", action="store_true", help="no language detection")
    parser.add_argument("--full-fit-at", type=int, default=100_000)
    parser.add_argument("--no-full-fit", action="store_true")
    parser.add_argument("--bertopic-at", type=int, default=100_000)
    parser.add_argument("--no-bertopic", action="store_true")
    parser.add_argument("--real-model-at", type=int, default=30_000)
    parser.add_argument("--real-model", default="minilm-int8")
    parser.add_argument("--no-real-model", action="store_true")
    parser.add_argument("--work", type=Path, help="keep each N's CSV and store in WORK/N")
    parser.add_argument("--ingest-only", action="store_true")
    parser.add_argument("--one", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--bertopic-db", help=argparse.SUPPRESS)
    parser.add_argument("--combine", nargs="+", type=Path, help="print the tables of saved logs")
    args = parser.parse_args()
    if args.combine:
        print_tables(read_logs(args.combine))
        return
    if args.one:
        csv_path, db, full, model, only = args.one
        result = measure_one(
            Path(csv_path), Path(db), full == "1", model, only == "1", args.sample_size
        )
        print(json.dumps(result))
        return
    if args.bertopic_db:
        print(json.dumps(measure_bertopic(Path(args.bertopic_db))))
        return

    runs = [(int(s), "hashing") for s in args.sizes.split(",") if s]
    if not args.no_real_model and not args.ingest_only:
        runs.append((args.real_model_at, args.real_model))
    results: dict[str, dict[str, Any]] = {}
    for n, model in runs:
        with tempfile.TemporaryDirectory() as tmp:
            folder = (
                args.work / (str(n) if model == "hashing" else f"{n}-{model}")
                if args.work
                else Path(tmp)
            )
            folder.mkdir(parents=True, exist_ok=True)
            rows, db = folder / "feedback.csv", folder / "t.db"
            if not rows.exists():
                write_rows(rows, n, args.banking77, args.seed, args.texts, args.language_column)
            full = not args.no_full_fit and n == args.full_fit_at and model == "hashing"
            flags = ("1" if full else "0", model, "1" if args.ingest_only else "0")
            sample = ["--sample-size", str(args.sample_size)] if args.sample_size else []
            r = child("--one", str(rows), str(db), *flags, *sample)
            bertopic = not args.no_bertopic and n == args.bertopic_at and model == "hashing"
            if bertopic and not args.ingest_only:
                r["bertopic"] = child("--bertopic-db", str(db))
        key = f"{n}" if model == "hashing" else f"{n} {model}"
        results[key] = {"n": n, **r}
        print(f"<!-- {key}: {json.dumps(r)} -->", flush=True)
    if not args.ingest_only:
        print_tables(results)


def read_logs(paths: list[Path]) -> dict[str, dict[str, Any]]:
    """The results printed (``<!-- key: json -->``) by earlier runs, in pieces."""
    results: dict[str, dict[str, Any]] = {}
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            match = re.fullmatch(r"<!-- (.+?): (\{.*\}) -->", line.strip())
            if match:
                key = match.group(1)
                results[key] = {"n": int(key.split()[0]), **json.loads(match.group(2))}
    return results


def print_tables(results: dict[str, dict[str, Any]]) -> None:
    """The Markdown tables of docs/scale.md."""
    names = [s.removesuffix("_s") for s in STAGES]
    order = sorted(results, key=lambda key: (len(key.split()) > 1, results[key]["n"]))
    print(
        "\n| rows | ingest s (CPU s) | run s (CPU s) | "
        + " | ".join(names)
        + " | load | themes | unassigned |"
    )
    print("|---" * (len(names) + 6) + "|")
    for key in order:
        r, n = results[key], results[key]["n"]
        laps = " | ".join(f"{r['laps'][s]:.0f}" for s in STAGES)
        print(
            f"| {n:,}{key[len(str(n)) :]} | {r['ingest_s']:.0f} ({r.get('ingest_cpu_s', 0):.0f}) "
            f"| {r['run_s']:.0f} ({r.get('run_cpu_s', 0):.0f}) | {laps} "
            f"| {r.get('run_load', 0):.1f} | {r['n_themes']} | {r['n_unassigned'] / n:.1%} |"
        )
    print("\nPeak RSS (MB):\n")
    print("| rows | ingest | run | " + " | ".join(names) + " | database |")
    print("|---" * (len(names) + 4) + "|")
    for key in order:
        r, n = results[key], results[key]["n"]
        peaks = " | ".join(f"{r['peaks'][s]:.0f}" for s in STAGES)
        print(
            f"| {n:,}{key[len(str(n)) :]} | {r['peak_rss_ingest_mb']:.0f} | {r['peak_rss_mb']:.0f} "
            f"| {peaks} | {r['db_mb']:.0f} |"
        )
    for key in order:
        r, n = results[key], results[key]["n"]
        if "nmi_planted" in r:
            print(f"\n{key} rows, sampled fit: NMI vs the planted themes {r['nmi_planted']:.1f}")
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
    sizes = [key for key in order if len(key.split()) == 1]
    for small, large in zip(sizes, sizes[1:], strict=False):
        a, b = results[small], results[large]
        print(
            f"\nrun time {b['n']:,} / {a['n']:,}: {b['run_s'] / a['run_s']:.1f}x wall, "
            f"{b.get('run_cpu_s', 0) / max(a.get('run_cpu_s', 0), 1e-9):.1f}x CPU"
        )


if __name__ == "__main__":
    main()
