"""The Ray engine gives the local engine's records, themes and assignments (issue #15).

One Ray session for the whole module (Ray starts slowly): a local cluster of two
nodes with one CPU each, so every step's actor pool spans both nodes, the way a
second machine would join. Small data and the hashing embedder keep it fast.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.conftest import topic_rows
from textinsight.assign import assign_file
from textinsight.cli import cli
from textinsight.config import get_settings
from textinsight.errors import ConfigError
from textinsight.store import Store

ray = pytest.importorskip("ray", reason="the Ray engine needs textinsight[ray]")


@pytest.fixture(scope="module")
def two_nodes() -> Iterator[Any]:
    from ray.cluster_utils import Cluster

    cluster = Cluster(
        initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False}
    )
    cluster.add_node(num_cpus=1)
    ray.init(address=cluster.address, log_to_driver=False, configure_logging=False)
    try:
        yield cluster
    finally:
        ray.shutdown()
        cluster.shutdown()


def _rows(n: int, seed: int) -> list[dict[str, Any]]:
    rows = topic_rows(n, seed)
    for i, row in enumerate(rows):
        if i % 4 == 0:
            del row["language"]  # detected on the workers
        if i % 5 == 0:
            del row["source_id"]  # derived on the driver, in file order
        if i % 7 == 0:
            row["text"] += f" write to kim{i}@example.com"  # redacted on the workers
    rows.append(dict(rows[0]))  # the same derived id twice: -2
    rows.append({"channel": "ticket", "text": "", "language": "en"})  # invalid: skipped
    return rows


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    import csv

    fields = sorted({k for row in rows for k in row})
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _feedback(db: Path) -> dict[tuple[str, str], tuple[Any, ...]]:
    store = Store(db)
    try:
        return {
            (f.channel, f.source_id): (f.text, f.language, f.customer_id, f.rating)
            for f in store.feedback.all()
        }
    finally:
        store.close()


def _assignments(db: Path) -> dict[tuple[str, str], int | None]:
    store = Store(db)
    try:
        run = store.runs.current()
        by_id = {f.id: (f.channel, f.source_id) for f in store.feedback.all()}
        rows = store.db.query(
            "SELECT feedback_id, theme_id FROM assignments WHERE run_id = ?", [run.id]
        )
        return {by_id[r["feedback_id"]]: r["theme_id"] for r in rows}
    finally:
        store.close()


def _agreement(a: dict[Any, Any], b: dict[Any, Any]) -> float:
    assert a.keys() == b.keys()
    return sum(a[k] == b[k] for k in a) / len(a)


ENV = {"TEXTINSIGHT_MODEL": "hashing", "TEXTINSIGHT_SAMPLE_SIZE": "100"}


@pytest.fixture(scope="module")
def both(two_nodes: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The same files through the local and the Ray engine: ingest, run, assign."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in ENV.items():
            patch.setenv(name, value)
        get_settings.cache_clear()
        try:
            yield _through_both(tmp_path_factory)
        finally:
            get_settings.cache_clear()


def _through_both(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("engines")
    first = _write(tmp / "first.csv", _rows(60, 0))
    later = _write(tmp / "later.csv", _rows(6, 1))
    out: dict[str, Any] = {}
    for engine in ("local", "ray"):
        db = tmp / f"{engine}.db"
        invoke = lambda *args, db=db: CliRunner().invoke(  # noqa: E731
            cli,
            ["--db", str(db), *args],
            env=ENV,
        )
        extra = ["--engine", "ray"] if engine == "ray" else []
        ingested = invoke("ingest", str(first), "--skip-invalid", *extra)
        assert ingested.exit_code == 0, ingested.output
        ran = invoke("run", "--seed", "0", *extra)
        assert ran.exit_code == 0, ran.output
        out[f"{engine}_ingest"], out[f"{engine}_run"] = ingested.output, ran.output
        out[f"{engine}_feedback"], out[f"{engine}_themes"] = _feedback(db), _assignments(db)
        store = Store(db)
        try:
            if engine == "ray":
                from textinsight.ray_engine import RayEngine

                ray_engine = RayEngine()
                out["engine"] = ray_engine
            _, _, done = assign_file(store, later, skip_invalid=True, engine=out.get("engine"))
            keys = {f.id: (f.channel, f.source_id) for f in store.feedback.all()}
            out[f"{engine}_assigned"] = {keys[a.feedback_id]: a.theme_id for a in done}
        finally:
            store.close()
    return out


def test_ray_ingest_stores_the_same_feedback(both: dict[str, Any]) -> None:
    assert both["ray_feedback"] == both["local_feedback"]
    assert len(both["ray_feedback"]) == 181  # 180 + the repeated row (-2), one skipped
    summary = [line for line in both["local_ingest"].splitlines() if ": read " in line]
    assert summary and set(summary) <= set(both["ray_ingest"].splitlines())
    redacted = [line for line in both["local_ingest"].splitlines() if "redacted:" in line]
    assert redacted and set(redacted) <= set(both["ray_ingest"].splitlines())
    assert any(key[1].endswith("-2") for key in both["ray_feedback"])


def test_ray_run_gives_the_same_themes_and_assignments(both: dict[str, Any]) -> None:
    """Fitted on a sample of 100 of the 181 items; the other 81 assigned on the workers."""
    assert re.search(r"embedded \d+ new texts on [12] Ray node", both["ray_run"])
    assert "181 feedback" in both["ray_run"]
    themes = re.compile(r"\d+ themes, \d+ unassigned")
    assert themes.findall(both["ray_run"]) == themes.findall(both["local_run"])
    assert _agreement(both["ray_themes"], both["local_themes"]) >= 0.99


def test_ray_bulk_assign_agrees_and_uses_both_nodes(both: dict[str, Any]) -> None:
    assert len(both["ray_assigned"]) == 19
    assert _agreement(both["ray_assigned"], both["local_assigned"]) >= 0.99
    assert len(both["engine"].nodes_used) == 2  # the second node did work


def test_without_ray_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from textinsight import ray_engine

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ConfigError, match=r"textinsight\[ray\]"):
        ray_engine.RayEngine()


def test_ray_reader_yields_the_local_chunks(both: dict[str, Any], tmp_path: Path) -> None:
    """The same records in the same chunks as ``read_records`` (a resumed ingest
    relies on the chunk boundaries), whatever blocks the workers got."""
    from textinsight.ingest.load import ReadTally, read_records
    from textinsight.ingest.pseudonym import Pseudonymiser

    path = _write(tmp_path / "chunks.csv", _rows(20, 2))
    chunks, tallies = [], []
    for reader in (read_records, both["engine"].read_records):
        tally = ReadTally()
        chunks.append(
            list(
                reader(
                    path,
                    skip_invalid=True,
                    chunk_size=16,
                    tally=tally,
                    pseudonyms=Pseudonymiser(b"k" * 32),
                )
            )
        )
        tallies.append((tally.read, tally.n_errors, tally.redactions))
    assert [n for n, _ in chunks[1]] == [n for n, _ in chunks[0]] == [16, 16, 16, 14]
    assert chunks[1] == chunks[0]
    assert tallies[1] == tallies[0]


def test_ray_assign_hook_is_the_run_rule(both: dict[str, Any]) -> None:
    """``RayEngine.assign`` (the run's streamed-batch hook) returns what
    ``sample_fit.assign_batch`` returns, in order."""
    import numpy as np

    from textinsight.stages.cluster import ThemeClusterer
    from textinsight.stages.sample_fit import assign_batch

    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(c, 0.05, (40, 8)) for c in np.eye(8)[:3]]).astype(np.float32)
    clusterer = ThemeClusterer(seed=0).fit(X[::2])
    languages = ["en"] * len(X[1::2])
    labels, probabilities = both["engine"].assign(clusterer, X[1::2], languages)
    expected = assign_batch(clusterer, X[1::2], languages)
    assert (labels == expected[0]).all()
    assert np.allclose(probabilities, expected[1])
