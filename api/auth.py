"""API keys with ``read`` and ``write`` scopes, sent in the ``X-API-Key`` header.

Keys come from ``TEXTINSIGHT_API_KEYS`` as comma-separated ``key:scope`` pairs, e.g.
``TEXTINSIGHT_API_KEYS='dash-7f3a:read,ingest-91c2:write'``. ``write`` implies
``read``. There is no default key: with none configured every protected route
answers 401 and says how to configure one.
"""

from __future__ import annotations

import hmac
from enum import StrEnum
from functools import lru_cache

from fastapi import HTTPException, status

from textinsight.config import parse_key_pairs

HEADER = "X-API-Key"


class Scope(StrEnum):
    """What a key may do; ``write`` includes ``read``."""

    READ = "read"
    WRITE = "write"

    def allows(self, needed: Scope) -> bool:
        """Whether a key of this scope may do what ``needed`` requires."""
        return self is Scope.WRITE or needed is Scope.READ


@lru_cache(maxsize=8)
def parse_api_keys(value: str) -> dict[str, Scope]:
    """Parse ``key:scope`` pairs (``config.parse_key_pairs``); ConfigError names a bad one.

    Example:
        >>> parse_api_keys("dashboard-7f3a9c41:read, ingest-91c2d4e5f6:write")
        {'dashboard-7f3a9c41': <Scope.READ: 'read'>, 'ingest-91c2d4e5f6': <Scope.WRITE: 'write'>}
    """
    return {key: Scope(scope) for key, scope in parse_key_pairs(value).items()}


def check_key(configured: str, sent: str | None, needed: Scope) -> Scope:
    """Return the scope of ``sent``; raise 401 (no or unknown key) or 403 (wrong scope)."""
    keys = parse_api_keys(configured)
    challenge = {"WWW-Authenticate": "APIKey"}
    if not keys:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "No API keys are configured on this server, so no request can be authorised. "
            "Set TEXTINSIGHT_API_KEYS to comma-separated key:scope pairs (scope read or "
            "write), e.g. TEXTINSIGHT_API_KEYS='k1:read,k2:write', and restart the server.",
            headers=challenge,
        )
    if not sent:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"Missing API key: send it in the {HEADER} header.",
            headers=challenge,
        )
    sent_bytes = sent.encode("utf-8", "surrogateescape")
    scope = next(
        (s for k, s in keys.items() if hmac.compare_digest(k.encode("utf-8"), sent_bytes)), None
    )
    if scope is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"Unknown API key in the {HEADER} header; use a key from TEXTINSIGHT_API_KEYS.",
            headers=challenge,
        )
    if not scope.allows(needed):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"This API key has scope '{scope}', but this route needs '{needed}'. "
            f"Use a key with scope '{needed}'.",
        )
    return scope
