import numpy as np
import pytest

from textinsight.errors import ModelError
from textinsight.stages.embed import (
    EMBEDDERS,
    HashingEmbedder,
    choose_model,
    get_embedder,
)


def test_hashing_vectors_are_normalised_and_lexical() -> None:
    v = HashingEmbedder().encode(["late delivery", "delivery was late", "rude staff", ""])
    assert v.shape == (4, 256) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v[:3], axis=1), 1.0, rtol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2]


def test_unknown_model_lists_the_choices() -> None:
    with pytest.raises(ModelError, match="Available: .*minilm"):
        get_embedder("gpt-17")
    assert "minilm" in EMBEDDERS


@pytest.mark.model
def test_default_model_loads_offline_and_embeds_meaning() -> None:
    embedder = get_embedder("minilm")
    v = embedder.encode(
        ["my parcel arrived late", "the delivery was delayed", "the cashier was rude"]
    )
    assert v.shape == (3, 384)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.1


@pytest.mark.parametrize(
    ("languages", "expected"),
    [
        (["en"] * 99 + ["sv"], "minilm"),  # English but for stray items
        (["en"] * 98 + ["und"] * 30 + ["da", "no"], "minilm"),  # und is not counted
        (["en"] * 90 + ["sv"] * 10, "e5-small"),  # a tenth Nordic: cross-lingual model
        (["sv", "no", "da", "en"], "e5-small"),
        ([], "minilm"),
        (["en"] * 10 + ["und"] * 11, "e5-small"),  # mostly unknown: the multilingual model
        (["en"] * 10 + [None] * 10, "minilm"),
        (["fr"] * 100, "e5-small"),  # any non-English language, not only sv/no/da
        (["de"] * 50 + ["es"] * 50, "e5-small"),
        (["en"] * 90 + ["fi"] * 5 + ["pl"] * 5, "e5-small"),
        (["ja"] * 3 + ["und"] * 97, "e5-small"),  # und is not counted either way
        (["EN"] * 50 + ["en-GB"] * 49 + ["nl"], "minilm"),  # regional English is English
        (["en"] * 99 + [None, ""], "minilm"),  # a missing code is unknown
    ],
)
def test_choose_model_keeps_minilm_for_english_corpora_only(languages, expected) -> None:
    assert choose_model(languages) == expected
