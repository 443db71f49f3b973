"""``kill -9`` during ``textinsight run`` leaves the ``themes`` output as it was.

A real SIGKILL in a subprocess: no exception handler or ``finally`` runs, so this
checks what the store's transactions guarantee, not what the pipeline's error
handling does (``tests/test_pipeline.py`` covers that).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import topic_rows

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

CLI = "from textinsight.cli import cli; cli()"


def _command(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-c", CLI, "--db", str(db), *args]


def _env() -> dict[str, str]:
    return {**os.environ, "TEXTINSIGHT_MODEL": "hashing", "HF_HUB_OFFLINE": "1"}


def _themes(db: Path) -> str:
    done = subprocess.run(
        _command(db, "themes", "--format", "json"),
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _current_run(db: Path) -> tuple[int, str]:
    with sqlite3.connect(db) as connection:
        row = connection.execute("SELECT id, status FROM runs WHERE is_current = 1").fetchone()
    return tuple(row)


def test_kill_9_during_run_leaves_themes_untouched(tmp_path: Path, write_csv) -> None:
    db = tmp_path / "kill.db"
    rows = topic_rows(n_per_topic=60)
    subprocess.run(_command(db, "ingest", str(write_csv(rows))), env=_env(), check=True)
    start = time.monotonic()
    subprocess.run(_command(db, "run", "--seed", "0"), env=_env(), check=True)
    duration = time.monotonic() - start
    before = _themes(db)
    more = [{**row, "source_id": f"late-{row['source_id']}"} for row in topic_rows(20, seed=5)]
    subprocess.run(_command(db, "ingest", str(write_csv(more, "more.csv"))), env=_env(), check=True)

    first = _current_run(db)
    landed = 0
    for fraction in (0.3, 0.6, 0.9):
        process = subprocess.Popen(
            _command(db, "run", "--seed", "1"),
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(fraction * duration)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            landed += 1
        process.wait()
        with sqlite3.connect(db) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        if _current_run(db) != first:  # the run committed before the kill landed
            break
        assert _themes(db) == before, f"themes changed after a kill at {fraction:.0%}"
    assert landed >= 2, f"only {landed} kill(s) landed during a run of {duration:.1f} s"

    # and the store still takes a complete run afterwards
    subprocess.run(_command(db, "run", "--seed", "1"), env=_env(), check=True)
    assert json.loads(_themes(db))
