"""Shared fixtures: a fresh store per test, a fast embedder, file writers."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from textinsight.embed import HashingEmbedder  # noqa: E402
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
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                        encoding="utf-8")
        return path

    return write


TOPICS = {
    "delivery": [
        "My parcel arrived two weeks late and the delivery tracking never updated",
        "Leveransen var sen igen, paketet kom en vecka efter utlovat datum",
        "Pakken kom for sent, levering tok over to uker",
        "Late delivery again, courier did not show up, parcel delayed",
        "The delivery was delayed and the parcel tracking was wrong",
    ],
    "staff": [
        "The staff in the store were rude and unhelpful at the checkout",
        "Personalen i butiken var otrevlig och ohjälpsam",
        "Rude cashier, unfriendly staff member ignored me in store",
        "Staff were impolite and rude when I asked for help",
        "Unhelpful rude store staff, the employee was dismissive",
    ],
    "app": [
        "I cannot log in to the app, login fails with an error every time",
        "Appen kraschar när jag försöker logga in med BankID",
        "App login broken after the update, password reset does not work",
        "The app keeps logging me out and login with BankID fails",
        "Login error in the mobile app, cannot sign in to my account",
    ],
}


def topic_rows(n_per_topic: int = 30) -> list[dict[str, Any]]:
    """Feedback rows on three clear topics, with light variation."""
    rows = []
    for topic, texts in TOPICS.items():
        for i in range(n_per_topic):
            text = texts[i % len(texts)] + ("" if i < len(texts) else f" (case {i})")
            rows.append({"source_id": f"{topic}-{i}", "channel": "ticket", "text": text,
                         "created_at": f"2026-0{1 + i % 6}-1{i % 10}", "customer_id": f"c{i}",
                         "rating": str(1 + i % 5)})
    return rows
