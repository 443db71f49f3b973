"""Body size limit (413 on Content-Length and on a streamed body) and error shapes."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi.testclient import TestClient

from tests.api.conftest import READ, WRITE, ClientFactory

LIMIT = 4096


def test_declared_length_over_the_limit_is_413(make_client: ClientFactory) -> None:
    client = make_client(max_request_bytes=LIMIT)
    body = json.dumps([{"text": "x" * 100}] * 60).encode()
    assert len(body) > LIMIT
    r = client.post(
        "/feedback", headers={**WRITE, "Content-Type": "application/json"}, content=body
    )
    assert r.status_code == 413
    assert (
        f"{LIMIT} bytes" in r.json()["detail"]
        and "TEXTINSIGHT_MAX_REQUEST_BYTES" in (r.json()["detail"])
    )


def test_streamed_body_over_the_limit_is_413(make_client: ClientFactory) -> None:
    client = make_client(max_request_bytes=LIMIT)
    sent: list[int] = []

    def chunks() -> Iterator[bytes]:
        yield b"["
        for i in range(1000):
            sent.append(i)
            yield json.dumps({"text": "y" * 100}).encode() + b","
        yield b'{"text": "z"}]'

    r = client.post(
        "/feedback", headers={**WRITE, "Content-Type": "application/json"}, content=chunks()
    )
    assert r.status_code == 413


def test_streamed_body_under_the_limit_is_accepted(make_client: ClientFactory) -> None:
    client = make_client(max_request_bytes=LIMIT)

    def chunks() -> Iterator[bytes]:
        yield b'[{"text": "courier parcel late",'
        yield b' "source_id": "s1"}]'

    r = client.post(
        "/feedback", headers={**WRITE, "Content-Type": "application/json"}, content=chunks()
    )
    assert r.status_code == 200 and r.json()["received"] == 1


def test_limit_applies_before_authentication(make_client: ClientFactory) -> None:
    client = make_client(max_request_bytes=LIMIT)
    r = client.post("/feedback", content=b"x" * (LIMIT + 1))
    assert r.status_code == 413


def test_errors_are_json_with_detail(client: TestClient) -> None:
    for r in [
        client.get("/nowhere", headers=READ),
        client.get("/themes/999", headers=READ),
        client.get("/themes?limit=9999", headers=READ),
        client.get("/themes"),
        client.delete("/themes", headers=READ),
    ]:
        assert r.headers["content-type"].startswith("application/json")
        assert r.json()["detail"]
