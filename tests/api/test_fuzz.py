"""Property-based fuzzing of every operation in the OpenAPI spec: no input gives a 5xx.

Schemathesis turns the app's own OpenAPI document into Hypothesis strategies of valid
(positive) and invalid (negative) requests; each is sent with a write key. Bounded by
``EXAMPLES`` per operation and mode so the whole module runs in well under 30 s.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from api.main import create_app
from tests.api.conftest import KEYS, WRITE, Built
from textinsight.config import Settings

EXAMPLES = 12
SPEC = create_app().openapi()  # the spec depends on neither settings nor data
POSITIVE, NEGATIVE = schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE
CASES = [
    (m.upper(), p, mode)
    for p, ops in SPEC["paths"].items()
    for m, op in ops.items()
    # an operation without parameters or body has no invalid request to generate
    for mode in (
        [POSITIVE, NEGATIVE] if op.get("parameters") or op.get("requestBody") else [POSITIVE]
    )
]


@pytest.fixture(scope="module")
def schema(
    template: tuple[Path, Built], tmp_path_factory: pytest.TempPathFactory
) -> schemathesis.BaseSchema:
    """One app over one private copy of the store for the whole module."""
    db = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    shutil.copy(template[0], db)
    app = create_app(Settings(db=db, model="hashing", api_keys=KEYS))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.mark.parametrize(("method", "path", "mode"), CASES)
def test_no_request_gives_a_server_error(
    schema: schemathesis.BaseSchema, method: str, path: str, mode: schemathesis.GenerationMode
) -> None:
    operation = schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        response = case.call(headers=WRITE)
        assert response.status_code < 500, (case.as_curl_command(), response.text)

    check()
