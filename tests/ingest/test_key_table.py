"""The compact key table behind source-id tracking (#15): the same answers as a dict,
at 16 bytes a key."""

from __future__ import annotations

import random

from textinsight.ingest.key_table import KeyTable
from textinsight.ingest.source_ids import SourceIds


def test_first_values_and_counts_match_a_dict_over_many_batches() -> None:
    rng = random.Random(0)
    table, counts = KeyTable(), KeyTable()
    first: dict[int, int] = {}
    seen: dict[int, int] = {}
    value = 0
    for _ in range(300):
        keys = [
            rng.randrange(5_000) * 0x9E3779B97F4A7C15 % 2**64 for _ in range(rng.randint(0, 60))
        ]
        values = list(range(value, value + len(keys)))
        value += len(keys)
        expected_first = [first.setdefault(k, v) for k, v in zip(keys, values, strict=True)]
        expected_count = []
        for k in keys:
            expected_count.append(seen.get(k, 0))
            seen[k] = seen.get(k, 0) + 1
        assert table.first_values(keys, values).tolist() == expected_first
        assert counts.count(keys).tolist() == expected_count
    assert len(table) == len(first) and len(counts) == len(seen)
    assert len(table._runs) <= 12  # merged as it grows


def test_a_large_file_s_source_ids_take_16_bytes_each() -> None:
    ids = SourceIds()
    for start in range(0, 200_000, 2_000):
        ids.given_many([("ticket", f"s{i}", i) for i in range(start, start + 2_000)])
        ids.take_log()
    ids.given_many([("ticket", "s5", 999_999)])
    assert ids._given.nbytes == 16 * 200_000
    assert ids.n_duplicates == 1 and "repeats line 5" in ids.duplicates[0]
