"""Personal data in every stored field (issue #12, High 1): identifiers that are
personal data are pseudonymised with a keyed hash, free-text extras are redacted."""

from __future__ import annotations

from pathlib import Path

from textinsight.ingest.pseudonym import Pseudonymiser, is_personal
from textinsight.pipeline import ingest_file
from textinsight.store import Store

KEY = "k" * 32
PII = ("anna.svensson@gmail.com", "780614-4825", "070-812 33 41", "0708123341")


def _all_stored_text(store: Store) -> str:
    """Every string of every table, joined."""
    parts: list[str] = []
    for (table,) in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        for row in store.db.execute(f"SELECT * FROM [{table}]"):
            parts.extend(str(v) for v in row if isinstance(v, str))
    return "\n".join(parts)


def test_issue_repro_no_pii_in_any_stored_field(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(
        "text,customer_id,notes\n"
        'Ring mig på 070-812 33 41,anna.svensson@gmail.com,"pnr 780614-4825, tel 070-812 33 41"\n',
        encoding="utf-8",
    )
    report = ingest_file(store, path, pseudonym_key=KEY)
    text, customer_id, metadata = store.db.execute(
        "SELECT text, customer_id, metadata FROM feedback"
    ).fetchone()
    assert text == "Ring mig på <PHONE>"
    assert customer_id == Pseudonymiser(KEY.encode()).pseudonym("anna.svensson@gmail.com")
    assert customer_id.startswith("p:") and "<PERSONNUMMER>" in metadata
    assert report.redactions == {"phone": 2, "personnummer": 1}
    stored = _all_stored_text(store)
    for value in PII:
        assert value not in stored


def test_pseudonyms_join_feedback_customers_and_purchases(store: Store, write_csv) -> None:
    ingest_file(
        store,
        write_csv(
            [
                {"text": "Bra", "customer_id": "Anna.Svensson@gmail.com", "source_id": "1"},
                {"text": "Dåligt", "customer_id": "c-42", "source_id": "2"},
            ],
            "f.csv",
        ),
        pseudonym_key=KEY,
    )
    ingest_file(
        store,
        write_csv(
            [{"customer_id": "anna.svensson@gmail.com", "segment": "mejla anna@example.se"}],
            "c.csv",
        ),
        "customers",
        pseudonym_key=KEY,
    )
    ingest_file(
        store,
        write_csv(
            [{"customer_id": "anna.svensson@gmail.com", "purchased_at": "2026-01-02"}], "p.csv"
        ),
        "purchases",
        pseudonym_key=KEY,
    )
    joined = store.db.execute(
        "SELECT f.customer_id, c.segment, count(p.purchase_key) FROM feedback f "
        "JOIN customers c USING (customer_id) JOIN purchases p USING (customer_id)"
    ).fetchall()
    assert len(joined) == 1 and joined[0][0].startswith("p:")
    assert joined[0][1] == "mejla <EMAIL>"
    plain = store.db.execute("SELECT customer_id FROM feedback WHERE source_id = '2'").fetchone()
    assert plain == ("c-42",)  # not personal data: kept, so existing joins keep working
    assert "svensson" not in _all_stored_text(store)


def test_source_and_store_ids_and_nested_metadata(store: Store, write_jsonl) -> None:
    ingest_file(
        store,
        write_jsonl(
            [
                {
                    "text": "Hej",
                    "source_id": "ola.nordmann@gmail.com",
                    "store_id": "+46 70 123 45 67",
                    "metadata": {"contact": {"mail anna@example.se": ["tlf 070-123 45 67"]}},
                }
            ]
        ),
        pseudonym_key=KEY,
    )
    stored = _all_stored_text(store)
    for value in ("ola.nordmann", "anna@example", "070-123 45 67", "+46 70"):
        assert value not in stored
    source_id, store_id = store.db.execute("SELECT source_id, store_id FROM feedback").fetchone()
    assert source_id.startswith("p:") and store_id.startswith("p:")


def test_without_a_configured_key_the_database_keeps_its_own(store: Store, write_csv) -> None:
    path = write_csv([{"text": "Hej", "customer_id": "a@example.se"}])
    ingest_file(store, path)
    first = store.db.execute("SELECT customer_id FROM feedback").fetchone()[0]
    assert first.startswith("p:")
    assert store.database_secret() == store.database_secret()
    assert Pseudonymiser(store.database_secret().encode()).pseudonym("a@example.se") == first


def test_identifiers_that_are_not_personal_are_kept() -> None:
    for value in ("c-42", "10023", "ORD-2026-0001", "store 12", "p:abc"):
        assert not is_personal(value)
    for value in PII:
        assert is_personal(value)


def test_pseudonyms_depend_on_the_key() -> None:
    a = Pseudonymiser(b"a" * 16).pseudonym("a@example.se")
    b = Pseudonymiser(b"b" * 16).pseudonym("a@example.se")
    assert a != b and len(a) == 34


def test_identical_texts_of_different_customers_stay_distinct(store: Store, write_csv) -> None:
    rows = [
        {"text": "Fin levering", "customer_id": f"c{i}", "created_at": "2026-12-02"}
        for i in range(4)
    ] + [{"text": "Fin levering", "customer_id": "c0", "created_at": "2026-12-03"}]
    path = write_csv(rows)
    first = ingest_file(store, path, channel="review")
    assert (first.read, first.inserted) == (5, 5)
    again = ingest_file(store, path, channel="review")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 5)


def test_duplicate_source_ids_in_one_file_are_reported(store: Store, write_csv) -> None:
    rows = [{"source_id": str(i % 4), "text": f"text {i}"} for i in range(8)]
    report = ingest_file(store, write_csv(rows))
    assert (report.read, report.inserted) == (8, 4)
    assert report.n_duplicates == 4
    assert report.duplicates[0].startswith("line 6: source_id '0'")
