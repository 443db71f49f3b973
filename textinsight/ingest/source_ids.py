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
from typing import Any

MAX_LISTED = 20


class SourceIds:
    """Derives ids and tracks the keys seen in one file (or one API batch)."""

    def __init__(self) -> None:
        self._derived: dict[bytes, int] = {}
        # keyed by "channel NUL source_id": strings, unlike tuples, are not tracked by
        # the garbage collector, whose full passes over a million keys cost more than
        # the ingest itself
        self._given: dict[str, int] = {}
        self.duplicates: list[str] = []
        self.n_duplicates = 0
        self._log: list[list[Any]] = []

    def derive(
        self, channel: str, text: str, customer_id: str | None, created_at: str | None
    ) -> str:
        """The source id of a row that has none."""
        material = f"{channel}\x00{text}"
        if customer_id is not None:
            material += f"\x00customer={customer_id}"
        if created_at is not None:
            material += f"\x00date={created_at}"
        digest = hashlib.sha256(material.encode("utf-8")).hexdigest()
        key = bytes.fromhex(digest[:24])
        self._log.append([digest[:24]])
        seen = self._derived.get(key, 0)
        self._derived[key] = seen + 1
        return f"h:{digest[:20]}" if seen == 0 else f"h:{digest[:20]}-{seen + 1}"

    def given(self, channel: str, source_id: str, line: int) -> None:
        """Note a given ``source_id``; report it when this file already had it."""
        self._log.append([channel, source_id, line])
        first = self._given.setdefault(f"{channel}\x00{source_id}", line)
        if first != line:
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
        for entry in log:
            if len(entry) == 1:
                key = bytes.fromhex(entry[0])
                self._derived[key] = self._derived.get(key, 0) + 1
            else:
                self.given(entry[0], entry[1], entry[2])
        self._log = []
