"""A compact table of 64-bit keys seen so far, for the source ids of a million-row file.

A Python dict of a million string or bytes keys costs 100-170 bytes a key (issue #15:
peak RSS +21% from 100k to 1M rows, all of it the file's source ids). :class:`KeyTable`
keeps 16 bytes a key: sorted numpy runs of keys and values, looked up a batch at a time
with ``searchsorted``. Each batch adds one run; runs are merged whenever the newest is
at least half the size of the one before (a binary counter), so there are at most
~log2(N / batch) runs and every key is merged O(log N) times.

Keys are hashes (:func:`key_of`); two distinct inputs share a 64-bit key with
probability ~n²/2^65 (3e-8 at a million keys).
"""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt

Keys = npt.NDArray[np.uint64]
Values = npt.NDArray[np.int64]


def key_of(text: str) -> int:
    """The 64-bit key of ``text`` (BLAKE2b, 8 bytes)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


class KeyTable:
    """Keys seen so far, each with an int64 value: its first value, or its count.

    Example:
        >>> table = KeyTable()
        >>> table.first_values([7, 8, 7], [1, 2, 3]).tolist()
        [1, 2, 1]
        >>> table.count([5, 5]).tolist(), table.count([5]).tolist()
        ([0, 1], [2])
    """

    def __init__(self) -> None:
        self._runs: list[tuple[Keys, Values]] = []

    def __len__(self) -> int:
        return sum(len(keys) for keys, _ in self._runs)

    @property
    def nbytes(self) -> int:
        """Bytes the keys and values take."""
        return sum(keys.nbytes + values.nbytes for keys, values in self._runs)

    def first_values(self, keys: object, values: object) -> Values:
        """For each key, the value it came with the first time (in an earlier call or
        earlier in this one); keys new to the table are stored with theirs."""
        k = np.asarray(keys, dtype=np.uint64)
        v = np.asarray(values, dtype=np.int64)
        uniq, first, inverse = np.unique(k, return_index=True, return_inverse=True)
        stored = v[first]
        run, pos = self._locate(uniq)
        for r, (_, run_values) in enumerate(self._runs):
            mine = run == r
            stored[mine] = run_values[pos[mine]]
        self._add(uniq[run < 0], stored[run < 0])
        return stored[inverse]

    def count(self, keys: object) -> Values:
        """For each key, how often it was counted before (in earlier calls and earlier
        in this one); then counts every key of this call."""
        k = np.asarray(keys, dtype=np.uint64)
        uniq, inverse, counts = np.unique(k, return_inverse=True, return_counts=True)
        base = np.zeros(len(uniq), dtype=np.int64)
        run, pos = self._locate(uniq)
        for r, (_, run_values) in enumerate(self._runs):
            mine = run == r
            base[mine] = run_values[pos[mine]]
            run_values[pos[mine]] += counts[mine]
        self._add(uniq[run < 0], counts[run < 0].astype(np.int64))
        # rank of each occurrence among the equal keys of this call, in call order
        order = np.argsort(inverse, kind="stable")
        starts = np.cumsum(counts) - counts
        rank = np.empty(len(k), dtype=np.int64)
        rank[order] = np.arange(len(k)) - starts[inverse[order]]
        return base[inverse] + rank

    def _locate(self, keys: Keys) -> tuple[Values, Values]:
        """(run index or -1, position in that run) of each of the sorted unique ``keys``."""
        run = np.full(len(keys), -1, dtype=np.int64)
        pos = np.zeros(len(keys), dtype=np.int64)
        for r, (run_keys, _) in enumerate(self._runs):
            at = np.minimum(np.searchsorted(run_keys, keys), len(run_keys) - 1)
            hit = run_keys[at] == keys
            run[hit] = r
            pos[hit] = at[hit]
        return run, pos

    def _add(self, keys: Keys, values: Values) -> None:
        """Append a run of new sorted ``keys``; merge runs of similar size."""
        if not len(keys):
            return
        self._runs.append((keys, values))
        while len(self._runs) > 1 and len(self._runs[-2][0]) <= 2 * len(self._runs[-1][0]):
            (k2, v2), (k1, v1) = self._runs.pop(), self._runs.pop()
            merged = np.concatenate([k1, k2])
            order = np.argsort(merged, kind="stable")
            self._runs.append((merged[order], np.concatenate([v1, v2])[order]))
