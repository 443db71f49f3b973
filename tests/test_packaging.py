"""A normal (non-editable) install ships the model artifacts and finds them.

Builds the wheel from a copy of the sources (no network: the build backend comes
from the running environment), installs it into a folder, and checks from outside
the repository that the sentiment head for e5-small is found there.
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


def test_an_installed_wheel_finds_its_sentiment_model(wheel: Path, tmp_path: Path) -> None:
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
    script = (
        "import numpy as np, textinsight\n"
        "from textinsight.stages.embed import e5_small\n"
        "from textinsight.stages.sentiment import find_sentiment_model, item_sentiments\n"
        "model = find_sentiment_model(e5_small().model_id)\n"
        "assert model is not None, 'no sentiment model for e5-small'\n"
        "scores = item_sentiments([None], [None], np.ones((1, 384), np.float32), model)\n"
        "assert scores[0] is not None\n"
        "print(textinsight.__file__)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith(str(target))  # the installed copy, not the repo
