"""``kill -9`` during ``textinsight run`` leaves the ``themes`` output as it was; during
``textinsight ingest`` it publishes nothing, and the same command resumes.

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
from click.testing import CliRunner

from tests.conftest import topic_rows
from textinsight.cli import cli
from textinsight.config import get_settings
from textinsight.store.staging import IngestStaging

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


# The ingest under test, slowed per staged chunk so that the kill lands mid-file.
SLOW_INGEST = """
import time
from textinsight.store.staging import IngestStaging
put = IngestStaging.put
def slow_put(self, *args):
    time.sleep(0.3)
    put(self, *args)
IngestStaging.put = slow_put
from textinsight.cli import cli
cli()
"""


def _staged(db: Path) -> int:
    try:
        with sqlite3.connect(db) as connection:
            return int(connection.execute("SELECT count(*) FROM ingest_chunks").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_kill_9_during_ingest_publishes_nothing_and_the_same_command_resumes(
    tmp_path: Path, write_csv, monkeypatch: pytest.MonkeyPatch
) -> None:
    n_rows, chunk = 3000, 200
    rows = topic_rows(n_per_topic=n_rows // 3)
    path = write_csv(rows)
    db = tmp_path / "kill.db"
    env = {**_env(), "TEXTINSIGHT_CHUNK_SIZE": str(chunk)}
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_INGEST, "--db", str(db), "ingest", str(path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while _staged(db) < 3 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    staged = _staged(db)
    assert 3 <= staged < n_rows // chunk, f"the kill landed after {staged} chunks"
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("SELECT count(*) FROM feedback").fetchone() == (0,)

    # the same command again (in this process, counting the chunks it prepares)
    prepared = []
    put = IngestStaging.put
    monkeypatch.setattr(
        IngestStaging, "put", lambda self, *a: (prepared.append(a[1]), put(self, *a))
    )
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["--db", str(db), "ingest", str(path)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "(ingest 1)" in result.output
    assert prepared == list(range(staged, n_rows // chunk))  # resumed, not restarted
    with sqlite3.connect(db) as connection:
        stored = connection.execute(
            "SELECT channel, source_id, text, language, rating FROM feedback"
        ).fetchall()
        ingests = connection.execute("SELECT id, n_read, n_inserted FROM ingests").fetchall()
        assert connection.execute("SELECT count(*) FROM ingest_chunks").fetchone() == (0,)
    assert ingests == [(1, n_rows, n_rows)]
    expected = [
        (r["channel"], r["source_id"], r["text"], r["language"], int(r["rating"])) for r in rows
    ]
    assert sorted(stored) == sorted(expected)
