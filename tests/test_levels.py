"""Two levels in a run: categories over themes, stored, exported, stable across runs."""

import json
from dataclasses import replace

import numpy as np
import pytest

from tests.conftest import topic_rows
from textinsight import queries
from textinsight.pipeline import ingest_file, run_pipeline
from textinsight.records import ThemeValue
from textinsight.run_levels import without_noise
from textinsight.store import Store


@pytest.fixture
def loaded(store: Store, write_csv) -> Store:
    ingest_file(store, write_csv(topic_rows()))
    return store


def test_run_stores_categories_with_labels_sizes_and_values(loaded: Store, embedder) -> None:
    info = run_pipeline(loaded, embedder, seed=0)
    themes = loaded.runs.themes(info.id)
    categories = loaded.categories.all(info.id)
    assert 1 <= len(categories) <= len(themes)
    assert {t.parent_id for t in themes} == {c.id for c in categories}
    assert not {t.id for t in themes} & {c.id for c in categories}
    for category in categories:
        children = [t for t in themes if t.parent_id == category.id]
        assert category.size == sum(t.size for t in children)
        assert category.label and category.keywords and category.quotes
        assert category.parent_id is None and category.value is not None
        assert category.sentiment is not None
    listing = queries.list_themes(loaded, level="category", sort="size")
    assert [r.theme.id for r in listing.page.items] == [c.id for c in categories]
    exported = list(loaded.runs.export(info.id))
    parent = {t.id: t.parent_id for t in themes}
    assert all(r.category_id == parent[r.theme_id] for r in exported if r.theme_id is not None)


def test_category_ids_survive_a_rerun_through_lineage(loaded: Store, embedder) -> None:
    first = run_pipeline(loaded, embedder, seed=0)
    second = run_pipeline(loaded, embedder, seed=0)
    ids = lambda run: sorted(c.id for c in loaded.categories.all(run.id))  # noqa: E731
    assert ids(first) == ids(second)
    assert {e.kind for e in loaded.categories.lineage(second.id)} == {"same"}


def test_noise_themes_get_no_impact_or_verdict() -> None:
    value = ThemeValue(feedback_count=5, customers=5, kind="pain_point", impact=10.0)
    out = without_noise({0: value, 1: value}, {0: True, 1: False})
    assert out[0] == replace(value, kind="neutral", impact=None, significant=False)
    assert out[1] == value


def test_unknown_level_is_refused(loaded: Store, embedder) -> None:
    run_pipeline(loaded, embedder, seed=0)
    with pytest.raises(Exception, match="unknown level"):
        queries.list_themes(loaded, level="area")


def test_social_mentions_do_not_reach_the_embedder(store: Store, write_csv) -> None:
    seen: list[str] = []

    class Spy:
        model_id = "spy"

        def encode(self, texts):
            seen.extend(texts)
            return np.ones((len(texts), 4), dtype=np.float32)

    rows = topic_rows(n_per_topic=3)
    rows[0]["text"] = "@SkyAir " + rows[0]["text"] + " &amp; https://t.co/x"
    ingest_file(store, write_csv(rows))
    info = run_pipeline(store, Spy(), seed=0)
    assert len(store.reads.run_vectors(info.id, "spy")[0]) == len(rows)  # found by text_hash
    assert not any("@SkyAir" in t or "http" in t or "&amp;" in t for t in seen)
    assert store.feedback.all()[0].text.startswith("@SkyAir")


def test_forgetting_a_customer_clears_category_quotes_in_their_displayed_form(
    store: Store, write_csv, embedder
) -> None:
    from textinsight.erasure import forget_customer

    key, email = "k" * 32, "anna.svensson@gmail.com"
    rows = topic_rows()
    rows[0]["customer_id"] = email
    rows[0]["text"] = rows[0]["text"] + " fish &amp; chips"
    ingest_file(store, write_csv(rows), pseudonym_key=key)
    run = run_pipeline(store, embedder, seed=0)
    shown = rows[0]["text"].replace("&amp;", "&")
    store.db.execute(
        "UPDATE categories SET quotes = ? WHERE run_id = ?", [json.dumps([shown]), run.id]
    )
    store.db.conn.commit()
    assert forget_customer(store, email, key).quotes >= 1
    assert all(shown not in c.quotes for c in store.categories.all(run.id))
