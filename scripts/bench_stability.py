"""Stable themes, abstaining assignment and emerging topics on labelled data (issue 14).

    python scripts/bench_stability.py ../shared/data/banking77/banking77.csv \\
        --topic-column label --channel other --seeds 0 --dir bench/stab-b77
    python scripts/bench_stability.py data/sample/feedback.csv data/sample/social.jsonl \\
        --truth bench/demo_truth.csv --customers data/sample/customers.csv \\
        --purchases data/sample/purchases.csv --seeds 0 1 2 --dir bench/stab-demo

(``--truth``: the planted theme of each demo row, ``scripts/make_demo_data.py --truth``.)
Runs the product's own pipeline, one fresh database per part (``--vectors-from`` copies
cached vectors in, so nothing is embedded twice):

1. **Held-out topics.** Three topics (seeded) and 10% of the other topics' rows are
   left out of a run; then ``assign`` gets them: the share of held-out items left
   unassigned, and the share of known-topic items given a theme of their own topic
   (a theme whose most common topic among the run's members is theirs). Then
   ``emerging``: for each held-out topic, the largest share of its items in one
   candidate.
2. **Stability,** per seed ``s``: run 88% of the rows with seed ``s`` (twice for the
   first seed: same seed), then with seed ``s + 1`` (another seed; and the run's
   assigned feedback re-assigned by the incremental rule), add 2% and run again (kind
   flips: kept themes whose pain point / loyalty driver / neutral verdict changed),
   add 10% and run again. "Kept" is the share of the previous run's theme ids the
   new run still uses; "labels" the share of kept themes whose label is unchanged.
   Each run is warm-started from the one before (``stages.warm``), as a user's
   re-runs are.

Prints a table and writes JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from textinsight.assign import assign_stored, themes_for
from textinsight.config import get_settings
from textinsight.emerging import find_emerging
from textinsight.pipeline import embed_feedback, ingest_file, run_pipeline
from textinsight.records import StoredFeedback, Theme
from textinsight.stages.embed import Embedder, get_embedder
from textinsight.store import Store


def read_rows(paths: list[Path], channel: str | None) -> list[dict[str, Any]]:
    """Rows of CSV and JSONL feedback files (``channel`` fills rows without one)."""
    rows: list[dict[str, Any]] = []
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            if path.suffix == ".jsonl":
                found = [json.loads(line) for line in handle if line.strip()]
            else:
                found = list(csv.DictReader(handle))
        for row in found:
            if channel and not row.get("channel"):
                row["channel"] = channel
            rows.append({k: v for k, v in row.items() if v not in (None, "")})
    return rows


def _write(rows: list[dict[str, Any]], path: Path) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


class Bench:
    """Shared setup: the rows, their topics, the model and where databases go."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rows = read_rows(args.files, args.channel)
        self.embedder: Embedder = get_embedder(args.model, get_settings().model_dir)
        truth: dict[tuple[str, str], str] = {}
        if args.truth:
            with args.truth.open(encoding="utf-8") as handle:
                for r in csv.DictReader(handle):
                    truth[(r["channel"], r["source_id"])] = r["theme"] or "noise"
        for row in self.rows:
            key = (row.get("channel", ""), row.get("source_id", ""))
            row["_topic"] = truth.get(key) if args.truth else row.get(args.topic_column)
        self.tmp = Path(tempfile.mkdtemp())
        args.dir.mkdir(parents=True, exist_ok=True)

    def store(self, name: str) -> Store:
        path = self.args.dir / f"{name}.db"
        if path.exists():
            raise SystemExit(f"{path} exists; pass a new --dir")
        store = Store(path)
        if self.args.vectors_from:
            store.embeddings.copy_from(str(self.args.vectors_from))
        if self.args.customers:
            ingest_file(store, self.args.customers, "customers")
        if self.args.purchases:
            ingest_file(store, self.args.purchases, "purchases")
        return store

    def ingest(self, store: Store, rows: list[dict[str, Any]], name: str) -> list[StoredFeedback]:
        """Ingest rows (without their topic); return them as stored."""
        clean = [{k: v for k, v in r.items() if k != "_topic"} for r in rows]
        path = _write(clean, self.tmp / f"{name}.jsonl")
        return store.feedback.by_keys(ingest_file(store, path, collect_keys=True).keys)

    def topics_by_feedback(self, store: Store) -> dict[int, str]:
        """Stored feedback id -> topic, matched on (channel, source_id), else on text."""
        by_key = {(r.get("channel"), r.get("source_id")): r["_topic"] for r in self.rows}
        by_text = {r["text"].strip(): r["_topic"] for r in self.rows}
        out = {}
        for f in store.feedback.all():
            topic = by_key.get((f.channel, f.source_id)) or by_text.get(f.text.strip())
            out[f.id] = topic or "noise"
        return out


def held_out(bench: Bench) -> dict[str, Any]:
    """Part 1: abstaining on, and surfacing, three topics the run never saw."""
    rng = random.Random(bench.args.held_seed)
    counts = Counter(r["_topic"] for r in bench.rows if r["_topic"] not in (None, "noise"))
    held = sorted(rng.sample(sorted(t for t, n in counts.items() if n >= 20), 3))
    known_test = [
        r for r in bench.rows if r["_topic"] not in held and r["_topic"] and rng.random() < 0.1
    ]
    test_ids = {id(r) for r in known_test}
    train = [r for r in bench.rows if r["_topic"] not in held and id(r) not in test_ids]
    store = bench.store("heldout")
    bench.ingest(store, train, "train")
    run = run_pipeline(store, bench.embedder, seed=0)
    topics = bench.topics_by_feedback(store)
    theme_topic: dict[int, Counter[str]] = {}
    snapshot = store.runs.snapshot(run.id)
    for feedback_id, index in snapshot.members.items():
        theme_topic.setdefault(snapshot.ids[index], Counter())[topics[feedback_id]] += 1
    majority = {t: c.most_common(1)[0][0] for t, c in theme_topic.items()}
    held_rows = [r for r in bench.rows if r["_topic"] in held]
    stored = bench.ingest(store, held_rows + known_test, "new")
    done = {a.feedback_id: a.theme_id for a in assign_stored(store, bench.embedder, stored)}
    topics = bench.topics_by_feedback(store)
    held_fb = [i for i in done if topics[i] in held]
    known_fb = [i for i in done if topics[i] not in held and topics[i] != "noise"]
    unassigned = sum(done[i] is None for i in held_fb) / max(len(held_fb), 1)
    own = sum(majority.get(done[i] or -1) == topics[i] for i in known_fb) / max(len(known_fb), 1)
    assigned = sum(done[i] is not None for i in known_fb) / max(len(known_fb), 1)
    pool, found = find_emerging(store, bench.embedder, seed=0)
    surfaced, spread = {}, {}
    for topic in held:
        total = max(sum(1 for i in held_fb if topics[i] == topic), 1)
        in_each = [sum(topics[i] == topic for i in e.feedback_ids) for e in found]
        surfaced[topic] = round(max(in_each, default=0) / total, 4)
        # candidates that are mostly this topic, however many
        mostly = [n for n, e in zip(in_each, found, strict=True) if n > len(e.feedback_ids) / 2]
        spread[topic] = [round(sum(mostly) / total, 4), len(mostly)]
    return {
        "held_out": held,
        "held_out_items": len(held_fb),
        "held_out_unassigned": round(unassigned, 4),
        "known_items": len(known_fb),
        "known_assigned": round(assigned, 4),
        "known_own_theme": round(own, 4),
        "emerging_pool": pool,
        "emerging_candidates": len(found),
        "emerging_share_of_topic": surfaced,
        "emerging_share_in_candidates_mostly_of_topic": spread,
        "emerging_all_topics_70": all(v >= 0.7 for v in surfaced.values()),
    }


def kept(store: Store, old: int, new: int) -> dict[str, Any]:
    """Theme ids kept, labels unchanged among kept themes, kind flips among them."""
    before = {t.id: t for t in store.runs.themes(old)}
    after = {t.id: t for t in store.runs.themes(new)}
    both = sorted(set(before) & set(after))
    same_label = sum(before[t].label == after[t].label for t in both)
    flips = [t for t in both if _kind(before[t]) != _kind(after[t])]
    return {
        "theme_ids_kept": round(len(both) / max(len(before), 1), 4),
        "labels_unchanged": round(same_label / max(len(both), 1), 4),
        "kind_flips": len(flips),
        "themes_before": len(before),
        "themes_after": len(after),
    }


def _kind(theme: Theme) -> str:
    return theme.value.kind if theme.value else "neutral"


def assign_agreement(store: Store, bench: Bench, run_id: int) -> float:
    """Share of the run's assigned items that the incremental rule puts in the same theme."""
    snapshot = store.runs.snapshot(run_id)
    feedback = [f for f in store.feedback.all() if f.id in snapshot.members]
    vectors, _ = embed_feedback(store, bench.embedder, feedback)
    themes, _ = themes_for(store, store.runs.get(run_id), vectors, [f.language for f in feedback])
    same = sum(
        theme == snapshot.ids[snapshot.members[f.id]]
        for f, theme in zip(feedback, themes, strict=True)
    )
    return round(same / max(len(feedback), 1), 4)


def stability(bench: Bench, seed: int, same_seed: bool) -> dict[str, Any]:
    """Part 2 for one seed."""
    first = [r for i, r in enumerate(bench.rows) if i % 50 >= 6]
    plus2 = [r for i, r in enumerate(bench.rows) if i % 50 == 0]
    plus10 = [r for i, r in enumerate(bench.rows) if 1 <= i % 50 <= 5]
    store = bench.store(f"seed{seed}")
    bench.ingest(store, first, "first")
    result: dict[str, Any] = {"seed": seed}
    r1 = run_pipeline(store, bench.embedder, seed=seed).id
    if same_seed:
        r1b = run_pipeline(store, bench.embedder, seed=seed).id
        result["same_seed"] = kept(store, r1, r1b)
        r1 = r1b
    r2 = run_pipeline(store, bench.embedder, seed=seed + 1).id
    result["other_seed"] = kept(store, r1, r2)
    result["assign_same_theme"] = assign_agreement(store, bench, r2)
    bench.ingest(store, plus2, "plus2")
    r3 = run_pipeline(store, bench.embedder, seed=seed + 1).id
    result["plus_2_percent"] = kept(store, r2, r3)
    bench.ingest(store, plus10, "plus10")
    r4 = run_pipeline(store, bench.embedder, seed=seed + 1).id
    result["plus_10_percent"] = kept(store, r3, r4)
    return result


def table(result: dict[str, Any]) -> str:
    """The Done-when figures as a Markdown table."""
    lines = ["| figure | value |", "|---|---|"]
    h = result.get("held_out")
    if h:
        lines += [
            f"| held-out topics ({', '.join(h['held_out'])}) left unassigned | "
            f"{h['held_out_unassigned']:.1%} |",
            f"| known-topic items given a theme of their topic | {h['known_own_theme']:.1%} |",
            f"| known-topic items assigned at all | {h['known_assigned']:.1%} |",
            "| emerging: share of each held-out topic in one candidate | "
            + ", ".join(f"{k} {v:.0%}" for k, v in h["emerging_share_of_topic"].items())
            + " |",
            f"| emerging: candidates (pool of {h['emerging_pool']}) | {h['emerging_candidates']} |",
            "| emerging: share in candidates mostly of that topic (candidates) | "
            + ", ".join(
                f"{k} {v[0]:.0%} ({v[1]})"
                for k, v in h["emerging_share_in_candidates_mostly_of_topic"].items()
            )
            + " |",
        ]
    for s in result.get("stability", []):
        seed = s["seed"]
        if "same_seed" in s:
            lines.append(
                f"| seed {seed}: same seed, ids kept | {s['same_seed']['theme_ids_kept']:.1%} |"
            )
        for key, name in (("other_seed", "other seed"), ("plus_10_percent", "+10% feedback")):
            k = s[key]
            lines.append(
                f"| seed {seed}: {name}, ids kept / labels unchanged | "
                f"{k['theme_ids_kept']:.1%} / {k['labels_unchanged']:.1%} |"
            )
        lines.append(f"| seed {seed}: kind flips on +2% | {s['plus_2_percent']['kind_flips']} |")
        lines.append(f"| seed {seed}: re-assign to own theme | {s['assign_same_theme']:.1%} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--dir", type=Path, default=Path("bench/stability"))
    parser.add_argument("--model", default="minilm")
    parser.add_argument("--channel", help="channel for rows without one")
    parser.add_argument("--topic-column", default="label", help="column naming each row's topic")
    parser.add_argument("--truth", type=Path, help="CSV of channel,source_id,theme")
    parser.add_argument("--customers", type=Path)
    parser.add_argument("--purchases", type=Path)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--held-seed", type=int, default=0)
    parser.add_argument("--skip", choices=["held-out", "stability"], help="leave one part out")
    parser.add_argument("--out", type=Path, default=Path("bench/stability.json"))
    parser.add_argument("--vectors-from", type=Path, help="copy cached vectors from this db")
    args = parser.parse_args()
    bench = Bench(args)
    result: dict[str, Any] = {"n": len(bench.rows), "model": bench.embedder.model_id}
    if args.skip != "held-out":
        result["held_out"] = held_out(bench)
        print(json.dumps(result["held_out"], indent=2), flush=True)
    if args.skip != "stability":
        result["stability"] = []
        for n, seed in enumerate(args.seeds):
            result["stability"].append(stability(bench, seed, same_seed=n == 0))
            print(json.dumps(result["stability"][-1], indent=2), flush=True)
    print(table(result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
