"""Benchmark the HTTP API: p50/p95 latency and requests/s at several concurrencies.

What it measures: the time from writing a GET request on an open keep-alive
connection to reading the last byte of its response, as seen by a client on the
same machine, for ``/themes``, ``/themes/{id}`` and ``/summary`` (default
parameters, a read key) with 1, 10 and 50 concurrent clients.

How: it builds a store from the demo data in ``data/sample`` (or from generated
feedback when that is absent; or uses ``--db``), starts the API with uvicorn on
127.0.0.1 (loopback only) in a separate process, and runs the clients in one asyncio
process: each client owns one HTTP/1.1 keep-alive connection and sends its next
request when the previous answer is complete (closed loop), taking requests from a
shared budget of ``--requests`` per endpoint and concurrency. The clients write
raw HTTP/1.1 on asyncio streams rather than using httpx: on a 2-core machine the
client shares the CPU with the server, and httpx costs more CPU per request than a
cached response does on the server. Each connection first sends one untimed
request (warm-up). requests/s is completed requests over the wall time of the
timed part; "client us" and "server us" are the CPU time the client and the
server process spent per request, to see how the 2 cores were shared between the
load generator and the server. Before and after the
runs it prints the load average (as ``uptime`` does), since other work on the
machine skews the numbers.

Example:
    .venv/bin/python scripts/bench_api.py --requests 2000
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
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
HOST = "127.0.0.1"
KEY = "bench-read-key-0123456789"


@dataclass(frozen=True)
class Result:
    endpoint: str
    concurrency: int
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    rps: float
    client_cpu_us: float
    """CPU time of the benchmark process (the clients) per request, in microseconds."""
    server_cpu_us: float
    """CPU time of the server process per request, in microseconds (NaN off Linux)."""


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process ``pid`` so far (Linux ``/proc``; else NaN)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
    from textinsight.pipeline import ingest_file, run_pipeline
    from textinsight.stages.embed import get_embedder
    from textinsight.store import Store

    with Store(db) as store:
        if (SAMPLE / "feedback.csv").exists():
            print(f"building the store from {SAMPLE.relative_to(ROOT)} ...", file=sys.stderr)
            ingest_file(store, SAMPLE / "feedback.csv", skip_invalid=True)
            if (SAMPLE / "social.jsonl").exists():
                ingest_file(store, SAMPLE / "social.jsonl", channel="social", skip_invalid=True)
            if (SAMPLE / "customers.csv").exists():
                ingest_file(store, SAMPLE / "customers.csv", "customers", skip_invalid=True)
            if (SAMPLE / "purchases.csv").exists():
                ingest_file(store, SAMPLE / "purchases.csv", "purchases", skip_invalid=True)
        else:
            print(f"building the store from {rows} generated rows ...", file=sys.stderr)
            path = db.parent / "generated.jsonl"
            path.write_text(
                "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in generated_rows(rows)),
                encoding="utf-8",
            )
            ingest_file(store, path)
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


def start_server(
    db: Path, model: str, port: int, extra: Sequence[str] = ()
) -> subprocess.Popen[bytes]:
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
        *extra,
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


async def get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """Send one request on a keep-alive connection, read the whole answer (every answer
    of this API has a Content-Length), return its status."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return int(head[9:12])


async def measure(port: int, server: int, path: str, concurrency: int, n: int) -> Result:
    """Send ``n`` GET requests to ``path`` from ``concurrency`` concurrent clients to the
    server listening on ``port`` with process id ``server``."""
    head = f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nX-API-Key: {KEY}\r\n\r\n"
    request = head.encode("ascii")
    connections = [
        await asyncio.open_connection(HOST, port, limit=1 << 20) for _ in range(concurrency)
    ]
    for reader, writer in connections:  # warm up connections and caches
        await get(reader, writer, request)
    latencies: list[float] = []
    errors = 0
    remaining = n

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal remaining, errors
        while remaining > 0:
            remaining -= 1
            t0 = time.perf_counter()
            status = await get(reader, writer, request)
            latencies.append(time.perf_counter() - t0)
            errors += status != 200

    t0, cpu0, server0 = time.perf_counter(), time.process_time(), cpu_seconds(server)
    await asyncio.gather(*(client(r, w) for r, w in connections))
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    server_cpu = cpu_seconds(server) - server0
    for _, writer in connections:
        writer.close()
    ms = sorted(x * 1000 for x in latencies)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    n_done = len(ms)
    return Result(
        path,
        concurrency,
        n_done,
        errors,
        statistics.median(ms),
        p95,
        n_done / wall,
        cpu / n_done * 1e6,
        server_cpu / n_done * 1e6,
    )


def load() -> str:
    """The load averages over 1, 5 and 15 minutes, as ``uptime`` prints them."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


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
        default=2000,
        help="requests per endpoint and concurrency (default: 2000)",
    )
    parser.add_argument(
        "--concurrency", default="1,10,50", help="comma-separated client counts (default: 1,10,50)"
    )
    parser.add_argument(
        "--uvicorn-args",
        default="",
        help="extra uvicorn options, e.g. '--loop asyncio --http h11' to measure without "
        "uvloop/httptools",
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
        server = start_server(db, args.model, port, args.uvicorn_args.split())
        try:
            wait_ready(base, server)
            themes = httpx.get(f"{base}/themes?limit=1", headers={"X-API-Key": KEY}).json()
            if not themes["items"]:
                raise SystemExit("the run has no themes to benchmark")
            theme_id = themes["items"][0]["id"]
            paths = ["/themes", f"/themes/{theme_id}", "/summary"]
            print(f"load average before: {load()}", file=sys.stderr)
            results = [
                asyncio.run(measure(port, server.pid, path, c, args.requests))
                for path in paths
                for c in levels
            ]
            print(f"load average after:  {load()}", file=sys.stderr)
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
    print(
        f"{'endpoint':<16}{'clients':>8}{'requests':>10}{'errors':>8}"
        f"{'p50 ms':>10}{'p95 ms':>10}{'req/s':>10}{'client us':>11}{'server us':>11}"
    )
    for r in results:
        print(
            f"{r.endpoint:<16}{r.concurrency:>8}{r.requests:>10}{r.errors:>8}"
            f"{r.p50_ms:>10.1f}{r.p95_ms:>10.1f}{r.rps:>10.1f}{r.client_cpu_us:>11.0f}"
            f"{r.server_cpu_us:>11.0f}"
        )
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
