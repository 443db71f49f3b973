import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import topic_rows
from textinsight.cli import cli
from textinsight.config import get_settings


@pytest.fixture
def invoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TEXTINSIGHT_MODEL", "hashing")
    get_settings.cache_clear()
    db = tmp_path / "cli.db"

    def run(*args: str):
        return CliRunner().invoke(cli, ["--db", str(db), *args])

    yield run
    get_settings.cache_clear()


def test_full_flow(invoke, write_csv, tmp_path: Path) -> None:
    result = invoke("ingest", str(write_csv(topic_rows())))
    assert result.exit_code == 0, result.output
    assert "inserted 90" in result.output
    result = invoke("run", "--seed", "1")
    assert result.exit_code == 0, result.output
    assert "embedded 90 new texts" in result.output
    assert "embedded 0 new texts" in invoke("run", "--seed", "1").output

    themes = json.loads(invoke("themes", "--format", "json").output)
    assert themes
    for key in ("id", "label", "keywords", "size", "share", "quotes", "languages", "channels"):
        assert key in themes[0]
    table = invoke("themes")
    assert table.exit_code == 0 and themes[0]["label"].split(" / ")[0] in table.output
    csv_rows = list(csv.DictReader(io.StringIO(invoke("themes", "--format", "csv").output)))
    assert len(csv_rows) == len(themes)

    shown = json.loads(invoke("show", str(themes[0]["id"]), "--format", "json").output)
    assert shown["id"] == themes[0]["id"]
    assert themes[0]["label"] in invoke("show", str(themes[0]["id"])).output

    exported = list(csv.DictReader(io.StringIO(invoke("export", "assignments").output)))
    assert len(exported) == 90
    assert list(exported[0]) == [
        "source_id",
        "channel",
        "language",
        "theme_id",
        "probability",
        "sentiment",
        "category_id",
    ]
    categories = json.loads(invoke("themes", "--level", "category", "--format", "json").output)
    parents = {t["parent_id"] for t in themes}
    assert parents == {c["id"] for c in categories}
    by_theme = {t["id"]: t["parent_id"] for t in themes}
    assert all(
        int(r["category_id"]) == by_theme[int(r["theme_id"])] for r in exported if r["theme_id"]
    )
    assert "Categories of run" in invoke("themes", "--level", "category").output
    assert all(-1 <= float(r["sentiment"]) <= 1 for r in exported)
    jsonl = invoke("export", "assignments", "--format", "jsonl").output.splitlines()
    assert len(jsonl) == 90 and "theme_id" in json.loads(jsonl[0])

    out = tmp_path / "r.html"
    assert invoke("report", "--out", str(out)).exit_code == 0
    assert themes[0]["label"].split(" / ")[0] in out.read_text(encoding="utf-8")
    assert "* run" in invoke("runs").output
    growth = json.loads(invoke("trends", "--format", "json").output)
    assert {g["theme_id"] for g in growth} <= {t["id"] for t in themes}


def test_errors_are_one_line_without_traceback(invoke, tmp_path: Path) -> None:
    result = invoke("themes")
    assert result.exit_code != 0
    assert "No database at" in result.output and "Traceback" not in result.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"text,nps\nok,5\nbad,high\n")
    result = invoke("ingest", str(bad))
    assert result.exit_code != 0 and "line 3" in result.output and "nps" in result.output
    result = invoke("ingest", str(bad), "--skip-invalid")
    assert result.exit_code == 0 and "inserted 1" in result.output and "skipped 1" in result.output
    result = invoke("themes")
    assert result.exit_code != 0 and "No complete run" in result.output
    assert invoke("show", "999").exit_code != 0


def test_assign_and_lineage(invoke, write_csv) -> None:
    assert "No database at" in invoke("assign", str(write_csv(topic_rows(), "a.csv"))).output
    assert invoke("ingest", str(write_csv(topic_rows()))).exit_code == 0
    assert invoke("run", "--seed", "0").exit_code == 0
    first = {t["id"] for t in json.loads(invoke("themes", "--format", "json").output)}
    assert invoke("run", "--seed", "0").exit_code == 0
    second = {t["id"] for t in json.loads(invoke("themes", "--format", "json").output)}
    assert first == second  # same data, same seed: every theme keeps its id
    lines = invoke("lineage").output.splitlines()
    assert len(lines) == len(second) and all(line.startswith("same") for line in lines)

    new = [{**r, "source_id": "new-" + r["source_id"]} for r in topic_rows(10, seed=5)]
    result = invoke("assign", str(write_csv(new, "new.csv")))
    assert result.exit_code == 0, result.output
    assert "assigned 30 to run" in result.output
    exported = list(csv.DictReader(io.StringIO(invoke("export", "assignments").output)))
    by_id = {r["source_id"]: r["theme_id"] for r in exported}
    assert all(f"new-{t}-{i}" in by_id for t in ("delivery", "staff", "app") for i in range(10))


def test_show_formats_intervals_and_shares_for_people() -> None:
    # `show` prints value.summary.value_lines, which formats with these
    from textinsight.value.summary import _ci, _shares

    assert _ci([0.0901685, 0.6249465]) == "0.09 to 0.62"
    assert _ci(None) == "n/a"
    assert _shares({"none": 0.05, "activity": 0.368, "inactivity": 0.305}) == (
        "activity 37%, inactivity 30%, none 5%"
    )
    assert _shares({}) == "n/a"


def test_emerging_promote_and_stability(invoke, write_csv) -> None:
    assert invoke("ingest", str(write_csv(topic_rows()))).exit_code == 0
    assert invoke("run", "--seed", "0").exit_code == 0
    assert invoke("run", "--seed", "0").exit_code == 0
    words = [
        "voucher",
        "giftcard",
        "expired",
        "balance",
        "redeem",
        "code",
        "coupon",
        "invalid",
        "bonus",
        "points",
    ]
    new = [
        {
            "source_id": f"v{i}",
            "channel": "chat",
            "language": "en",
            "text": " ".join(words[i % 10 :] + words[: i % 10][:2]),
        }
        for i in range(20)
    ]
    assert invoke("assign", str(write_csv(new, "new.csv"))).exit_code == 0
    listed = json.loads(invoke("emerging", "--format", "json").output)
    candidate = max(listed["emerging"], key=lambda e: e["size"])
    table = invoke("emerging").output
    assert f"[{candidate['id']}]" in table and "keywords:" in table
    result = invoke("emerging", "--promote", candidate["id"])
    assert result.exit_code == 0, result.output
    assert f"promoted {candidate['id']} to theme" in result.output
    report = json.loads(invoke("stability", "--format", "json").output)
    events = {r["event"] for r in report}
    assert events == {"same", "promoted"}
    kept = [r for r in report if r["event"] == "same"]
    assert all(r["runs"] == 2 and r["overlap"] == 1.0 and r["label_kept"] for r in kept)
    assert "runs 2" in invoke("stability").output


def test_show_lists_the_theme_history(invoke, write_csv) -> None:
    assert invoke("ingest", str(write_csv(topic_rows()))).exit_code == 0
    assert invoke("run", "--seed", "0").exit_code == 0
    assert invoke("run", "--seed", "0").exit_code == 0
    theme = json.loads(invoke("themes", "--format", "json").output)[0]
    shown = json.loads(invoke("show", str(theme["id"]), "--format", "json").output)
    assert [(h["run_id"], h["kind"]) for h in shown["history"]] == [(1, "new"), (2, "same")]
    assert shown["history"][1]["previous_ids"] == [theme["id"]]
    text = invoke("show", str(theme["id"])).output
    assert "run 1: new" in text and f"run 2: same (from {theme['id']}" in text


def test_themes_csv_has_one_row_per_theme(invoke, write_csv) -> None:
    assert invoke("ingest", str(write_csv(topic_rows()))).exit_code == 0
    assert invoke("run", "--seed", "0").exit_code == 0
    rows = list(csv.DictReader(io.StringIO(invoke("themes", "--format", "csv").output)))
    listed = json.loads(invoke("themes", "--format", "json").output)
    assert [int(r["id"]) for r in rows] == [t["id"] for t in listed]
    assert "quotes" not in rows[0] and rows[0]["keywords"].count("; ") >= 1
    emerging = invoke("emerging", "--format", "json")
    assert emerging.exit_code == 0, emerging.output
    assert json.loads(emerging.output)["pool"] >= 0


def test_serve_passes_its_settings_to_the_app(
    invoke, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import os

    import uvicorn

    from api.deps import resolve_settings

    served = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.update(app=app, **kw))
    before = dict(os.environ)
    db = tmp_path / "served.db"
    result = CliRunner().invoke(cli, ["--db", str(db), "serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert served["port"] == 8123 and resolve_settings(served["app"]).db == db
    assert dict(os.environ) == before  # no environment writes


def test_curation_and_bi_exports(invoke, tmp_path: Path) -> None:
    from tests.api.conftest import build_store

    built = build_store(tmp_path / "cli.db")
    delivery, staff, app = (built.theme_ids[k] for k in ("delivery", "staff", "app"))
    assert "now 'Late parcels'" in invoke("rename", str(delivery), "Late parcels").output
    assert invoke("merge", str(staff), str(delivery)).exit_code == 0
    assert invoke("hide", str(app)).exit_code == 0
    assert invoke("hide", str(app), "--undo").exit_code == 0
    log = invoke("curation").output.splitlines()
    assert [line.split()[1] for line in log] == ["rename", "merge", "hide", "unhide"]
    rows = list(csv.DictReader(io.StringIO(invoke("export", "themes").output)))
    assert {r["label"] for r in rows} >= {"Late parcels"}
    assert str(staff) not in {r["theme_id"] for r in rows}
    feedback = list(
        csv.DictReader(io.StringIO(invoke("export", "feedback", "--segment", "gold").output))
    )
    assert feedback and {r["segment"] for r in feedback} == {"gold"}
    trends = invoke("export", "trends", "--interval", "month", "--out", str(tmp_path / "t.csv"))
    assert trends.exit_code == 0 and (tmp_path / "t.csv").read_text().startswith("run_id,")
    parquet = invoke("export", "themes", "--format", "parquet").output
    assert "--out" in parquet or "pyarrow" in parquet
    cycle = invoke("merge", str(delivery), str(staff))
    assert cycle.exit_code == 1 and "cycle" in cycle.output
