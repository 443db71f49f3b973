import random

import pytest

from tests.conftest import topic_rows
from textinsight.assign import assign_new
from textinsight.emerging import find_emerging
from textinsight.errors import NoRunError
from textinsight.pipeline import ingest_file, run_pipeline
from textinsight.records import Customer, Feedback
from textinsight.store import Store

NEW_TOPIC = "voucher giftcard expired balance redeem code coupon invalid bonus points"


def test_new_topic_in_the_unassigned_pool_is_reported(store: Store, embedder, write_csv) -> None:
    with pytest.raises(NoRunError):
        find_emerging(store, embedder)
    ingest_file(store, write_csv(topic_rows()))
    run_pipeline(store, embedder, seed=0)
    rng = random.Random(1)
    words = NEW_TOPIC.split()
    new = [
        Feedback(
            text=" ".join(rng.sample(words, 6)),
            channel="chat",
            source_id=f"n{i}",
            language="en",
            created_at=f"2026-07-{1 + i:02d}",
            customer_id=f"vip{i % 4}",
        )
        for i in range(24)
    ]
    store.customers.upsert_customers([Customer(f"vip{i}", value=10_000.0) for i in range(4)])
    assignments = assign_new(store, embedder, new)
    assert sum(a.theme_id is None for a in assignments) >= 20
    pool, found = find_emerging(store, embedder, min_size=5, window_days=7)
    assert pool >= 20
    top = found[0]
    assert len(set(" ".join(top.keywords).split()) & set(words)) >= 3
    assert top.size >= 10 and top.customers == 4 and top.value_total == 40_000.0
    assert top.recent > 0 and top.growth >= 1.0
