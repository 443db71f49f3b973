"""API fixtures: a small complete run built by hand once per session, copied per test,
and TestClients over it with read and write keys.

The run is made directly with ``store.runs.start/allocate_theme_ids/complete`` so the
API tests do not depend on clustering; ``test_pipeline_run.py`` covers a run made by
``run_pipeline``.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from textinsight.config import Settings
from textinsight.pipeline import embed_cached
from textinsight.records import Assignment, Customer, Feedback, Theme, ThemeValue
from textinsight.stages.embed import HashingEmbedder
from textinsight.store import Store

READ_KEY = "r-key-1-read-0123456789"
WRITE_KEY = "w-key-1-write-0123456789"
KEYS = f"{READ_KEY}:read,{WRITE_KEY}:write"
READ = {"X-API-Key": READ_KEY}
WRITE = {"X-API-Key": WRITE_KEY}
#: GET routes that read a complete run (409 before the first one).
RUN_GETS = [
    "/themes",
    "/themes/1",
    "/themes/1/feedback",
    "/themes/1/trend",
    "/search?q=late",
    "/summary",
]
ASSIGN_THRESHOLD = 0.45

TOPICS: dict[str, tuple[str, int, int]] = {
    # name: (vocabulary, items, rating of most items)
    "delivery": ("parcel delivery late courier tracking delayed shipping package arrived", 14, 1),
    "staff": ("staff rude cashier unfriendly employee impolite ignored manager", 10, 2),
    "app": ("app login password crash update error bankid account screen", 8, 5),
}
CHANNELS = ("review", "ticket", "survey", "social")
LANGUAGES = ("en", "sv", "no", "da")
NOISE = ("weather sunny today", "my dog likes walks", "football match tonight")
START = date(2024, 1, 1)


@dataclass(frozen=True)
class Built:
    """What the hand-made run contains."""

    run_id: int
    theme_ids: dict[str, int]
    sizes: dict[str, int]
    n_feedback: int
    n_unassigned: int


def topic_text(topic: str, rng: random.Random) -> str:
    return " ".join(rng.sample(TOPICS[topic][0].split(), 6))


def build_store(path: Path, *, seed: int = 0, values: dict[str, ThemeValue] | None = None) -> Built:
    """Ingest ~35 feedback rows on three topics plus noise and store a complete run
    (with ``values``: these value metrics for the named topics' themes)."""
    rng = random.Random(seed)
    rows: list[tuple[str | None, Feedback]] = []
    i = 0
    for topic, (_, n, rating) in TOPICS.items():
        for j in range(n):
            rows.append(
                (
                    topic,
                    Feedback(
                        text=topic_text(topic, rng),
                        channel=CHANNELS[i % len(CHANNELS)],
                        source_id=f"{topic}-{j}",
                        created_at=(START + timedelta(days=3 * i)).isoformat(),
                        customer_id=f"c{i % 6}",
                        language=LANGUAGES[i % len(LANGUAGES)],
                        rating=rating if j % 4 else 3,
                    ),
                )
            )
            i += 1
    for j, text in enumerate(NOISE):
        rows.append(
            (None, Feedback(text=text, channel="other", source_id=f"noise-{j}", language="en"))
        )
    with Store(path) as store:
        store.feedback.upsert([f for _, f in rows])
        store.customers.upsert_customers(
            [Customer(f"c{k}", segment="gold" if k < 2 else "silver") for k in range(6)]
        )
        stored = store.feedback.all()
        embedder = HashingEmbedder()
        vectors, n_embedded = embed_cached(
            store, embedder, [f.text for f in stored], [f.text_hash for f in stored]
        )
        topic_of = {f.source_id: t for t, f in rows}
        names = list(TOPICS)
        ids = store.runs.allocate_theme_ids(len(names))
        run_id = store.runs.start(seed=seed, model_id=embedder.model_id, params={"seed": seed})
        centroids = []
        themes = []
        members: dict[str, list[int]] = {}
        for name, theme_id in zip(names, ids, strict=True):
            idx = [k for k, f in enumerate(stored) if topic_of[f.source_id] == name]
            members[name] = idx
            centre = vectors[idx].mean(axis=0)
            centroids.append(centre / np.linalg.norm(centre))
            ratings = [stored[k].rating for k in idx]
            themes.append(
                Theme(
                    id=theme_id,
                    run_id=run_id,
                    label=f"{name} / {TOPICS[name][0].split()[0]}",
                    keywords=tuple(TOPICS[name][0].split()[:5]),
                    size=len(idx),
                    share=len(idx) / len(stored),
                    quotes=tuple(stored[k].text for k in idx[:3]),
                    languages=_count(stored[k].language for k in idx),
                    channels=_count(stored[k].channel for k in idx),
                    sentiment=float(np.mean([(r - 3) / 2 for r in ratings if r is not None])),
                    value=(values or {}).get(name),
                )
            )
        matrix = np.vstack(centroids).astype(np.float32)
        theme_of = {k: ids[names.index(n)] for n, idx in members.items() for k in idx}
        assignments = [
            Assignment(
                feedback_id=f.id,
                theme_id=theme_of.get(k),
                probability=float(max(vectors[k] @ matrix[names.index(topic_of[f.source_id])], 0))
                if k in theme_of
                else 0.0,
                sentiment=None if f.rating is None else (f.rating - 3) / 2,
            )
            for k, f in enumerate(stored)
        ]
        store.runs.complete(
            run_id,
            themes=themes,
            centroids=matrix,
            assignments=assignments,
            params={"seed": seed, "clusterer": {"assign_threshold": ASSIGN_THRESHOLD}},
            timings={"embed_s": 0.1},
            n_embedded=n_embedded,
            clusterer={"centroids": matrix, "offsets": {}, "threshold": ASSIGN_THRESHOLD},
        )
    return Built(
        run_id=run_id,
        theme_ids=dict(zip(names, ids, strict=True)),
        sizes={n: len(m) for n, m in members.items()},
        n_feedback=len(stored),
        n_unassigned=len(NOISE),
    )


def _count(values: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Built]:
    path = tmp_path_factory.mktemp("template") / "template.db"
    return path, build_store(path)


@pytest.fixture
def built(template: tuple[Path, Built]) -> Built:
    return template[1]


@pytest.fixture
def db_path(tmp_path: Path, template: tuple[Path, Built]) -> Path:
    """A private copy of the template store for one test."""
    path = tmp_path / "api.db"
    shutil.copy(template[0], path)
    return path


ClientFactory = Callable[..., TestClient]


@pytest.fixture
def make_client(db_path: Path) -> Iterator[ClientFactory]:
    """Build a started TestClient; keyword arguments override Settings fields."""
    with ExitStack() as stack:

        def make(**overrides: Any) -> TestClient:
            fields: dict[str, Any] = {"db": db_path, "model": "hashing", "api_keys": KEYS}
            fields.update(overrides)
            settings = Settings(**fields)
            app = create_app(settings)
            return stack.enter_context(TestClient(app))

        yield make


@pytest.fixture
def client(make_client: ClientFactory) -> TestClient:
    return make_client()
