"""Erasure (issue #12): forget a customer everywhere, undo one ingest."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tests.conftest import topic_rows
from textinsight.cli import cli
from textinsight.erasure import delete_ingest, forget_customer
from textinsight.pipeline import ingest_file, run_pipeline
from textinsight.store import Store

KEY = "k" * 32
EMAIL = "anna.svensson@gmail.com"


def test_forget_erases_feedback_vectors_assignments_quotes_and_records(
    store: Store, write_csv, embedder
) -> None:
    rows = topic_rows()
    for row in rows[:5]:
        row["customer_id"] = EMAIL
        row["text"] = row["text"] + " unique words of anna"
    ingest_file(store, write_csv(rows), pseudonym_key=KEY)
    ingest_file(
        store,
        write_csv([{"customer_id": EMAIL, "value": "10"}], "c.csv"),
        "customers",
        pseudonym_key=KEY,
    )
    run = run_pipeline(store, embedder, seed=0)
    hers = [f for f in store.feedback.all() if f.customer_id and f.customer_id.startswith("p:")]
    assert len(hers) == 5
    # make sure one of her texts is a stored quote
    store.db.execute(
        "UPDATE themes SET quotes = ? WHERE run_id = ? AND theme_id = (SELECT min(theme_id) "
        "FROM themes WHERE run_id = ?)",
        [json.dumps([hers[0].text, "someone else"]), run.id, run.id],
    )
    store.db.conn.commit()
    erased = forget_customer(store, EMAIL, KEY)
    assert (erased.feedback, erased.customers) == (5, 1)
    assert erased.assignments == 5 and erased.embeddings == 5 and erased.quotes == 1
    assert store.feedback.count() == len(rows) - 5
    every = "\n".join(
        str(v)
        for (table,) in store.db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        for row in store.db.execute(f"SELECT * FROM [{table}]")
        for v in row
    )
    assert "unique words of anna" not in every and hers[0].customer_id not in every
    assert forget_customer(store, EMAIL, KEY).feedback == 0  # repeating it is harmless


def test_delete_ingest_undoes_a_wrong_channel_ingest(store: Store, write_csv) -> None:
    path = write_csv([{"text": f"text number {i}", "language": "en"} for i in range(6)])
    first = ingest_file(store, path, channel="review")
    wrong = ingest_file(store, path, channel="ticket")
    assert store.feedback.count() == 12 and wrong.ingest_id != first.ingest_id
    erased = delete_ingest(store, wrong.ingest_id)
    assert erased.feedback == 6 and store.feedback.count() == 6
    assert {f.channel for f in store.feedback.all()} == {"review"}


def test_cli_forget_delete_and_ingests(tmp_path: Path, write_csv) -> None:
    db = str(tmp_path / "x.db")
    path = write_csv([{"text": "Late parcel", "customer_id": "c-1", "language": "en"}])
    runner = CliRunner()
    out = runner.invoke(cli, ["--db", db, "ingest", str(path)]).output
    assert "(ingest 1)" in out
    assert "ingest 1" in runner.invoke(cli, ["--db", db, "ingests"]).output
    result = runner.invoke(cli, ["--db", db, "forget", "--customer", "c-1"])
    assert result.exit_code == 0 and "erased feedback 1" in result.output
    result = runner.invoke(cli, ["--db", db, "delete", "--ingest", "7"])
    assert result.exit_code == 1 and "No ingest with id 7" in result.output
