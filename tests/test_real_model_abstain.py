"""Held-out planted demo themes with the real multilingual model (issue 14): ``assign``
leaves most of them unassigned and keeps the known themes, on a small run."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE
from textinsight.assign import assign_stored
from textinsight.emerging import find_emerging
from textinsight.pipeline import ingest_file, run_pipeline
from textinsight.stages.embed import get_embedder
from textinsight.store import Store

pytestmark = pytest.mark.model

KNOWN = ("late_delivery", "rude_staff", "easy_returns", "app_login", "broken_on_arrival")
HELD_OUT = ("store_queues", "club_spam")


def _rows_by_theme(tmp_path: Path) -> dict[str, list[dict[str, str]]]:
    """The sample's survey/review/ticket rows grouped by their planted theme (the
    generator re-creates the sample byte for byte and writes each row's theme)."""
    truth = tmp_path / "truth.csv"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "make_demo_data.py"),
            "--out",
            str(tmp_path),
            "--truth",
            str(truth),
        ],
        check=True,
        capture_output=True,
    )
    with truth.open(encoding="utf-8") as handle:
        theme = {(r["channel"], r["source_id"]): r["theme"] for r in csv.DictReader(handle)}
    groups: dict[str, list[dict[str, str]]] = defaultdict(list)
    with (SAMPLE / "feedback.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            groups[theme[(row["channel"], row["source_id"])]].append(row)
    return groups


def _write(rows: list[dict[str, str]], path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_held_out_demo_themes_stay_unassigned(tmp_path: Path) -> None:
    groups = _rows_by_theme(tmp_path)
    train = [r for t in KNOWN for r in groups[t][:50]]
    known = [r for t in KNOWN for r in groups[t][50:70]]
    held = [r for t in HELD_OUT for r in groups[t][:40]]
    store = Store(tmp_path / "real.db")
    embedder = get_embedder("e5-small")
    ingest_file(store, _write(train, tmp_path / "train.csv"))
    run_pipeline(store, embedder, seed=0)
    report = ingest_file(store, _write(held + known, tmp_path / "new.csv"), collect_keys=True)
    done = assign_stored(store, embedder, store.feedback.by_keys(report.keys))
    theme = {a.feedback_id: a.theme_id for a in done}
    by_key = {(f.channel, f.source_id): f.id for f in store.feedback.by_keys(report.keys)}
    held_out = [theme[by_key[(r["channel"], r["source_id"])]] for r in held]
    known_themes = [theme[by_key[(r["channel"], r["source_id"])]] for r in known]
    unassigned = sum(t is None for t in held_out) / len(held_out)
    assigned = sum(t is not None for t in known_themes) / len(known_themes)
    print(f"held-out unassigned {unassigned:.1%}, known assigned {assigned:.1%}")
    # measured 75.0% / 98.0%: a 250-item run has a sparse reference, so fewer new-topic
    # items stand out than on the whole demo (82% / 98%, scripts/bench_stability.py)
    assert unassigned >= 0.7
    assert assigned >= 0.95
    # emerging: each held-out theme's unassigned items come back as one candidate
    _, found = find_emerging(store, embedder, seed=0)
    for name in HELD_OUT:
        ids = {
            by_key[(r["channel"], r["source_id"])]
            for r in held
            if theme[by_key[(r["channel"], r["source_id"])]] is None and (r in groups[name])
        }
        best = max((len(ids & set(e.feedback_ids)) for e in found), default=0)
        print(f"{name}: {best} of {len(ids)} unassigned items in one candidate")
        assert best >= 0.8 * len(ids), name
