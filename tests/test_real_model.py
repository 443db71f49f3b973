"""End to end with the real default embedding model on a slice of the bundled sample."""

import csv
import io
import json
from itertools import islice
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import SAMPLE
from textinsight.cli import cli
from textinsight.config import get_settings

pytestmark = pytest.mark.model


def test_sample_slice_end_to_end_with_default_model(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("TEXTINSIGHT_MODEL", raising=False)
    get_settings.cache_clear()
    with (SAMPLE / "feedback.csv").open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(islice(reader, 600))
    path = tmp_path / "slice.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    db = str(tmp_path / "real.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "ingest", str(path)]).exit_code == 0
    result = runner.invoke(cli, ["--db", db, "run", "--seed", "0"])
    assert result.exit_code == 0, result.output
    assert "model: e5-small" in result.output  # a Nordic mix picks the multilingual model
    embedded = int(result.output.split("embedded ")[1].split()[0])
    assert 550 <= embedded <= 600  # each distinct text once (the sample repeats a few)
    themes = json.loads(runner.invoke(cli, ["--db", db, "themes", "--format", "json"]).output)
    assert len(themes) >= 4
    languages = set().union(*(t["languages"] for t in themes))
    assert {"sv", "no", "da", "en"} <= languages
    for theme in themes:
        assert theme["keywords"] and 1 <= len(theme["quotes"]) <= 5
    out = runner.invoke(cli, ["--db", db, "export", "assignments"]).output
    exported = list(csv.DictReader(io.StringIO(out)))
    assert len(exported) == len(rows)
    unassigned = sum(1 for r in exported if not r["theme_id"]) / len(exported)
    assert unassigned < 0.5
    get_settings.cache_clear()
