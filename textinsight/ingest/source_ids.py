"""Source ids that keep distinct rows distinct, and duplicates inside one file reported.

A row without ``source_id`` gets one derived from its channel, redacted text and,
when present, its (pseudonymised) customer and date: four customers who each wrote
"Fin levering" are four items, not one. Rows identical in all of these get ``-2``,
``-3``, ... by their order in the file, so re-ingesting an unchanged file updates
nothing and adds nothing. A row with neither customer nor date keeps the id older
versions derived (a hash of channel and text).

A ``source_id`` given twice in one file is reported (the later row wins, as before,
but no longer silently).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from textinsight.ingest.key_table import KeyTable, key_of

MAX_LISTED = 20

Derivable = tuple[str, str, str | None, str | None]
"""What a derived source id is made of: (channel, text, customer_id, created_at)."""


class SourceIds:
    """Derives ids and tracks the keys seen in one file (or one API batch).

    The keys are kept as 64-bit hashes in :class:`KeyTable` (16 bytes a key, so a
    million-row file's ids take 16 MB, not ~170 MB of strings); the batch methods
    (:meth:`derive_many`, :meth:`given_many`) are the fast way in.
    """

    def __init__(self) -> None:
        self._derived = KeyTable()  # derived key -> times seen
        self._given = KeyTable()  # hash of "channel NUL source_id" -> first line
        self.duplicates: list[str] = []
        self.n_duplicates = 0
        self._log: list[list[Any]] = []

    def derive(
        self, channel: str, text: str, customer_id: str | None, created_at: str | None
    ) -> str:
        """The source id of a row that has none."""
        return self.derive_many([(channel, text, customer_id, created_at)])[0]

    def derive_many(self, rows: Sequence[Derivable]) -> list[str]:
        """The source ids of rows that have none, in order (see :meth:`derive`)."""
        digests = [_digest(*row) for row in rows]
        self._log.extend([d[:24]] for d in digests)
        seen = self._derived.count([int(d[:16], 16) for d in digests])
        return [
            f"h:{d[:20]}" if n == 0 else f"h:{d[:20]}-{n + 1}"
            for d, n in zip(digests, seen.tolist(), strict=True)
        ]

    def given(self, channel: str, source_id: str, line: int) -> None:
        """Note a given ``source_id``; report it when this file already had it."""
        self.given_many([(channel, source_id, line)])

    def given_many(self, rows: Sequence[tuple[str, str, int]]) -> None:
        """Note given source ids ``(channel, source_id, line)`` in file order; report
        each one this file already had."""
        if not rows:
            return
        self._log.extend([channel, source_id, line] for channel, source_id, line in rows)
        keys = [key_of(f"{channel}\x00{source_id}") for channel, source_id, _ in rows]
        firsts = self._given.first_values(keys, [line for _, _, line in rows])
        for (channel, source_id, line), first in zip(rows, firsts.tolist(), strict=True):
            if first == line:
                continue
            self.n_duplicates += 1
            if len(self.duplicates) < MAX_LISTED:
                self.duplicates.append(
                    f"line {line}: source_id '{source_id}' (channel {channel}) repeats line "
                    f"{first}; the later row replaces it. Give each row its own source_id."
                )

    def take_log(self) -> list[list[Any]]:
        """What this object noted since the last call, as JSON-ready lists (for
        :meth:`replay`: a resumed ingest rebuilds its state from the logs)."""
        log, self._log = self._log, []
        return log

    def replay(self, log: list[list[Any]]) -> None:
        """Note again what :meth:`take_log` returned, as if those rows were read now."""
        derived = [int(entry[0][:16], 16) for entry in log if len(entry) == 1]
        self._derived.count(derived)
        self.given_many([(e[0], e[1], e[2]) for e in log if len(e) != 1])
        self._log = []


def _digest(channel: str, text: str, customer_id: str | None, created_at: str | None) -> str:
    material = f"{channel}\x00{text}"
    if customer_id is not None:
        material += f"\x00customer={customer_id}"
    if created_at is not None:
        material += f"\x00date={created_at}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()
