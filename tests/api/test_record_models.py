"""Response models derived from library records: fields, defaults, descriptions."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import pytest

from api.record_models import record_fields, record_model
from api.schemas import FeedbackOut, RunOut, SummaryOut
from textinsight.records import RunInfo
from textinsight.store.reads import AssignedFeedback


@dataclass(frozen=True)
class Sample:
    id: int
    name: str | None
    tags: list[str] = field(default_factory=list)
    score: float = 0.5


def test_a_model_takes_the_records_fields_types_and_defaults() -> None:
    Model = record_model("Model", Sample, descriptions={"score": "How good."})
    assert list(Model.model_fields) == ["id", "name", "tags", "score"]
    made = Model(id=1, name=None)
    assert (made.tags, made.score) == ([], 0.5)  # type: ignore[attr-defined]
    assert Model.model_fields["score"].description == "How good."
    assert Model.model_fields["id"].is_required()


def test_only_exclude_and_nullable() -> None:
    assert list(record_fields(Sample, exclude={"tags"})) == ["id", "name", "score"]
    nullable = record_model("Nullable", Sample, only=("score", "id"), nullable=True)
    assert list(nullable.model_fields) == ["score", "id"]
    assert nullable().model_dump() == {"score": None, "id": None}


def test_a_wrong_field_name_or_a_non_dataclass_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="no field nope"):
        record_fields(Sample, descriptions={"nope": "x"})
    with pytest.raises(TypeError, match="not a dataclass"):
        record_fields(int)


@pytest.mark.parametrize(
    ("model", "record", "extra"),
    [(RunOut, RunInfo, set()), (FeedbackOut, AssignedFeedback, set())],
)
def test_api_responses_carry_every_field_of_their_record(model, record, extra) -> None:
    assert set(model.model_fields) == {f.name for f in fields(record)} | extra


def test_the_summary_response_adds_run_fields_to_the_records_totals() -> None:
    assert {"run_id", "model_id", "finished_at", "top_themes", "n_feedback"} <= set(
        SummaryOut.model_fields
    )
    assert "run" not in SummaryOut.model_fields and "top" not in SummaryOut.model_fields
