"""Theme-id stability and assignment consistency on a labelled CSV (issue: themes over time).

    python scripts/bench_stability.py ../shared/data/banking77/banking77.csv --db bench/stab.db

Runs the product's own pipeline in one database:
1. ingest 90% of the rows, run with seed 0 twice, then with seed 1:
   theme ids kept with the same seed and with a different seed;
2. re-assign the feedback the last run assigned with the incremental rule
   (``assign_to_centroids`` with the run's threshold): share given the same theme;
3. ingest the remaining 10% and run again: theme ids kept after adding new feedback.
"Kept" is the share of the previous run's theme ids that the new run still uses; the
feedback-level figure is the share of items assigned in both runs that keep their id.
Prints a table and writes JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
from pathlib import Path

from textinsight.assign import themes_for
from textinsight.config import get_settings
from textinsight.pipeline import embed_cached, ingest_file, run_pipeline
from textinsight.stages.embed import get_embedder
from textinsight.store import Store


def _write(rows: list[dict[str, str]], path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def kept(store: Store, old: int, new: int) -> dict[str, float]:
    """Share of the old run's theme ids still used, and item-level id agreement."""
    old_ids = {t.id for t in store.runs.themes(old)}
    new_ids = {t.id for t in store.runs.themes(new)}
    before = {r.source_id: r.theme_id for r in store.runs.export(old)}
    after = {r.source_id: r.theme_id for r in store.runs.export(new)}
    both = [k for k, v in before.items() if v is not None and after.get(k) is not None]
    same = sum(1 for k in both if before[k] == after[k])
    return {
        "theme_ids_kept": round(len(old_ids & new_ids) / max(len(old_ids), 1), 4),
        "items_same_id": round(same / max(len(both), 1), 4),
        "themes_before": len(old_ids),
        "themes_after": len(new_ids),
    }


def assign_agreement(store: Store, run_id: int, model: str) -> float:
    """Share of the run's assigned items that the incremental rule puts in the same theme."""
    assigned = {r.source_id: r.theme_id for r in store.runs.export(run_id) if r.theme_id}
    feedback = [f for f in store.feedback.all() if f.source_id in assigned]
    vectors, _ = embed_cached(
        store,
        get_embedder(model, get_settings().model_dir),
        [f.text for f in feedback],
        [f.text_hash for f in feedback],
    )
    themes, _ = themes_for(store, store.runs.get(run_id), vectors, [f.language for f in feedback])
    same = sum(
        1
        for f, theme in zip(feedback, themes, strict=True)
        if theme is not None and theme == assigned[f.source_id]
    )
    return round(same / max(len(feedback), 1), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("--db", type=Path, default=Path("bench/stability.db"))
    parser.add_argument("--model", default=get_settings().model)
    parser.add_argument("--out", type=Path, default=Path("bench/stability.json"))
    parser.add_argument("--vectors-from", type=Path, help="copy cached vectors from this db")
    args = parser.parse_args()
    if args.db.exists():
        raise SystemExit(f"{args.db} exists; pass a new --db (embeddings are cached inside it)")
    with args.csv.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    first = [r for i, r in enumerate(rows) if i % 10]
    later = [r for i, r in enumerate(rows) if not i % 10]
    store = Store(args.db)
    if args.vectors_from:
        print(f"copied {store.embeddings.copy_from(str(args.vectors_from))} cached vectors")
    embedder = get_embedder(args.model, get_settings().model_dir)
    with tempfile.TemporaryDirectory() as tmp:
        ingest_file(store, _write(first, Path(tmp) / "first.csv"), channel="other")
        r1 = run_pipeline(store, embedder, seed=0).id
        r2 = run_pipeline(store, embedder, seed=0).id
        r3 = run_pipeline(store, embedder, seed=1).id
        agreement = assign_agreement(store, r3, args.model)
        ingest_file(store, _write(later, Path(tmp) / "later.csv"), channel="other")
        r4 = run_pipeline(store, embedder, seed=1).id
    result = {
        "n": len(rows),
        "model": embedder.model_id,
        "same_seed": kept(store, r1, r2),
        "other_seed": kept(store, r2, r3),
        "assign_same_theme": agreement,
        "plus_10_percent": kept(store, r3, r4),
    }
    print(json.dumps(result, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
