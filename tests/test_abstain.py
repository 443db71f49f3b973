"""Held-out topics: ``assign`` abstains on them, ``emerging`` surfaces them, ``promote``
makes one a theme (issue 14), with the lexical test embedder on well-separated topics."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from textinsight.assign import assign_new, themes_for
from textinsight.emerging import find_emerging, promote
from textinsight.errors import NotFoundError
from textinsight.pipeline import embed_feedback, run_pipeline
from textinsight.records import Feedback, StoredFeedback
from textinsight.stability_report import theme_stability
from textinsight.stages.embed import HashingEmbedder
from textinsight.store import Store

KNOWN = {
    "delivery": "parcel delivery late courier tracking delayed shipping package arrived week",
    "staff": "staff rude cashier unfriendly employee store impolite ignored manager help",
    "app": "app login password crash update error bankid account sign screen",
    "refund": "refund money back returned item weeks waiting bank transfer still nothing",
}
HELD_OUT = {
    "parking": "parking lot full spaces car park fee garage entrance barrier ticket",
    "checkout": "self checkout scanner machine beeping barcode scale alarm attendant queue",
    "voucher": "voucher giftcard expired balance redeem code coupon invalid bonus points",
}


def _items(topics: dict[str, str], n: int, seed: int, tag: str) -> list[Feedback]:
    rng = random.Random(seed)
    out = []
    for topic, vocabulary in topics.items():
        words = vocabulary.split()
        for i in range(n):
            out.append(
                Feedback(
                    text=" ".join(rng.sample(words, 6)),
                    channel="chat",
                    source_id=f"{tag}-{topic}-{i}",
                    language="en",
                    created_at=f"2026-07-{1 + i % 28:02d}",
                    customer_id=f"{topic}-c{i % 7}",
                )
            )
    return out


def _topic(f: Feedback | StoredFeedback) -> str:
    return f.source_id.split("-")[1]


@pytest.fixture(scope="module", params=[0, 1])
def world(request, tmp_path_factory) -> tuple[Store, HashingEmbedder, dict[str, int]]:
    """A run over the known topics; returns the store, embedder and each known topic's
    theme (the theme holding most of its items)."""
    seed = request.param
    store = Store(tmp_path_factory.mktemp(f"abstain{seed}") / "t.db")
    embedder = HashingEmbedder()
    train = _items(KNOWN, 40, seed, "run")
    store.feedback.upsert(train)
    run_pipeline(store, embedder, seed=seed)
    run = store.runs.current()
    by_id = {f.id: f for f in store.feedback.all()}
    snapshot = store.runs.snapshot(run.id)
    own: dict[str, Counter[int]] = {}
    for feedback_id, index in snapshot.members.items():
        own.setdefault(_topic(by_id[feedback_id]), Counter())[snapshot.ids[index]] += 1
    return store, embedder, {t: c.most_common(1)[0][0] for t, c in own.items()}


def test_assign_abstains_on_held_out_topics_and_keeps_known_ones(world) -> None:
    store, embedder, own = world
    held = _items(HELD_OUT, 30, 7, "new")
    known = _items(KNOWN, 15, 8, "more")
    done = assign_new(store, embedder, held + known)
    held_result = done[: len(held)]
    known_result = done[len(held) :]
    unassigned = sum(a.theme_id is None for a in held_result) / len(held_result)
    assert unassigned >= 0.80
    right = sum(a.theme_id == own[_topic(f)] for f, a in zip(known, known_result, strict=True))
    assert right / len(known) >= 0.95


def test_the_runs_assigned_feedback_reassigns_to_its_own_theme(world) -> None:
    store, embedder, _ = world
    run = store.runs.current()
    members = store.runs.snapshot(run.id)
    assigned = [f for f in store.feedback.all() if f.id in members.members]
    vectors, _ = embed_feedback(store, embedder, assigned)
    themes, _ = themes_for(store, run, vectors, [f.language for f in assigned])
    expected = [members.ids[members.members[f.id]] for f in assigned]
    same = np.mean([a == b for a, b in zip(themes, expected, strict=True)])
    assert same >= 0.99


def test_emerging_reports_every_held_out_topic_and_promote_adds_it(world) -> None:
    store, embedder, _ = world
    held = _items(HELD_OUT, 30, 7, "new")
    assign_new(store, embedder, held)  # idempotent: the same items as above
    _, found = find_emerging(store, embedder, min_size=5)
    by_source = {f.id: f.source_id for f in store.feedback.all()}
    for topic in HELD_OUT:
        best = max(
            sum(1 for i in e.feedback_ids if by_source[i].split("-")[1] == topic) for e in found
        )
        assert best >= 0.7 * 30, topic
    for e in found:
        assert e.id and e.label and e.keywords and e.quotes and e.size >= 5
    with pytest.raises(NotFoundError, match="No emerging candidate"):
        promote(store, embedder, "ffffffff")
    run = store.runs.current()
    reference = len(store.runs.clusterer(run.id)[1]["reference"])
    target = found[0]
    theme = promote(store, embedder, target.id)
    assert theme.run_id == run.id and theme.size >= 0.9 * target.size
    after = store.runs.current()
    assert after.id == run.id and after.n_themes == (run.n_themes or 0) + 1
    theme_ids, state = store.runs.clusterer(run.id)
    assert theme_ids[-1] == theme.id and len(state["reference"]) == reference + target.size
    # later feedback on the promoted topic now goes to the promoted theme
    topic = Counter(by_source[i].split("-")[1] for i in target.feedback_ids).most_common(1)[0][0]
    later = assign_new(store, embedder, _items({topic: HELD_OUT[topic]}, 10, 99, "later"))
    assert sum(a.theme_id == theme.id for a in later) >= 9
    report = {r.theme_id: r for r in theme_stability(store)}
    assert report[theme.id].event == "promoted"
