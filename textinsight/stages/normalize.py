"""Text as it really arrives, made fit to embed and to describe.

Social posts and exported tickets carry things that say nothing about what the
customer meant: ``@handles`` (on airline tweets a theme would otherwise form around
each airline's handle), links, ``#hashtags`` glued into one word, HTML entities
(``&amp;``) and runs of whitespace. ``normalize_text`` removes or unfolds them before
embedding and labelling; the stored text is never changed (quotes show it, only with
its HTML entities decoded: ``display_text``).

Example:
    >>> normalize_text("@SkyAir thanks &amp; #NeverAgain https://t.co/x1")
    'thanks & Never Again'
"""

from __future__ import annotations

import html
import re

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w@])@\w+")
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
_CAMEL = re.compile(r"(?<=[a-zåäöæø])(?=[A-ZÅÄÖÆØ])")
_RETWEET = re.compile(r"^\s*RT\b:?\s*")
_MARKERS = re.compile(r"[@#&]|https?://|www\.|^\s*RT\b", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\s*\n\s*")


def _hashtag(match: re.Match[str]) -> str:
    word = match.group(1).replace("_", " ")
    return _CAMEL.sub(" ", word)


def display_text(text: str) -> str:
    """The stored text with HTML entities decoded (``&amp;`` -> ``&``), for quotes."""
    return html.unescape(text) if "&" in text else text


def normalize_text(text: str) -> str:
    """``text`` as it is embedded and described.

    HTML entities decoded, links and ``@mentions`` removed, ``#hashtags`` unfolded into
    words (``#NeverAgain`` -> ``Never Again``), a leading ``RT`` dropped, and then the
    whitespace around what was removed collapsed. A text with none of these comes back
    unchanged (so its cached vector stays valid); one that would be left empty keeps
    its mentions, so that every item still has something to embed.
    """
    if not _MARKERS.search(text):
        return text
    decoded = display_text(text)
    cleaned = _URL.sub(" ", decoded)
    cleaned = _MENTION.sub(" ", cleaned)
    cleaned = _HASHTAG.sub(_hashtag, cleaned)
    cleaned = _RETWEET.sub("", cleaned)
    cleaned = _tidy(cleaned)
    if not any(ch.isalnum() for ch in cleaned):
        return decoded
    return cleaned


def _tidy(text: str) -> str:
    text = _SPACES.sub(" ", text)
    text = _BLANK_LINES.sub("\n", text)
    text = re.sub(r"\s+([,.!?;:])", r"\1", text)
    return text.strip(" \n,;:")
