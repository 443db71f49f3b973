"""The action ledger service: actions follow their theme through lineage."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import make_theme
from textinsight.actions import add_action, follow_theme, list_actions
from textinsight.errors import NotFoundError, ValidationError
from textinsight.lineage import LineageEvent
from textinsight.store import Store


def _run(store: Store, ids: list[int], events: list[LineageEvent], previous: int | None) -> int:
    run_id = store.runs.start(seed=0, model_id="m", params={})
    store.runs.complete(
        run_id,
        themes=[make_theme(id=i, run_id=run_id, label=f"t{i}") for i in ids],
        centroids=np.eye(len(ids), 4, dtype=np.float32),
        assignments=[],
        params={},
        timings={},
        n_embedded=0,
        lineage=events,
        previous_run_id=previous,
    )
    return run_id


def test_actions_follow_kept_merged_and_split_themes(store: Store) -> None:
    first = _run(store, [1, 2, 3], [LineageEvent("new", i, ()) for i in (1, 2, 3)], None)
    action = add_action(store, theme_id=1, date="2026-09-01", note="courier")
    split = add_action(store, theme_id=3, date="2026-09-01")
    retired = add_action(store, theme_id=2, date="2026-09-01", channels=["ticket"])
    assert [a.id for a in list_actions(store)] == [action.id, split.id, retired.id]
    second = _run(
        store,
        [4, 3, 5],
        [
            LineageEvent("merged", 4, (1, 9), 0.9),  # 1 merged into 4
            LineageEvent("same", 3, (3,), 0.95),  # 3 kept its id ...
            LineageEvent("split", 5, (3,), 0.5),  # ... and gave part of itself to 5
            LineageEvent("retired", None, (2,), 0.2),
        ],
        first,
    )
    assert follow_theme(store, action, second) == (4,)
    assert follow_theme(store, split, second) == (3, 5)
    assert follow_theme(store, retired, second) == ()
    assert follow_theme(store, action, first) == (1,)
    third = _run(store, [4, 3, 5], [LineageEvent("same", i, (i,), 1.0) for i in (4, 3, 5)], second)
    assert follow_theme(store, action, third) == (4,)


def test_add_action_checks_its_input(store: Store) -> None:
    _run(store, [1], [LineageEvent("new", 1, ())], None)
    with pytest.raises(NotFoundError, match="No theme 7"):
        add_action(store, theme_id=7, date="2026-09-01")
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        add_action(store, theme_id=1, date="01/09/2026")
    with pytest.raises(ValidationError, match="unknown channel 'fax'"):
        add_action(store, theme_id=1, date="2026-09-01", channels=["fax"])
    with pytest.raises(ValidationError, match="no data has segment 'gold'"):
        add_action(store, theme_id=1, date="2026-09-01", segments=["gold"])


def _categorised_run(
    store: Store, parents: dict[int, int], events: list[LineageEvent], previous: int | None
) -> int:
    """A run whose themes (keys) sit in categories (values), with category lineage."""
    run_id = store.runs.start(seed=0, model_id="m", params={})
    categories = sorted(set(parents.values()))
    store.runs.complete(
        run_id,
        themes=[make_theme(id=t, run_id=run_id, parent_id=c) for t, c in parents.items()],
        centroids=np.eye(len(parents), 4, dtype=np.float32),
        assignments=[],
        params={},
        timings={},
        n_embedded=0,
        lineage=[LineageEvent("same", t, (t,)) for t in parents],
        previous_run_id=previous,
        categories=[make_theme(id=c, run_id=run_id) for c in categories],
        category_centroids=np.eye(len(categories), 4, dtype=np.float32),
        category_lineage=events,
    )
    return run_id


def test_actions_on_categories_follow_the_category_lineage(store: Store) -> None:
    first = _categorised_run(
        store, {1: 10, 2: 10, 3: 20}, [LineageEvent("new", c, ()) for c in (10, 20)], None
    )
    action = add_action(store, category_id=10, date="2026-09-01", note="returns policy")
    assert action.level == "category" and action.theme_id == 10
    assert action.target == "category 10"
    assert follow_theme(store, action, first) == (10,)
    second = _categorised_run(
        store,
        {1: 30, 2: 30, 3: 20},
        [LineageEvent("merged", 30, (10, 40), 0.9), LineageEvent("same", 20, (20,), 1.0)],
        first,
    )
    assert follow_theme(store, action, second) == (30,)  # the category's lineage, not a theme's
    assert list_actions(store)[0].level == "category"
    with pytest.raises(NotFoundError, match="No category 99"):
        add_action(store, category_id=99, date="2026-09-01")
    with pytest.raises(NotFoundError, match="No theme 10"):
        add_action(store, theme_id=10, date="2026-09-01")  # a category id is not a theme
    with pytest.raises(ValidationError, match="either a theme or a category"):
        add_action(store, theme_id=1, category_id=30, date="2026-09-01")
    with pytest.raises(ValidationError, match="neither"):
        add_action(store, date="2026-09-01")
