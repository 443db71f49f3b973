from pathlib import Path

import pytest

from textinsight.errors import RowErrors
from textinsight.pipeline import ingest_file
from textinsight.store import Store


def rows() -> list[dict[str, str]]:
    return [
        {
            "source_id": "1",
            "channel": "ticket",
            "text": "Paketet kom för sent igen",
            "nps": "3",
            "language": "sv",
            "order_ref": "A-1",
        },
        {
            "source_id": "2",
            "channel": "survey",
            "text": "Great staff in Oslo",
            "nps": "9",
            "language": "",
            "order_ref": "",
        },
    ]


def test_ingest_stores_validated_rows_with_metadata(store: Store, write_csv) -> None:
    report = ingest_file(store, write_csv(rows()))
    assert (report.read, report.inserted, report.skipped) == (2, 2, 0)
    stored = store.feedback.all()
    assert [f.source_id for f in stored] == ["1", "2"]
    assert stored[0].language == "sv" and stored[0].nps == 3
    assert stored[1].language == "en"  # detected
    meta = store.db.execute("SELECT metadata FROM feedback WHERE source_id = '1'").fetchone()[0]
    assert '"order_ref": "A-1"' in meta


def test_reingest_is_idempotent_and_updates_changes(store: Store, write_csv) -> None:
    path = write_csv(rows())
    ingest_file(store, path)
    again = ingest_file(store, path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    changed = rows()
    changed[1]["text"] = "Great staff in Bergen"
    report = ingest_file(store, write_csv(changed, "changed.csv"))
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 1)
    assert store.feedback.count() == 2
    assert store.feedback.all()[1].text == "Great staff in Bergen"


def test_missing_source_id_is_derived_from_text_and_channel(store: Store, write_csv) -> None:
    data = [
        {"text": "Same words", "channel": "social"},
        {"text": "Same words", "channel": "social"},
        {"text": "Same words", "channel": "ticket"},
    ]
    ingest_file(store, write_csv(data))
    ingest_file(store, write_csv(data, "again.csv"))
    stored = store.feedback.all()
    # identical rows of one file are distinct feedback (#12); re-ingesting adds nothing
    assert len(stored) == 3
    assert stored[0].source_id.startswith("h:") and stored[0].source_id != stored[1].source_id


@pytest.mark.parametrize(
    ("bad", "field"),
    [({"text": ""}, "text"), ({"nps": "high"}, "nps"), ({"channel": "fax"}, "channel")],
)
def test_one_bad_row_rejects_the_file(store: Store, write_csv, bad, field) -> None:
    ingest_file(store, write_csv(rows(), "first.csv"))
    data = rows() + [{**rows()[0], "source_id": "3", **bad}]
    data[0]["text"] = "changed text that must not be stored"
    with pytest.raises(RowErrors) as err:
        ingest_file(store, write_csv(data, "bad.csv"))
    assert err.value.errors[0].line == 4 and err.value.errors[0].field == field
    assert "line 4" in str(err.value) and "--skip-invalid" in str(err.value)
    assert [f.text for f in store.feedback.all()] == [r["text"] for r in rows()]


def test_bad_utf8_rejects_file_and_skip_invalid_keeps_good_rows(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    # valid UTF-8 (ö) plus one bad byte: damaged UTF-8, not cp1252 (#12)
    path.write_bytes("source_id,text\n1,good ö one\n".encode() + b"2,bad \xe9 byte\n3,good two\n")
    with pytest.raises(RowErrors, match="line 3.*UTF-8"):
        ingest_file(store, path)
    assert store.feedback.count() == 0
    report = ingest_file(store, path, skip_invalid=True)
    assert (report.inserted, report.skipped) == (2, 1)
    assert "line 3" in report.errors[0]


def test_chunks_do_not_change_the_result(store: Store, write_jsonl) -> None:
    data = [
        {"source_id": str(i), "text": f"feedback number {i}", "channel": "chat"} for i in range(25)
    ]
    data.append({"source_id": "x", "text": "", "channel": "chat"})
    path = write_jsonl(data)
    with pytest.raises(RowErrors) as err:
        ingest_file(store, path, chunk_size=4)
    assert err.value.errors[0].line == 26
    assert store.feedback.count() == 0
    report = ingest_file(store, path, chunk_size=4, skip_invalid=True)
    assert report.inserted == 25 and store.feedback.count() == 25


def test_pii_is_redacted_before_storage(store: Store, write_csv) -> None:
    data = [
        {"text": "Mail me at anna.svensson@example.com or call 070-123 45 67", "channel": "email"}
    ]
    report = ingest_file(store, write_csv(data))
    (stored,) = store.feedback.all()
    assert "example.com" not in stored.text and "<EMAIL>" in stored.text
    assert "<PHONE>" in stored.text
    assert report.redactions == {"email": 1, "phone": 1}


def test_customers_and_purchases(store: Store, write_csv) -> None:
    ingest_file(
        store,
        write_csv(
            [
                {
                    "customer_id": "c1",
                    "segment": "family",
                    "is_member": "true",
                    "joined_at": "2024-01-01",
                    "value": "1200.5",
                    "churned_at": "",
                }
            ],
            "c.csv",
        ),
        "customers",
    )
    p = write_csv(
        [
            {"customer_id": "c1", "purchased_at": "2026-01-02", "amount": "99", "discount": ""},
            {"customer_id": "c1", "purchased_at": "2026-02-02", "amount": "10", "discount": "true"},
        ],
        "p.csv",
    )
    ingest_file(store, p, "purchases")
    ingest_file(store, p, "purchases")
    assert store.customers.count() == (1, 2)
    assert [x.discount for x in store.customers.all_purchases()] == [None, 1.0]
    with pytest.raises(RowErrors, match="value"):
        ingest_file(
            store, write_csv([{"customer_id": "c2", "value": "lots"}], "bad.csv"), "customers"
        )
