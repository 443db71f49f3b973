"""OpenAPI docs are served, and docs/api.md documents every route with a curl example."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
ROUTES = {
    ("GET", "/health"),
    ("GET", "/runs"),
    ("GET", "/runs/{run_id}"),
    ("GET", "/themes"),
    ("GET", "/themes/{theme_id}"),
    ("GET", "/themes/{theme_id}/feedback"),
    ("GET", "/themes/{theme_id}/trend"),
    ("GET", "/search"),
    ("POST", "/feedback"),
    ("GET", "/summary"),
    ("GET", "/emerging"),
    ("POST", "/emerging/{candidate_id}/promote"),
    ("GET", "/facets"),
    ("GET", "/changes"),
    ("GET", "/compare"),
    ("GET", "/themes/{theme_id}/related"),
    ("GET", "/themes/{theme_id}/history"),
    ("GET", "/charts/{name}"),
    ("GET", "/export/{table}"),
    ("POST", "/themes/{theme_id}/rename"),
    ("POST", "/themes/{theme_id}/merge"),
    ("POST", "/themes/{theme_id}/hide"),
    ("GET", "/curation"),
    ("POST", "/forget"),
    ("POST", "/actions"),
    ("GET", "/actions"),
    ("GET", "/actions/{action_id}"),
}


def test_docs_and_openapi(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    served = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    assert served == ROUTES
    assert "X-API-Key" in str(spec["components"]["securitySchemes"])
    for path, ops in spec["paths"].items():
        for op in ops.values():
            assert op.get("description") or op.get("summary"), path
            assert "200" in op["responses"], path


def test_every_route_is_documented_with_a_curl_example() -> None:
    text = API_DOC.read_text(encoding="utf-8")
    headings = set(re.findall(r"^### (GET|POST) (\S+)", text, flags=re.M))
    assert headings == ROUTES, f"docs/api.md sections differ: {headings ^ ROUTES}"
    for _method, path in ROUTES:
        section = text.split(f" {path}\n", 1)[1].split("\n### ", 1)[0]
        assert "curl " in section, f"no curl example for {path}"
    for setting in (
        "TEXTINSIGHT_API_KEYS",
        "TEXTINSIGHT_MAX_REQUEST_BYTES",
        "TEXTINSIGHT_DB",
        "TEXTINSIGHT_MODEL",
    ):
        assert setting in text
