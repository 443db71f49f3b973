"""The int8 ONNX backend: the extra is named when missing; the export stays close to fp32."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from textinsight.errors import ModelError
from textinsight.stages.embed import get_embedder
from textinsight.stages.embed.onnx_int8 import INT8_TAG, OnnxEmbedder, fp32_model_id
from textinsight.stages.sentiment import find_sentiment_model

TEXTS = [
    "My card payment was declined at the shop",
    "How do I change my PIN?",
    "The parcel arrived three days late and the box was damaged",
    "Staff at the checkout were rude and ignored me",
    "I was charged twice for the same purchase, please refund one",
    "The app crashes every time I try to log in with BankID",
    "Great service, the assistant found exactly what I needed",
    "Why is there a fee on my transfer to another country?",
    "Leveransen kom för sent och paketet var trasigt",
    "Kan jeg få pengene tilbage for en vare jeg har returneret?",
    "ok",
    "Where is my refund? I returned the jacket " * 8,
]


def test_without_onnxruntime_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    embedder = OnnxEmbedder(lambda: Path("unused"), "x" + INT8_TAG)
    with pytest.raises(ModelError, match=r"textinsight\[onnx\]"):
        embedder.encode(["late delivery"])


def test_int8_ids_map_back_to_fp32_ids_for_every_part() -> None:
    combined = f"combined(1*a{INT8_TAG},1*b{INT8_TAG}-centred-1234)"
    assert fp32_model_id(combined) == "combined(1*a,1*b-centred-1234)"
    assert fp32_model_id("plain") == "plain"


@pytest.mark.model
def test_minilm_int8_stays_within_cosine_099_of_fp32(tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime", reason="needs textinsight[onnx]")
    fp32, int8 = get_embedder("minilm"), get_embedder("minilm-int8", tmp_path)
    assert int8.model_id == fp32.model_id + INT8_TAG
    a, b = fp32.encode(TEXTS), int8.encode(TEXTS)
    assert b.shape == a.shape and b.dtype == np.float32
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    cosines = (a * b).sum(axis=1)
    assert cosines.mean() >= 0.99, cosines
    # review-length texts stay >= 0.99 (Banking77: min 0.993 over 500); a two-token
    # text like "ok" moves most (0.977), as every pooled token's error counts more
    assert cosines[[len(t) > 10 for t in TEXTS]].min() >= 0.99, cosines
    assert cosines.min() >= 0.97, cosines
    assert (tmp_path / "onnx-int8").is_dir()  # exported once, cached there
    again = get_embedder("minilm-int8", tmp_path).encode(TEXTS[:3])  # no second export
    # activations are quantised per batch, so a text's vector moves a little with the
    # texts that share its batch (the cache keeps the first one)
    assert (again * b[:3]).sum(axis=1).min() >= 0.99
    head = find_sentiment_model(int8.model_id)
    assert head is not None and head.embedder_id == fp32.model_id
