"""Validated query arguments shared by the CLI and the API: feedback filters, page bounds.

Example:
    >>> feedback_filter(language=" SV ").language
    'sv'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from textinsight.errors import ValidationError
from textinsight.records import CHANNELS
from textinsight.store.reads import FeedbackFilter

__all__ = ["MAX_LIMIT", "check_page", "feedback_filter", "parse_metadata"]

MAX_LIMIT = 500
"""Largest page a list call returns."""


def check_page(limit: int, offset: int) -> None:
    """Raise ValidationError unless ``1 <= limit <= MAX_LIMIT`` and ``offset >= 0``."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"limit {limit} is out of range; use 1..{MAX_LIMIT}", field="limit")
    if offset < 0:
        raise ValidationError(f"offset {offset} is negative; use 0 or more", field="offset")


def feedback_filter(
    *,
    channel: str | None = None,
    language: str | None = None,
    segment: str | None = None,
    since: date | None = None,
    until: date | None = None,
    member: bool | None = None,
    store: str | None = None,
    metadata: Mapping[str, str] | None = None,
    text: str | None = None,
) -> FeedbackFilter:
    """Build a validated feedback filter; ``since`` and ``until`` are inclusive days, and
    an empty string means no condition. ``member``: members only (True) or non-members
    only (False); ``store``: one store id; ``metadata``: field -> value the feedback's
    metadata must hold; ``text``: words the text must contain (full-text search).

    Example:
        >>> feedback_filter(channel="review", until=date(2024, 5, 31)).before
        '2024-06-01'
    """
    channel, language, segment = channel or None, language or None, segment or None
    if channel is not None and channel not in CHANNELS:
        raise ValidationError(
            f"unknown channel '{channel}'; allowed: {', '.join(CHANNELS)}", field="channel"
        )
    if since is not None and until is not None and since > until:
        raise ValidationError(
            f"since {since} is after until {until}; swap them or widen the period",
            field="since",
        )
    before = None
    if until is not None and until < date.max:
        before = (until + timedelta(days=1)).isoformat()
    return FeedbackFilter(
        channel=channel,
        language=language.strip().lower() if language else None,
        segment=segment,
        since=since.isoformat() if since else None,
        before=before,
        member=member,
        store_id=store or None,
        metadata=tuple(sorted((str(k), str(v)) for k, v in (metadata or {}).items())),
        text=" ".join(text.split()) or None if text else None,
    )


def parse_metadata(pairs: Sequence[str]) -> dict[str, str]:
    """``["field:value", ...]`` -> ``{field: value}`` for :func:`feedback_filter`.

    Example:
        >>> parse_metadata(["order_ref:NH-1", "tier:a:b"])
        {'order_ref': 'NH-1', 'tier': 'a:b'}
    """
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition(":")
        if not sep or not key.strip():
            raise ValidationError(
                f"metadata filter '{pair}' is not field:value; write e.g. order_ref:NH-1",
                field="meta",
            )
        out[key.strip()] = value
    return out
