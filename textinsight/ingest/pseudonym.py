"""Personal data outside the feedback text: pseudonymised identifiers, redacted extras.

``text`` is redacted by :func:`textinsight.ingest.redact.redact`; every other stored
string field is protected here, before anything is stored:

* **Identifiers** (``customer_id``, ``store_id``, ``source_id``) that hold personal
  data (an e-mail address, phone number, personnummer, ... as found by ``redact``)
  are replaced by a keyed hash, ``p:`` + the first 32 hex digits of
  HMAC-SHA256(key, identifier). The same identifier gives the same pseudonym in
  feedback, customers and purchases files, so joins still work; without the key a
  pseudonym cannot be traced back by hashing guessed e-mail addresses. Identifiers
  that hold no personal data (``c-42``, ``10023``) are kept as they are.
* **Free text** in extra columns and ``metadata`` (keys and string values, at any
  depth) is redacted like ``text``.

The key comes from ``TEXTINSIGHT_PSEUDONYM_KEY``; when it is unset, a random key is
created once per database and kept in it (see ``Store.database_secret``), which keeps
pseudonyms stable for that database but lets anyone holding the file test guesses:
set the key for real deployments, and keep it: a new key gives new pseudonyms.

Example:
    >>> p = Pseudonymiser(b"a key of at least sixteen bytes")
    >>> p.identifier("c-42")
    'c-42'
    >>> p.identifier("Anna.Svensson@gmail.com") == p.identifier("anna.svensson@gmail.com ")
    True
    >>> p.identifier("anna.svensson@gmail.com").startswith("p:")
    True
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from textinsight.ingest.redact import redact
from textinsight.records import Customer, Purchase

PREFIX = "p:"
IDENTIFIER_FIELDS = ("source_id", "customer_id", "store_id")
MIN_KEY_BYTES = 16


def is_personal(value: str) -> bool:
    """Whether an identifier holds personal data that ``redact`` would remove."""
    if value.startswith(PREFIX):
        return False
    return bool(redact(unicodedata.normalize("NFKC", value))[1])


def _canonical(value: str) -> str:
    """One spelling per identifier: NFKC, case-folded, no spaces (or dashes in numbers)."""
    value = "".join(unicodedata.normalize("NFKC", value).casefold().split())
    if "@" not in value:
        value = "".join(char for char in value if char not in "-–().")
    return value


class Pseudonymiser:
    """Replaces identifiers that are personal data by a keyed hash.

    Args:
        key: the secret (at least ``MIN_KEY_BYTES`` bytes).
    """

    def __init__(self, key: bytes):
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(
                f"the pseudonym key has {len(key)} bytes; use at least {MIN_KEY_BYTES}"
            )
        self._key = key

    @classmethod
    def ephemeral(cls) -> Pseudonymiser:
        """A pseudonymiser with a random key (pseudonyms differ between processes)."""
        return cls(secrets.token_bytes(32))

    def pseudonym(self, value: str) -> str:
        """The keyed hash of ``value``, whether or not it is personal data."""
        digest = hmac.new(self._key, _canonical(value).encode("utf-8"), hashlib.sha256)
        return PREFIX + digest.hexdigest()[:32]

    def identifier(self, value: str | None) -> str | None:
        """``value`` unchanged, or its pseudonym when it holds personal data."""
        if value is None or not is_personal(value):
            return value
        return self.pseudonym(value)

    def required(self, value: str) -> str:
        """:meth:`identifier` of a value that is never ``None``."""
        return value if not is_personal(value) else self.pseudonym(value)

    def lookup_keys(self, value: str) -> list[str]:
        """Every stored form ``value`` may have: itself and its pseudonym."""
        return list(dict.fromkeys([value, self.pseudonym(value)]))

    def customer(self, item: Customer, counts: dict[str, int]) -> Customer:
        """A customer with a protected id and a redacted segment."""
        segment = redact_value(item.segment, counts)
        return replace(item, customer_id=self.required(item.customer_id), segment=segment)

    def purchase(self, item: Purchase) -> Purchase:
        """A purchase with a protected customer id."""
        return replace(item, customer_id=self.required(item.customer_id))

    def feedback_fields(self, fields: dict[str, Any], counts: dict[str, int]) -> None:
        """Protect the identifiers and redact the metadata of validated fields, in place."""
        for name in IDENTIFIER_FIELDS:
            fields[name] = self.identifier(fields.get(name))
        if fields.get("metadata"):
            fields["metadata"] = redact_value(fields["metadata"], counts)


def redact_value(value: Any, counts: dict[str, int]) -> Any:
    """Redact every string in a JSON-like value (dict keys too); add hits to ``counts``."""
    if isinstance(value, str):
        text, found = redact(value)
        for kind, n in found.items():
            counts[kind] = counts.get(kind, 0) + n
        return text
    if isinstance(value, Mapping):
        return {redact_value(str(k), counts): redact_value(v, counts) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(v, counts) for v in value]
    return value


def key_bytes(secret: str) -> bytes:
    """The key of a configured secret string."""
    return secret.encode("utf-8")
