"""Shared fixtures: a fresh store per test, a fast embedder, file writers."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from textinsight.records import Theme  # noqa: E402
from textinsight.stages.embed import HashingEmbedder  # noqa: E402
from textinsight.store import Store  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "test.db")
    yield s
    s.close()


@pytest.fixture
def embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    def write(rows: list[dict[str, Any]], name: str = "in.csv") -> Path:
        path = tmp_path / name
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        return path

    return write


@pytest.fixture
def write_jsonl(tmp_path: Path) -> Callable[..., Path]:
    def write(rows: list[dict[str, Any]], name: str = "in.jsonl") -> Path:
        path = tmp_path / name
        path.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
        return path

    return write


TOPICS = {
    "delivery": "parcel delivery late courier tracking delayed shipping package arrived week",
    "staff": "staff rude cashier unfriendly employee store impolite ignored manager help",
    "app": "app login password crash update error bankid account sign screen",
}


def topic_rows(n_per_topic: int = 30, seed: int = 0) -> list[dict[str, Any]]:
    """Feedback rows on three lexically distinct topics (sampled from each topic's words),
    so even the lexical hashing embedder separates them."""
    import random

    rng = random.Random(seed)
    rows = []
    for topic, vocabulary in TOPICS.items():
        words = vocabulary.split()
        for i in range(n_per_topic):
            text = " ".join(rng.sample(words, 6)).capitalize()
            rows.append(
                {
                    "source_id": f"{topic}-{i}",
                    "channel": "ticket",
                    "text": text,
                    "created_at": f"2026-0{1 + i % 6}-1{i % 10}",
                    "customer_id": f"c{i}",
                    "language": "en",
                    "rating": str(1 + i % 5),
                }
            )
    return rows


def make_theme(**fields: Any) -> Theme:
    """A minimal valid ``Theme``; keyword arguments override its fields."""
    defaults: dict[str, Any] = {
        "id": 1,
        "run_id": 1,
        "label": "x",
        "keywords": (),
        "size": 1,
        "share": 1.0,
        "quotes": (),
        "languages": {},
        "channels": {},
    }
    return Theme(**{**defaults, **fields})


def load_script(name: str) -> ModuleType:
    """Import ``scripts/<name>.py`` as the module ``name`` (registered in
    ``sys.modules``, as its dataclasses look their module up; ``scripts/`` on the path
    while it loads, for the scripts' imports of one another)."""
    scripts = Path(__file__).resolve().parent.parent / "scripts"
    sys.path.insert(0, str(scripts))
    try:
        spec = importlib.util.spec_from_file_location(name, scripts / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(scripts))
