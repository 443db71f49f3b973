"""API keys: 401 without a valid key, 403 for the wrong scope, /health open."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import READ, READ_KEY, RUN_GETS, WRITE, ClientFactory
from textinsight.errors import ConfigError

PROTECTED_GETS = ["/runs", "/runs/1", *RUN_GETS]


@pytest.mark.parametrize("url", PROTECTED_GETS)
def test_read_routes_need_a_key(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 401
    assert "X-API-Key" in r.json()["detail"]
    assert r.headers["www-authenticate"] == "APIKey"
    assert client.get(url, headers={"X-API-Key": "nope"}).status_code == 401
    assert client.get(url, headers=READ).status_code == 200
    assert client.get(url, headers=WRITE).status_code == 200  # write implies read


def test_unknown_key_is_named_in_the_message(client: TestClient) -> None:
    r = client.get("/themes", headers={"X-API-Key": "wrong"})
    assert r.status_code == 401 and "Unknown API key" in r.json()["detail"]


def test_non_ascii_key_is_a_401_not_a_crash(client: TestClient) -> None:
    r = client.get("/themes", headers={"X-API-Key": "nyckel-å".encode("latin-1")})
    assert r.status_code == 401


def test_read_key_cannot_post(client: TestClient) -> None:
    r = client.post("/feedback", headers=READ, json=[{"text": "late parcel"}])
    assert r.status_code == 403
    assert "'write'" in r.json()["detail"] and "'read'" in r.json()["detail"]
    assert client.post("/feedback", json=[{"text": "late parcel"}]).status_code == 401


def test_health_needs_no_key(client: TestClient) -> None:
    assert client.get("/health").status_code == 200


def test_without_configured_keys_every_protected_route_says_how_to_set_them(
    make_client: ClientFactory,
) -> None:
    client = make_client(api_keys="")
    for url in PROTECTED_GETS:
        r = client.get(url, headers={"X-API-Key": READ_KEY})
        assert r.status_code == 401
        assert "TEXTINSIGHT_API_KEYS" in r.json()["detail"]
    r = client.post("/feedback", headers=WRITE, json=[{"text": "x"}])
    assert r.status_code == 401 and "TEXTINSIGHT_API_KEYS" in r.json()["detail"]
    assert client.get("/health").status_code == 200


@pytest.mark.parametrize(
    "bad", ["k1", "k1:admin", ":read", "k1:read,k2", "short:read", "0123456789abcde:write"]
)
def test_malformed_key_setting_stops_startup(make_client: ClientFactory, bad: str) -> None:
    with pytest.raises(ConfigError, match="TEXTINSIGHT_API_KEYS"):
        make_client(api_keys=bad)


def test_keys_may_contain_colons_and_spaces_around_pairs(make_client: ClientFactory) -> None:
    client = make_client(api_keys=" a:b:c-0123456789abcd:read , w-0123456789abcdef:write ")
    key = "a:b:c-0123456789abcd"
    assert client.get("/runs", headers={"X-API-Key": key}).status_code == 200
    assert client.post("/feedback", headers={"X-API-Key": key}, json=[]).status_code == 403
