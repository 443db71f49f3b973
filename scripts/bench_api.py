"""Benchmark the HTTP API: p50/p95 latency and requests/s at several concurrencies.

Starts the API with uvicorn on 127.0.0.1 (loopback only) over a store it builds from
the demo data in ``data/sample`` (or from generated feedback when that is absent),
or over ``--db``; then sends a bounded number of requests to ``/themes``,
``/themes/{id}`` and ``/summary`` with 1, 10 and 50 concurrent httpx clients, prints
a table, and stops the server.

Example:
    .venv/bin/python scripts/bench_api.py --requests 300
    .venv/bin/python scripts/bench_api.py --db feedback.db --concurrency 1,10 --json out.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
HOST = "127.0.0.1"
KEY = "bench-read-key"


@dataclass(frozen=True)
class Result:
    endpoint: str
    concurrency: int
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    rps: float


def generated_rows(n: int, seed: int = 0) -> list[dict[str, str]]:
    """Feedback on a few topics in four languages, for when data/sample is absent."""
    topics = {
        "delivery": "leveransen kom sent paketet försenat budet spårning veckor väntan",
        "staff": "personalen otrevlig kassan kö butiken ingen hjälp bemötande",
        "returns": "return refund money back slow form receipt weeks waiting",
        "quality": "møbelet gikk i stykker kvalitet skrue ben vaklete dårlig",
        "app": "appen login kode fejl opdatering konto betaling virker ikke",
    }
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        topic = rng.choice(list(topics))
        rows.append(
            {
                "source_id": f"gen-{i}",
                "channel": rng.choice(["review", "ticket", "survey", "social"]),
                "created_at": f"2026-0{1 + i % 6}-{1 + i % 28:02d}",
                "customer_id": f"C-{i % 500}",
                "rating": str(rng.randint(1, 5)),
                "text": " ".join(rng.sample(topics[topic].split(), 6)),
            }
        )
    return rows


def build_store(db: Path, model: str, rows: int) -> None:
    """Ingest the demo data (or generated rows) into ``db`` and run the pipeline."""
    from textinsight.embed import get_embedder
    from textinsight.ingest.load import ingest_customers, ingest_feedback, ingest_purchases
    from textinsight.pipeline import run_pipeline
    from textinsight.store import Store

    with Store(db) as store:
        if (SAMPLE / "feedback.csv").exists():
            print(f"building the store from {SAMPLE.relative_to(ROOT)} ...", file=sys.stderr)
            ingest_feedback(store, SAMPLE / "feedback.csv", skip_invalid=True)
            if (SAMPLE / "social.jsonl").exists():
                ingest_feedback(store, SAMPLE / "social.jsonl", channel="social", skip_invalid=True)
            if (SAMPLE / "customers.csv").exists():
                ingest_customers(store, SAMPLE / "customers.csv", skip_invalid=True)
            if (SAMPLE / "purchases.csv").exists():
                ingest_purchases(store, SAMPLE / "purchases.csv", skip_invalid=True)
        else:
            print(f"building the store from {rows} generated rows ...", file=sys.stderr)
            path = db.parent / "generated.jsonl"
            path.write_text(
                "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in generated_rows(rows)),
                encoding="utf-8",
            )
            ingest_feedback(store, path)
        t0 = time.perf_counter()
        info = run_pipeline(store, get_embedder(model), seed=0)
        print(
            f"run {info.id}: {info.n_feedback} feedback, {info.n_themes} themes "
            f"({time.perf_counter() - t0:.0f}s)",
            file=sys.stderr,
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start_server(db: Path, model: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TEXTINSIGHT_DB": str(db),
        "TEXTINSIGHT_MODEL": model,
        "TEXTINSIGHT_API_KEYS": f"{KEY}:read",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "api.main:create_app",
        "--factory",
        "--host",
        HOST,
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env)


def wait_ready(base: str, server: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with code {server.returncode}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the server did not answer /health within {timeout:.0f}s")


async def measure(base: str, path: str, concurrency: int, n: int) -> Result:
    """Send ``n`` GET requests to ``path`` from ``concurrency`` concurrent clients."""
    latencies: list[float] = []
    errors = 0
    remaining = n
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base, headers={"X-API-Key": KEY}, limits=limits, timeout=60
    ) as client:
        for _ in range(min(concurrency, 5)):  # warm up connections and caches
            await client.get(path)

        async def worker() -> None:
            nonlocal remaining, errors
            while remaining > 0:
                remaining -= 1
                t0 = time.perf_counter()
                response = await client.get(path)
                latencies.append(time.perf_counter() - t0)
                errors += response.status_code != 200

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - t0
    ms = sorted(x * 1000 for x in latencies)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return Result(path, concurrency, len(ms), errors, statistics.median(ms), p95, len(ms) / wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="existing store with a complete run")
    parser.add_argument(
        "--model",
        default="hashing",
        help="embedding model of the built store and the server "
        "(default: hashing; the benchmarked routes embed nothing)",
    )
    parser.add_argument(
        "--rows", type=int, default=3000, help="generated rows when data/sample is absent"
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=200,
        help="requests per endpoint and concurrency (default: 200)",
    )
    parser.add_argument(
        "--concurrency", default="1,10,50", help="comma-separated client counts (default: 1,10,50)"
    )
    parser.add_argument("--json", type=Path, help="also write the results here as JSON")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    if args.requests < 1 or not levels or min(levels) < 1 or max(levels) > 200:
        parser.error("use --requests >= 1 and concurrency levels in 1..200")

    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        db = args.db
        if db is None:
            db = Path(tmp) / "bench.db"
            build_store(db, args.model, args.rows)
        port = free_port()
        base = f"http://{HOST}:{port}"
        server = start_server(db, args.model, port)
        try:
            wait_ready(base, server)
            themes = httpx.get(f"{base}/themes?limit=1", headers={"X-API-Key": KEY}).json()
            if not themes["items"]:
                raise SystemExit("the run has no themes to benchmark")
            theme_id = themes["items"][0]["id"]
            paths = ["/themes", f"/themes/{theme_id}", "/summary"]
            results = [
                asyncio.run(measure(base, path, c, args.requests)) for path in paths for c in levels
            ]
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
    print(
        f"{'endpoint':<16}{'clients':>8}{'requests':>10}{'errors':>8}"
        f"{'p50 ms':>10}{'p95 ms':>10}{'req/s':>10}"
    )
    for r in results:
        print(
            f"{r.endpoint:<16}{r.concurrency:>8}{r.requests:>10}{r.errors:>8}"
            f"{r.p50_ms:>10.1f}{r.p95_ms:>10.1f}{r.rps:>10.1f}"
        )
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
