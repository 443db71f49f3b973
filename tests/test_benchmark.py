"""scripts/benchmark.py: the --quick smoke test CI runs, on a small synthetic CSV."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import load_script
from textinsight.stages.embed import HashingEmbedder

TOPICS = {
    "delivery": ["my parcel arrived {} days late", "delivery took {} days, far too slow"],
    "refund": ["still waiting for my refund of {} euros", "refund of {} euros never came back"],
    "staff": ["the cashier was rude to me {} times", "staff ignored me for {} minutes"],
    "app": ["the app crashes {} times a day", "app login fails after {} tries"],
}


benchmark = load_script("benchmark")


def _write_csv(path: Path, per_topic: int, *, language: bool) -> Path:
    rows = []
    for label, templates in TOPICS.items():
        for i in range(per_topic):
            row = {"text": templates[i % 2].format(i + 2), "label": label}
            if language:
                row["language"] = "en"
            rows.append(row)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _check_scores(scores: dict[str, Any], n: int) -> None:
    assert scores["n"] == n
    assert scores["themes"] >= 1
    assert 0.0 <= scores["unassigned"] <= 1.0
    assert 0.0 <= scores["nmi"] <= 100.0
    assert -100.0 <= scores["ari"] <= 100.0
    assert scores["seconds"] > 0 and scores["cpu_seconds"] > 0
    assert scores["peak_traced_mb"] > 0
    assert scores["max_rss_mb"] > 0


def test_quick_run_writes_every_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _write_csv(tmp_path / "feedback.csv", 75, language=False)
    out = tmp_path / "out" / "results.json"

    returned = benchmark.main([str(data), "--quick", "--no-bertopic", "--out", str(out)])

    results = json.loads(out.read_text(encoding="utf-8"))
    assert results == json.loads(json.dumps(returned))
    assert results["n"] == 300 and results["labels"] == 4
    assert results["quick"] is True and results["model"] == "hashing"
    ingest = results["ingest"]
    assert (ingest["rows_in_file"], ingest["dropped"], ingest["language"]) == (300, 0, "detected")
    assert ingest["seconds"] > 0
    embed = results["embed"]
    assert embed["model_id"] == "hashing-256"
    assert embed["n_embedded"] == embed["distinct_texts"] == 300
    assert embed["uncached_from"] == "this run"
    assert embed["uncached_s"] == embed["seconds"] > 0
    assert embed["cpu_uncached_s"] == embed["cpu_seconds"] > 0
    assert embed["texts_per_s"] > 0
    product = results["textinsight"]
    _check_scores(product, 300)
    assert product["seconds"] == pytest.approx(product["cluster_s"] + product["describe_s"])
    assert product["runs_s"] == [product["seconds"]]
    assert product["clusterer"]["seed"] == 0
    assert product["largest_themes"]
    assert results["bertopic"] == {"skipped": "--no-bertopic"}
    assert set(results["warm_up"]) == {"textinsight_s", "cpu_textinsight_s"}
    for clock in ("wall", "cpu"):
        goals = results["goals"][clock]
        assert goals["cluster_describe_share_of_embed"] > 0
        assert isinstance(goals["share_met"], bool)
        assert goals["bertopic_speedup"] is None and goals["speedup_met"] is None
    assert results["memory"]["max_rss_mb"] > 0
    printed = capsys.readouterr().out
    assert "| textinsight | 300 | hashing-256 |" in printed
    assert "BERTopic: skipped (--no-bertopic)" in printed


def test_missing_bertopic_is_skipped_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "bertopic", None)  # import bertopic -> ImportError
    data = _write_csv(tmp_path / "feedback.csv", 15, language=True)

    results = benchmark.main([str(data), "--quick", "--out", str(tmp_path / "r.json")])

    assert results["bertopic"] == {"skipped": benchmark.NO_BERTOPIC}
    assert "pip install -e '.[bench]'" in capsys.readouterr().err


def test_embed_reports_how_the_uncached_time_was_had(tmp_path: Path) -> None:
    texts = [f"feedback number {i}" for i in range(40)]
    cache = tmp_path / "cache"
    cache.mkdir()

    _, first = benchmark.embed(HashingEmbedder(), texts, cache, 16)
    _, again = benchmark.embed(HashingEmbedder(), texts, cache, 16)
    _, subset = benchmark.embed(HashingEmbedder(), texts[:30], cache, 16)

    assert (first["n_embedded"], first["uncached_from"]) == (40, "this run")
    assert again["n_embedded"] == 0
    assert again["uncached_from"].endswith("by the run that filled the cache")
    assert (again["uncached_s"], again["cpu_uncached_s"]) == (
        first["uncached_s"],
        first["cpu_uncached_s"],
    )
    assert subset["n_embedded"] == 0
    assert subset["uncached_from"] == "estimated from a 30-text uncached probe"
    assert subset["texts_per_s"] > 0


def test_compares_with_bertopic_on_the_same_embeddings(tmp_path: Path) -> None:
    pytest.importorskip("bertopic")
    data = _write_csv(tmp_path / "feedback.csv", 75, language=True)

    results = benchmark.main(
        [str(data), "--quick", "--repeat", "2", "--out", str(tmp_path / "r.json")]
    )

    bertopic = results["bertopic"]
    assert bertopic["version"]
    assert results["warm_up"]["bertopic_s"] > 0
    _check_scores(bertopic["seeded"], 300)
    _check_scores(bertopic["reduced_outliers"], 300)
    assert bertopic["reduced_outliers"]["unassigned"] <= bertopic["seeded"]["unassigned"]
    assert len(bertopic["seeded"]["runs_s"]) == len(results["textinsight"]["runs_s"]) == 2
    assert bertopic["seeded"]["seconds"] == min(bertopic["seeded"]["runs_s"])
    for clock in ("wall", "cpu"):
        assert results["goals"][clock]["bertopic_speedup"] > 0
        assert isinstance(results["goals"][clock]["speedup_met"], bool)


def _write_groups(path: Path) -> Path:
    areas = {"delivery": "logistics", "refund": "money", "staff": "store", "app": "store"}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["label", "area"])
        writer.writerows(sorted(areas.items()))
    return path


def test_both_levels_are_scored_for_the_product_and_bertopic(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("bertopic")
    data = _write_csv(tmp_path / "feedback.csv", 75, language=True)
    groups = _write_groups(tmp_path / "groups.csv")

    results = benchmark.main(
        [str(data), "--quick", "--groups", str(groups), "--out", str(tmp_path / "r.json")]
    )

    levels = results["textinsight"]["levels"]
    assert levels["area"]["groups"] == 3
    assert levels["area"]["categories"]["themes"] == levels["categories"]["themes"]
    for name, scored in results["bertopic"]["levels"].items():
        assert name in ("hierarchical_topics", "reduce_topics")
        assert scored["area"]["groups"] == 3
        assert scored["categories"]["themes"] <= results["bertopic"]["seeded"]["themes"]
    printed = capsys.readouterr().out
    assert "vs area (3 groups)" in printed


def test_merged_labels_keep_the_coarser_levels_keyed_by_their_groups() -> None:
    groups = {
        "group": {"a1": "a", "a2": "a", "b1": "b"},
        "area": {"a1": "x", "a2": "x", "b1": "y"},
    }
    assert benchmark.coarser_than(groups, "group") == {"area": {"a": "x", "b": "y"}}


def test_suite_table_puts_both_levels_beside_bertopic() -> None:
    def scores(themes: int, nmi: float) -> dict[str, Any]:
        return {"themes": themes, "nmi": nmi, "ari": nmi / 2}

    levels = {
        "categories": scores(5, 70),
        "area": {
            "groups": 4,
            "themes": scores(20, 60),
            "categories": scores(5, 72.5),
            "ceiling": scores(4, 75),
        },
    }
    corpus = {
        "corpus": "toy",
        "n": 1000,
        "textinsight": {**scores(20, 80), "levels": levels},
        "bertopic": {"seeded": scores(40, 70), "levels": {"hierarchical_topics": levels}},
    }
    table = benchmark.suite_table([corpus])
    assert (
        "| toy | 1,000 | textinsight | 20 | 80.0 / 40.0 | 5 | area (4) | 60.0 | "
        "72.5 / 36.2 | +12.5 | +15.0 |" in table
    )
    assert "| toy | 1,000 | BERTopic hierarchical_topics | 40 |" in table


def test_levels_report_the_ceiling_of_any_grouping_of_the_themes() -> None:
    labels = ["a1", "a1", "a2", "a2", "b1", "b1"]
    groups = {"area": {"a1": "a", "a2": "a", "b1": "b"}}
    # theme 1 mixes the areas: no grouping of these themes can reach NMI 100
    scored = benchmark.level_scores([0, 0, 1, 1, 1, 2], [0, 0, 0, 0, 0, 1], labels, groups)
    area = scored["area"]
    assert area["ceiling"]["themes"] == 2
    assert area["themes"]["nmi"] < area["ceiling"]["nmi"] < 100.0
    assert area["categories"]["nmi"] <= area["ceiling"]["nmi"]


def test_suite_needs_groups(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        benchmark.parse_args([str(tmp_path / "x.csv"), "--suite"])
