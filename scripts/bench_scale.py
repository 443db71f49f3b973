"""Ingest and run time and peak memory at growing N, hashing embedder (issue #15).

Usage:
    python scripts/bench_scale.py                     # N = 10,000 and 30,000
    python scripts/bench_scale.py --sizes 10000,100000

For each N it writes N synthetic feedback rows (Banking77 intent texts recombined in
pairs with a short tail, so almost all texts are distinct; a ``language`` column, four
channels, dates over six months, 2,000 customers) to a temporary CSV, then in a fresh
child process (so each peak is its own) ingests it into an empty store and runs the
pipeline with the ``hashing`` embedder. It prints a Markdown table: seconds for ingest
and ``run``, the run's embed/cluster timings, and the child's peak RSS
(``resource.getrusage``).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
CHANNELS = ("ticket", "survey", "review", "social")
TAILS = ("", "Thanks.", "Please help.", "This is urgent!", "Again.", "Any update?", "Why?")


def write_rows(path: Path, n: int, intents: Path, seed: int = 0) -> None:
    """``n`` synthetic feedback rows as a CSV at ``path``."""
    with intents.open(encoding="utf-8", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source_id", "channel", "created_at", "customer_id", "language", "text"])
        for i in range(n):
            text = f"{rng.choice(texts)} {rng.choice(texts)} {rng.choice(TAILS)}".strip()
            day = f"2026-{rng.randint(4, 9):02d}-{rng.randint(1, 28):02d}"
            channel = CHANNELS[i % len(CHANNELS)]
            writer.writerow([f"s{i}", channel, day, f"c{rng.randrange(2000)}", "en", text])


def measure_one(csv_path: Path, db_path: Path) -> dict[str, float]:
    """Ingest ``csv_path`` and run the pipeline (hashing); times and peak RSS."""
    from textinsight.pipeline import ingest_file, run_pipeline
    from textinsight.stages.embed import HashingEmbedder
    from textinsight.store import Store

    store = Store(db_path)
    start = time.perf_counter()
    ingest_file(store, csv_path)
    ingest_s = time.perf_counter() - start
    rss_ingest = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    info = run_pipeline(store, HashingEmbedder())
    run_s = time.perf_counter() - start
    timings = info.timings
    result = {
        "ingest_s": ingest_s,
        "run_s": run_s,
        "peak_rss_ingest_mb": rss_ingest,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "db_mb": db_path.stat().st_size / 2**20,
    }
    result.update({k: float(v) for k, v in timings.items()})
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,30000", help="comma-separated N")
    parser.add_argument("--banking77", type=Path, default=SHARED / "banking77" / "banking77.csv")
    parser.add_argument("--one", nargs=2, metavar=("CSV", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(Path(args.one[0]), Path(args.one[1]))))
        return

    print("| rows | ingest s | run s | peak RSS ingest MB | peak RSS MB | db MB |")
    print("|---|---|---|---|---|---|")
    for n in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            rows = Path(tmp) / "feedback.csv"
            write_rows(rows, n, args.banking77)
            child = subprocess.run(
                [sys.executable, __file__, "--one", str(rows), str(Path(tmp) / "t.db")],
                check=True,
                capture_output=True,
                text=True,
            )
        r = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            f"| {n:,} | {r['ingest_s']:.0f} | {r['run_s']:.0f} | {r['peak_rss_ingest_mb']:.0f} "
            f"| {r['peak_rss_mb']:.0f} | {r['db_mb']:.0f} |",
            flush=True,
        )
        extra = {k: round(v, 1) for k, v in r.items() if k.endswith("_s")}
        print(f"<!-- {n}: {extra} -->", flush=True)


if __name__ == "__main__":
    main()
