"""A normal (non-editable) install ships the model artifacts and finds them.

Builds the wheel from a copy of the sources (no network: the build backend comes
from the running environment), installs it into a folder, and runs the pipeline from
that installed copy, outside the repository: items without a rating get a sentiment
from the shipped e5-small head (vectors of e5-small's id and size, without its weights).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for package in ("textinsight", "api"):
        shutil.copytree(ROOT / package, src / package, ignore=ignore)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(src),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("textinsight-*.whl")
    return built


def test_the_wheel_ships_the_model_artifacts(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "textinsight/models/sentiment-e5-small.npz" in names
    assert "textinsight/models/sentiment-e5-small.md" in names
    assert "textinsight/py.typed" in names


INSTALLED_RUN = """
import csv, tempfile
from pathlib import Path
import textinsight
from textinsight.pipeline import ingest_file, run_pipeline
from textinsight.stages.embed import HashingEmbedder, e5_small
from textinsight.store import Store

class LikeE5(HashingEmbedder):  # e5-small's id and dimension, without loading it
    def __init__(self):
        super().__init__(dim=384)
        self.model_id = e5_small().model_id

folder = Path(tempfile.mkdtemp())
with (folder / "feedback.csv").open("w", newline="") as f:
    writer = csv.writer(f)
    writer.writerow(["text", "source_id"])
    for i in range(9):  # under MIN_ITEMS_TO_CLUSTER: one theme, no UMAP to compile
        writer.writerow([f"my parcel {i} arrived late and broken", f"s{i}"])
with Store(folder / "t.db") as store:
    ingest_file(store, folder / "feedback.csv")
    run = run_pipeline(store, LikeE5(), seed=0)
    sentiments = [row.sentiment for row in store.runs.export(run.id)]
assert len(sentiments) == 9 and None not in sentiments, sentiments
print(textinsight.__file__)
"""


def test_an_installed_wheel_gives_sentiment_without_ratings(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    script = INSTALLED_RUN
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith(str(target))  # the installed copy, not the repo
