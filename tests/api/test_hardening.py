"""API hardening (issue #12): personal data in every field, bad input as 422, busy as 503."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.api.conftest import WRITE, ClientFactory
from textinsight.ingest.pseudonym import Pseudonymiser
from textinsight.store import Store

KEY = "an api pseudonym key of 32 chars"


def test_personal_identifiers_and_metadata_are_protected(
    make_client: ClientFactory, db_path: Path
) -> None:
    client = make_client(pseudonym_key=KEY)
    item = {
        "text": "Leveransen var sen",
        "channel": "email",
        "source_id": "anna.svensson@gmail.com",
        "customer_id": "anna.svensson@gmail.com",
        "store_id": "070-812 33 41",
        "metadata": {"notes": "pnr 780614-4825", "nested": [{"tel": "070-812 33 41"}]},
    }
    r = client.post("/feedback", headers=WRITE, json=[item])
    assert r.status_code == 200, r.text
    pseudonym = Pseudonymiser(KEY.encode()).pseudonym("anna.svensson@gmail.com")
    assert r.json()["items"][0]["source_id"] == pseudonym
    with Store(db_path) as store:
        row = store.db.execute(
            "SELECT customer_id, store_id, metadata FROM feedback WHERE source_id = ?", [pseudonym]
        ).fetchone()
    assert row[0] == pseudonym and row[1].startswith("p:")
    assert "780614" not in row[2] and "070-812" not in row[2]


def test_client_fixture_still_works(client: TestClient) -> None:
    assert client.get("/health").status_code == 200
