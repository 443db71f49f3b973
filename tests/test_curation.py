"""Curation: rename, merge, hide by stable id, kept in later runs, with history."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.api.conftest import build_store
from textinsight import curation
from textinsight.errors import ValidationError
from textinsight.slices import curated_themes, theme_ids_of
from textinsight.store import Store
from textinsight.store.curation import CurationEntry


@pytest.fixture
def built_store(tmp_path: Path):
    path = tmp_path / "c.db"
    built = build_store(path)
    with Store(path) as store:
        yield store, built


def rerun(store: Store, *, drop: int | None = None) -> int:
    """A new complete run with the same theme ids (as lineage keeps them), labels as
    the describer would give them again, optionally without theme ``drop``."""
    old = store.runs.current()
    themes = [t for t in store.runs.themes(old.id) if t.id != drop]
    ids, centroids = store.runs.centroids(old.id)
    keep = [i for i, theme_id in enumerate(ids) if theme_id != drop]
    by_id = {t.id: t for t in themes}
    rows = store.db.execute(
        "SELECT feedback_id, theme_id, probability, sentiment FROM assignments WHERE run_id = ?",
        [old.id],
    ).fetchall()
    from textinsight.records import Assignment

    run_id = store.runs.start(seed=0, model_id=old.model_id, params={})
    store.runs.complete(
        run_id,
        themes=[by_id[ids[i]] for i in keep],
        centroids=np.asarray(centroids)[keep],
        assignments=[Assignment(f, None if t == drop else t, p, s) for f, t, p, s in rows],
        params={},
        timings={},
        n_embedded=0,
    )
    return run_id


def test_rename_survives_a_rerun_and_is_logged(built_store) -> None:
    store, built = built_store
    theme = built.theme_ids["delivery"]
    curation.rename(store, theme, "  Late   deliveries ")
    rerun(store)
    run = store.runs.current()
    labels = {t.id: t.label for t in curated_themes(store, run)}
    assert labels[theme] == "Late deliveries"
    curation.rename(store, theme, "")
    assert {t.id: t.label for t in curated_themes(store, run)}[theme].startswith("delivery")
    assert [c.action for c in curation.history(store, theme)] == ["rename", "rename"]


def test_merge_counts_the_source_with_the_target_in_later_runs(built_store) -> None:
    store, built = built_store
    delivery, staff = built.theme_ids["delivery"], built.theme_ids["staff"]
    curation.merge(store, staff, delivery)
    rerun(store)
    run = store.runs.current()
    themes = {t.id: t for t in curated_themes(store, run)}
    assert staff not in themes
    assert themes[delivery].size == built.sizes["delivery"] + built.sizes["staff"]
    assert set(themes[delivery].keywords) >= {"staff", "rude"}
    assert theme_ids_of(store, run, delivery) == [delivery, staff]
    # a later run without the target: the source is listed on its own again
    rerun(store, drop=delivery)
    themes = {t.id: t for t in curated_themes(store, store.runs.current())}
    assert themes[staff].size == built.sizes["staff"]


def test_merge_refuses_itself_and_cycles(built_store) -> None:
    store, built = built_store
    a, b = built.theme_ids["delivery"], built.theme_ids["staff"]
    with pytest.raises(ValidationError, match="into itself"):
        curation.merge(store, a, a)
    curation.merge(store, a, b)
    with pytest.raises(ValidationError, match="cycle"):
        curation.merge(store, b, a)
    curation.unmerge(store, a)
    curation.merge(store, b, a)  # allowed once undone


def test_hide_and_unhide(built_store) -> None:
    store, built = built_store
    theme = built.theme_ids["app"]
    curation.hide(store, theme)
    run = store.runs.current()
    assert theme not in {t.id for t in curated_themes(store, run)}
    assert theme in {t.id for t in curated_themes(store, run, include_hidden=True)}
    curation.unhide(store, theme)
    assert theme in {t.id for t in curated_themes(store, run)}


def test_label_length_is_checked(built_store) -> None:
    store, built = built_store
    with pytest.raises(ValidationError, match="at most 200"):
        curation.rename(store, built.theme_ids["app"], "x" * 201)


def test_merge_map_resolves_chains_to_the_last_present_theme() -> None:
    c = {
        1: CurationEntry(1, merged_into=2),
        2: CurationEntry(2, merged_into=3),
        4: CurationEntry(4, merged_into=9),
    }
    assert curation.merge_map(c, [1, 2, 3, 4]) == {1: 3, 2: 3}
    assert curation.merge_map(c, [1, 2]) == {1: 2}
    assert curation.merge_map(c, [1]) == {}
