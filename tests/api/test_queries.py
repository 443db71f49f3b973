"""The library side of the API, called directly: textinsight.queries, filters, summary and
store.reads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.api.conftest import Built
from textinsight import filters, queries, semantic
from textinsight.errors import ModelError, NoRunError, ValidationError
from textinsight.stages.embed import HashingEmbedder, embedder_for_model
from textinsight.store import Store
from textinsight.summary import summary, summary_csv


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with Store(db_path) as s:
        yield s


def test_feedback_filter_bounds_and_validation() -> None:
    f = filters.feedback_filter(since=date(2024, 5, 1), until=date(2024, 5, 31), language=" SV ")
    assert (f.since, f.before, f.language) == ("2024-05-01", "2024-06-01", "sv")
    assert f.active and not filters.feedback_filter().active
    assert not filters.feedback_filter(channel="", language="", segment="").active
    assert filters.feedback_filter(until=date.max).before is None
    with pytest.raises(ValidationError, match="allowed: ticket"):
        filters.feedback_filter(channel="fax")
    with pytest.raises(ValidationError, match="after until"):
        filters.feedback_filter(since=date(2024, 2, 1), until=date(2024, 1, 1))


def test_list_themes_validates_its_arguments(store: Store) -> None:
    with pytest.raises(ValidationError, match="sort key"):
        queries.list_themes(store, sort="loudness")
    with pytest.raises(ValidationError, match="limit"):
        queries.list_themes(store, limit=501)
    with pytest.raises(ValidationError, match="offset"):
        queries.list_themes(store, offset=-1)


def test_no_run_raises_no_run_error(tmp_path: Path) -> None:
    with Store(tmp_path / "empty.db") as empty:
        with pytest.raises(NoRunError):
            queries.list_themes(empty)
        with pytest.raises(NoRunError):
            summary(empty)
        assert queries.list_runs(empty).total == 0


def test_search_needs_the_runs_model(store: Store) -> None:
    class Other(HashingEmbedder):
        def __init__(self) -> None:
            super().__init__(dim=64)

    with pytest.raises(ModelError, match="hashing-256"):
        semantic.search(store, Other(), "late")
    result = semantic.search(store, HashingEmbedder(), "late courier parcel", k=3)
    assert len(result.hits) == 3 and result.hits[0].score >= result.hits[-1].score


def test_vector_index_is_loaded_once_per_run_and_stamp(store: Store, built: Built) -> None:
    cache = semantic.VectorIndexCache()
    run = store.runs.current()
    first = cache.get(store, run)
    assert cache.get(store, run) is first
    assert first.matrix.shape == (built.n_feedback, 256) and len(first.ids) == built.n_feedback


def test_embedder_for_model() -> None:
    assert embedder_for_model("hashing-256").model_id == "hashing-256"
    with pytest.raises(ModelError, match="Available|known"):
        embedder_for_model("nope")


def test_summary_csv_has_one_row_per_top_theme(store: Store) -> None:
    text = summary_csv(summary(store, top=2))
    lines = text.splitlines()
    assert lines[0].startswith("run_id,rank,theme_id,label") and len(lines) == 3
    with pytest.raises(ValidationError):
        summary(store, top=0)


def test_assignment_totals(store: Store, built: Built) -> None:
    total, assigned = store.reads.assignment_totals(built.run_id)
    assert (total, total - assigned) == (built.n_feedback, built.n_unassigned)
