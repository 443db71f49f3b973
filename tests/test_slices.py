"""Filtered slices recompute every metric; periods and comparisons."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np

from tests.api.conftest import build_store
from textinsight import exports
from textinsight.filters import feedback_filter
from textinsight.records import Customer
from textinsight.slices import compare, curated_themes, previous_period
from textinsight.store import Store
from textinsight.store.reads import FeedbackFilter
from textinsight.value import compute_theme_values


def test_slice_metrics_equal_a_fresh_computation_on_the_slice(tmp_path: Path) -> None:
    built = build_store(tmp_path / "s.db")
    with Store(tmp_path / "s.db") as store:
        store.customers.upsert_customers(
            [Customer(f"c{k}", segment="gold" if k < 2 else "silver", is_member=k % 2 == 0,
                      value=100.0 * (k + 1)) for k in range(6)]
        )  # fmt: skip
        run = store.runs.current()
        where = feedback_filter(member=True, since=date(2024, 1, 20))
        rows = store.reads.slice_rows(run.id, where)
        assert rows and all(int(r[0].customer_id[1:]) % 2 == 0 for r in rows)
        labels = np.array([-1 if r[1] is None else r[1] for r in rows])
        expected = compute_theme_values(
            [r[0] for r in rows], labels, [r[2] for r in rows], store.customers.all_customers(), []
        )
        themes = curated_themes(store, run, where)
        assert themes
        for theme in themes:
            mine = [r for r in rows if r[1] == theme.id]
            assert theme.size == len(mine) and abs(theme.share - len(mine) / len(rows)) < 1e-12
            scored = [r[2] for r in mine if r[2] is not None]
            assert theme.sentiment == (np.mean(scored) if scored else None)
            assert sum(theme.channels.values()) == theme.size
        # the run has no value metrics stored, so the slice reports none either
        assert all(t.value is None for t in themes) and set(expected) >= {t.id for t in themes}
        assert built.n_feedback > len(rows)


def test_previous_period_is_as_long_as_the_period() -> None:
    where = feedback_filter(since=date(2024, 3, 1), until=date(2024, 3, 31), channel="review")
    previous, current = previous_period(where, ["2024-01-01", "2024-06-30"])
    assert (current.since, current.before) == ("2024-03-01", "2024-04-01")
    assert (previous.since, previous.before) == ("2024-01-30", "2024-03-01")
    assert previous.channel == "review"
    previous, current = previous_period(FeedbackFilter(), ["2024-01-01", "2024-06-30"])
    assert (current.since, current.before) == ("2024-06-03", "2024-07-01")


def test_compare_of_a_slice_with_itself_finds_nothing(tmp_path: Path) -> None:
    build_store(tmp_path / "s.db")
    with Store(tmp_path / "s.db") as store:
        run = store.runs.current()
        where = feedback_filter(segment="gold")
        found = compare(store, run, where, replace(where))
        assert found and not any(c.significant for c in found)
        assert all(c.change == 0 and c.direction == "same" for c in found)


def test_exports_are_flat_and_complete(tmp_path: Path) -> None:
    built = build_store(tmp_path / "s.db")
    with Store(tmp_path / "s.db") as store:
        run = store.runs.current()
        columns, rows = exports.table(store, "feedback", run, FeedbackFilter())
        assert len(rows) == built.n_feedback and columns[: len(exports.FEEDBACK_COLUMNS)] == list(
            exports.FEEDBACK_COLUMNS
        )
        assert sum(1 for r in rows if r["theme_id"] is None) == built.n_unassigned
        columns, rows = exports.table(store, "themes", run, FeedbackFilter())
        assert "churn_lift_ci_low" in columns and "phase_activation" in columns
        text = exports.to_csv(columns, rows)
        assert text.splitlines()[0] == ",".join(columns) and len(text.splitlines()) == 4
        if not exports.parquet_available():
            import pytest

            from textinsight.errors import ConfigError

            with pytest.raises(ConfigError, match="pyarrow"):
                exports.to_parquet(columns, rows)
