"""``auto`` picks the int8 export for a new database and keeps an existing one's model
(#15): no model is loaded or exported here, only the choice is checked."""

from __future__ import annotations

import numpy as np
import pytest

from textinsight.run_embed import run_model
from textinsight.stages.embed import get_embedder, registry
from textinsight.store import Store


@pytest.fixture
def onnx(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "int8_available", lambda: True)


@pytest.mark.usefixtures("onnx")
def test_a_new_database_gets_the_int8_variant_of_the_model_auto_chooses(store: Store) -> None:
    assert run_model(store, "auto", ["en"] * 20) == "minilm-int8"
    assert run_model(store, "auto", ["sv", "no", "da", "en"]) == "e5-small-int8"


@pytest.mark.usefixtures("onnx")
def test_a_database_with_fp32_vectors_or_runs_keeps_its_model(store: Store) -> None:
    store.embeddings.put_many(get_embedder("minilm").model_id, {"h1": np.ones(4, np.float32)})
    assert run_model(store, "auto", ["en"]) == "minilm"
    # e5's history is its own: a Nordic corpus in this database still gets int8
    assert run_model(store, "auto", ["sv", "da"]) == "e5-small-int8"
    e5 = registry.EMBEDDERS["e5-small"](None).model_id
    store.runs.start(seed=0, model_id=e5, params={})
    assert run_model(store, "auto", ["sv", "da"]) == "e5-small"


def test_without_onnxruntime_or_with_an_explicit_model_nothing_changes(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry, "int8_available", lambda: False)
    assert run_model(store, "auto", ["en"]) == "minilm"
    monkeypatch.setattr(registry, "int8_available", lambda: True)
    assert run_model(store, "minilm", ["en"]) == "minilm"
    assert run_model(store, "e5-small", ["en"]) == "e5-small"
    # without a database to look at (scripts, benchmarks) auto stays fp32
    assert registry.resolve_model("auto", ["en"]) == "minilm"
