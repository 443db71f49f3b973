"""Ingest speed and peak memory without a ``language`` column, beside bare lingua (#15).

Usage:
    python scripts/bench_ingest.py                       # N = 100,000 and 1,000,000
    python scripts/bench_ingest.py --sizes 20000 --mix nordic

For each N it writes N synthetic feedback rows *without* a ``language`` column to a
temporary CSV, then in a fresh child process (so each peak is its own) ingests it into
an empty store with the default settings (languages detected) and reports rows/s, rows
per CPU-second of the child (what an otherwise idle machine would reach for the
single-threaded part; the shared machine's load average is printed beside it) and the
child's peak RSS (``resource.getrusage``). ``--mix en`` (default) recombines
Banking77 intents in pairs with a short tail, like ``bench_scale.py``; ``--mix nordic``
takes a quarter of the rows each from Banking77 (en), XED (sv), NoReC (no) and
AngryTweets (da), two sentences per row. The data sets are read from
``../shared/data`` at run time.

Beside it, bare lingua: ``detect_languages_in_parallel_of`` with the same candidate
languages over the first ``--lingua-rows`` texts of the largest file (models loaded
first; the load time is printed separately), the ceiling of an ingest that detects
every text with lingua.
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
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
CHANNELS = ("ticket", "survey", "review", "social")
TAILS = ("", "Thanks.", "Please help.", "This is urgent!", "Again.", "Any update?", "Why?")
NORDIC_SETS = (
    (SHARED / "xed_emotions_scandi" / "xed_emotions_scandi.csv", "sv"),
    (SHARED / "norec_sentence" / "norec_sentence_3class.csv", "no"),
    (SHARED / "angry_tweets_da" / "angry_tweets_da.csv", "da"),
)


def _texts(path: Path, language: str | None = None) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            row["text"].strip()
            for row in csv.DictReader(handle)
            if row["text"].strip() and (language is None or row.get("language") == language)
        ]


def write_rows(path: Path, n: int, mix: str, seed: int = 0) -> None:
    """``n`` synthetic feedback rows without a ``language`` column, as a CSV at ``path``."""
    pools = [_texts(SHARED / "banking77" / "banking77.csv")]
    if mix == "nordic":
        pools += [_texts(p, language) for p, language in NORDIC_SETS]
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source_id", "channel", "created_at", "customer_id", "text"])
        for i in range(n):
            pool = pools[i % len(pools)]
            tail = rng.choice(TAILS) if pool is pools[0] else ""
            text = f"{rng.choice(pool)} {rng.choice(pool)} {tail}".strip()
            day = f"2026-{rng.randint(4, 9):02d}-{rng.randint(1, 28):02d}"
            channel = CHANNELS[i % len(CHANNELS)]
            writer.writerow([f"s{i}", channel, day, f"c{rng.randrange(2000)}", text])


def measure_ingest(csv_path: Path, db_path: Path) -> dict[str, float]:
    """Ingest ``csv_path`` into a new store: seconds, rows/s and peak RSS."""
    from textinsight.run_ingest import ingest_file  # what `textinsight ingest` imports
    from textinsight.store import Store

    store = Store(db_path)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    start = time.perf_counter()
    report = ingest_file(store, csv_path)
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "rows": report.read,
        "seconds": seconds,
        "rows_per_s": report.read / seconds,
        "rows_per_cpu_s": report.read / (usage.ru_utime + usage.ru_stime - cpu_before),
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }


def measure_lingua(csv_path: Path, n: int) -> dict[str, float]:
    """Bare lingua over the first ``n`` texts of ``csv_path``: load seconds, texts/s."""
    from textinsight.ingest.language import LanguageIdentifier, _detector

    identifier = LanguageIdentifier()
    with csv_path.open(encoding="utf-8", newline="") as handle:
        texts = [row["text"] for _, row in zip(range(n), csv.DictReader(handle), strict=False)]
    detector = _detector(identifier.codes, identifier.others)
    start = time.perf_counter()
    detector.detect_languages_in_parallel_of(texts[:10])  # loads the models
    load = time.perf_counter() - start
    start = time.perf_counter()
    detector.detect_languages_in_parallel_of(texts)
    seconds = time.perf_counter() - start
    return {
        "load_s": load,
        "texts": len(texts),
        "texts_per_s": len(texts) / seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _child(*args: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated N")
    parser.add_argument("--mix", choices=("en", "nordic"), default="en")
    parser.add_argument("--lingua-rows", type=int, default=20_000)
    parser.add_argument("--ingest", nargs=2, metavar=("CSV", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--lingua", nargs=2, metavar=("CSV", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ingest:
        print(json.dumps(measure_ingest(Path(args.ingest[0]), Path(args.ingest[1]))))
        return
    if args.lingua:
        print(json.dumps(measure_lingua(Path(args.lingua[0]), int(args.lingua[1]))))
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"mix {args.mix}, no language column; each N in a fresh process\n")
    print("| rows | ingest s | rows/s | rows per CPU-s | peak RSS MB | load avg |")
    print("|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            csv_path = Path(tmp) / f"rows_{n}.csv"
            write_rows(csv_path, n, args.mix)
            r = _child("--ingest", str(csv_path), str(Path(tmp) / f"db_{n}.db"))
            print(
                f"| {n:,} | {r['seconds']:.0f} | {r['rows_per_s']:,.0f} | "
                f"{r['rows_per_cpu_s']:,.0f} | {r['peak_rss_mb']:.0f} | {os.getloadavg()[0]:.1f} |",
                flush=True,
            )
        lingua = _child("--lingua", str(csv_path), str(args.lingua_rows))
    print(
        f"\nbare lingua (detect_languages_in_parallel_of, same candidate languages) on "
        f"{lingua['texts']:,.0f} of these texts: {lingua['texts_per_s']:,.0f} texts/s after "
        f"{lingua['load_s']:.1f} s loading its models; peak RSS {lingua['peak_rss_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()
