"""ingest.load reads files into records without a store."""

from __future__ import annotations

import pytest

from textinsight.errors import RowErrors
from textinsight.ingest.load import ReadTally, read_records
from textinsight.records import Customer, Feedback


def test_feedback_is_read_in_chunks_of_redacted_records(write_csv) -> None:
    rows = [{"text": f"call me at +46 70 123 45 {i:02d}", "language": "sv"} for i in range(5)]
    tally = ReadTally()
    chunks = list(read_records(write_csv(rows), channel="chat", chunk_size=2, tally=tally))
    assert [n for n, _ in chunks] == [2, 2, 1]
    items = [f for _, chunk in chunks for f in chunk]
    assert all(isinstance(f, Feedback) and f.channel == "chat" for f in items)
    assert all("+46" not in f.text for f in items) and tally.redactions == {"phone": 5}
    assert tally.read == 5 and tally.n_errors == 0


def test_an_invalid_row_stops_the_records_and_fails_at_the_end(write_csv) -> None:
    rows = [{"text": t, "rating": r} for t, r in [("a", "1"), ("b", "9"), ("c", "2"), ("d", "")]]
    chunks = []
    with pytest.raises(RowErrors, match="line 3"):
        for chunk in read_records(write_csv(rows), chunk_size=2):
            chunks.append(chunk)
    assert chunks == [(2, []), (2, [])]  # every row checked, nothing handed on to write


def test_skip_invalid_keeps_the_valid_records(write_csv) -> None:
    rows = [{"customer_id": "c1", "value": "10"}, {"customer_id": "c2", "value": "lots"}]
    tally = ReadTally()
    (chunk,) = read_records(write_csv(rows), "customers", skip_invalid=True, tally=tally)
    assert chunk == (2, [Customer("c1", value=10.0)]) and tally.n_errors == 1
