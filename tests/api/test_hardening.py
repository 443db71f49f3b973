"""API hardening (issue #12): personal data in every field, bad input as 422, busy as 503."""

from __future__ import annotations

import re
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


def _raw(client: TestClient, body: str):
    return client.post(
        "/feedback", headers={**WRITE, "Content-Type": "application/json"}, content=body
    )


def test_nan_rating_is_422_not_500(client: TestClient) -> None:
    r = _raw(client, '[{"text": "late parcel", "rating": NaN}]')
    assert r.status_code == 422, r.text
    r = _raw(client, '[{"text": "late parcel", "metadata": {"x": Infinity}}]')
    assert r.status_code == 422, r.text
    assert "finite" in r.text


def test_lone_surrogate_is_422_naming_the_field(client: TestClient) -> None:
    for field in ("text", "source_id", "customer_id", "channel"):
        item = {"text": "late parcel", field: "bad \\ud800 value"}
        body = '[{"text": "late parcel", "' + field + '": "bad \\ud800 value"}]'
        r = _raw(client, body)
        assert r.status_code == 422, (field, r.text)
        assert item  # the field is named in the answer
        assert field in r.text and "surrogate" in r.text
    r = _raw(client, '[{"text": "late", "metadata": {"k\\udc00": "v"}}]')
    assert r.status_code == 422, r.text


def test_deep_nesting_and_huge_fields_are_422(client: TestClient) -> None:
    deep = '{"a": ' * 500 + "1" + "}" * 500
    r = _raw(client, '[{"text": "late", "metadata": ' + deep + "}]")
    assert r.status_code == 422, r.text
    deeper = "[" * 5000 + "]" * 5000
    r = _raw(client, deeper)
    assert r.status_code in (400, 413, 422), r.text  # never a 5xx
    r = client.post(
        "/feedback", headers=WRITE, json=[{"text": "x", "metadata": {"n": "y" * 20_000}}]
    )
    assert r.status_code == 422, r.text
    r = client.post("/feedback", headers=WRITE, json=[{"text": "late \x00 parcel"}])
    assert r.status_code == 422 and "NUL" in r.text


def test_responses_say_nosniff(client: TestClient) -> None:
    assert client.get("/health").headers["X-Content-Type-Options"] == "nosniff"
    r = _raw(client, '[{"text": "late parcel", "rating": NaN}]')
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_docs_load_their_assets_locally(client: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        assert "cdn." not in html and "jsdelivr" not in html and "googleapis" not in html
        for asset in re.findall(r'(?:src|href)="(/docs-assets/[^"]+)"', html):
            r = client.get(asset)
            assert r.status_code == 200 and len(r.content) > 1000, asset
    assert "/docs-assets/swagger-ui-bundle.js" in client.get("/docs").text


def test_forget_route_needs_a_write_key_and_erases(client: TestClient, db_path: Path) -> None:
    from tests.api.conftest import READ

    body = {"customer_id": "c1"}
    assert client.post("/forget", headers=READ, json=body).status_code == 403
    with Store(db_path) as store:
        before = store.db.execute("SELECT count(*) FROM feedback WHERE customer_id = 'c1'")
        n = before.fetchone()[0]
    r = client.post("/forget", headers=WRITE, json=body)
    assert r.status_code == 200 and r.json()["feedback"] == n > 0
    with Store(db_path) as store:
        assert not store.db.execute("SELECT 1 FROM feedback WHERE customer_id = 'c1'").fetchall()
