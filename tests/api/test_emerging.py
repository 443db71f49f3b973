"""/emerging: candidate new themes from the unassigned pool."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import READ, WRITE

WORDS = ["voucher", "giftcard", "expired", "balance", "redeem", "code", "coupon", "invalid"]


def _voucher_items() -> list[dict[str, str]]:
    """16 chat items about one new topic (vouchers), absent from the built run."""
    return [
        {
            "text": " ".join(WORDS[i % 8 :] + WORDS[: i % 8]),
            "source_id": f"v{i}",
            "channel": "chat",
            "language": "en",
        }
        for i in range(16)
    ]


def test_emerging_reports_a_new_topic_posted_after_the_run(client: TestClient) -> None:
    items = _voucher_items()
    assert client.post("/feedback", headers=WRITE, json=items).status_code == 200
    r = client.get("/emerging", headers=READ, params={"min_size": 5})
    assert r.status_code == 200
    body = r.json()
    assert body["pool"] >= 16
    words = {w for item in body["items"] for k in item["keywords"] for w in k.split()}
    assert len(words & set(WORDS)) >= 3


def test_emerging_needs_a_key_and_validates_min_size(client: TestClient) -> None:
    assert client.get("/emerging").status_code == 401
    assert client.get("/emerging", headers=READ, params={"min_size": 1}).status_code == 422


def test_a_candidate_is_promoted_to_a_theme_of_the_current_run(client: TestClient) -> None:
    items = _voucher_items()
    assert client.post("/feedback", headers=WRITE, json=items).status_code == 200
    listed = client.get("/emerging", headers=READ).json()
    candidate = max(listed["items"], key=lambda item: item["size"])
    path = f"/emerging/{candidate['id']}/promote"
    assert client.post(path, headers=READ).status_code == 403
    r = client.post(path, headers=WRITE)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["run_id"] == listed["run_id"] and body["size"] >= 16  # every posted item
    theme = client.get(f"/themes/{body['theme_id']}", headers=READ)
    assert theme.status_code == 200
    missing = client.post("/emerging/ffffffff/promote", headers=WRITE)
    assert missing.status_code == 404 and "No emerging candidate" in missing.text
