"""CSV exports neutralise formulas (issue #12, Medium 7)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from click.testing import CliRunner

from tests.api.conftest import build_store
from textinsight.cli import cli
from textinsight.csvsafe import safe_cell
from textinsight.store import Store

EVIL = '=HYPERLINK("http://evil.example/?0","klick")'


def test_safe_cell() -> None:
    for bad in (EVIL, "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(bad) == "'" + bad
    for ok in ("c-42", "Fin levering", "", 3, -0.5, None):
        assert safe_cell(ok) == ok


def test_export_assignments_csv_does_not_write_live_formulas(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    build_store(db)
    with Store(db) as store:
        store.db.execute("UPDATE feedback SET source_id = ? WHERE id = 1", [EVIL])
        store.db.conn.commit()
    result = CliRunner().invoke(cli, ["--db", str(db), "export", "assignments"])
    assert result.exit_code == 0, result.output
    cells = [c for row in csv.reader(io.StringIO(result.output)) for c in row]
    assert "'" + EVIL in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
