"""The embed step sends large, length-sorted chunks to the embedder (issue #15)."""

from collections.abc import Sequence

import numpy as np

from textinsight.pipeline import EMBED_CHUNK, embed_cached
from textinsight.stages.embed import HashingEmbedder
from textinsight.store import Store


class _Recorder:
    """A hashing embedder that records the texts of every ``encode`` call."""

    def __init__(self) -> None:
        self.inner = HashingEmbedder(dim=8)
        self.model_id = self.inner.model_id
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return self.inner.encode(texts)


def test_texts_are_embedded_in_length_sorted_chunks_and_cached() -> None:
    texts = [f"text {'x' * (i * 7 % 23)} {i}" for i in range(250)]
    hashes = [f"h{i}" for i in range(250)]
    recorder = _Recorder()
    store = Store(":memory:")
    vectors, n_new = embed_cached(store, recorder, texts, hashes, batch_size=100)
    assert n_new == 250 and [len(c) for c in recorder.calls] == [100, 100, 50]
    lengths = [len(t) for call in recorder.calls for t in call]
    assert lengths == sorted(lengths, reverse=True)
    np.testing.assert_allclose(vectors, recorder.inner.encode(texts), atol=1e-3)
    again, n_again = embed_cached(store, recorder, texts, hashes)
    assert n_again == 0 and len(recorder.calls) == 3
    np.testing.assert_array_equal(again, vectors)  # fresh and cached vectors are the same


def test_the_default_chunk_is_large() -> None:
    assert EMBED_CHUNK >= 1024
