"""Themes that are not feedback: greetings, "nothing to add", tests, contests and spam.

An item is *not feedback* when its content terms (``Tokenizer``: spaCy tokens without
stop words and greetings) are all words that carry no opinion on their own
(``EMPTY_WORDS``: "nothing", "add", "ok", "test", "good", ... in sv/no/da/en), or
when it reads as a contest or giveaway (``CONTEST_WORDS``, or two of
``PROMOTION_WORDS``). A theme is ``noise`` when at least ``NOISE_SHARE`` of its
members are not feedback. Noise themes keep their place in the theme list but get no
impact and no pain-point/loyalty verdict, so that value rankings skip them.

Example:
    >>> noise_themes(["Inget att tillägga.", "ok", "Paketet kom aldrig"], ["sv"] * 3,
    ...              np.array([0, 0, 1]))
    {0: True, 1: False}
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from textinsight.stages.tokens import Tokenizer

#: Share of a theme's members that must be non-feedback for the theme to be noise.
NOISE_SHARE = 0.5

# Lemmas and surface forms (the lookup lemmatiser does not know every form).
# fmt: off
EMPTY_WORDS = frozenset({
    # nothing / no comment / nothing to add
    "nothing", "add", "comment", "comments", "none", "nope", "nah", "yes", "no", "n/a", "na",
    "inget", "ingenting", "inga", "ingen", "tillägga", "tillägg", "synpunkt", "synpunkter",
    "kommentar", "kommentarer", "nej", "ja", "intet", "tilføje", "tilføye", "tilføy",
    "nei", "ikke", "inte", "kommentere", "kommentera",
    # fine / good / all good, unexplained
    "good", "fine", "great", "nice", "bra", "godt", "god", "fint", "fin", "allt", "alt",
    "alright", "bueno",
    # testing, don't know
    "test", "testing", "testar", "testa", "teste", "tester", "know", "vet", "veit", "ved",
    "idk", "dunno", "vete", "vite", "greit", "vel", "väl",
    # contact details left with no message ("call me on <PHONE> if you have questions")
    "call", "ring", "phone", "email", "mail", "mejl", "når", "reach", "question",
    "questions", "spørgsmål", "spørsmål", "fråga", "frågor", "<redacted>", "nå", "fange",
    "hvis", "svara", "ställe", "gärna", "veta", "godte",
    # greetings and thanks (stop words for the four core languages, not for others)
    "hi", "hello", "hey", "thanks", "thank", "hej", "hei", "hallo", "tack", "takk", "tak",
})
CONTEST_WORDS = frozenset({
    "giveaway", "giveaways", "contest", "sweepstake", "sweepstakes", "raffle",
    "lottery", "tävling", "tävlingen", "utlottning", "konkurranse", "konkurransen",
    "konkurrence", "konkurrencen", "lodtrækning", "trekning",
})
PROMOTION_WORDS = frozenset({
    "win", "winner", "prize", "competition", "follow", "retweet", "share", "tag", "subscribe",
    "click",
    "vinn", "vinna", "vinne", "vind", "vinde", "följ", "følg", "dela", "del",
})
# fmt: on


def not_feedback(texts: Sequence[str], languages: Sequence[str | None]) -> np.ndarray:
    """Boolean per text: it is not feedback (see the module docstring)."""
    terms = Tokenizer().tokenize(texts, languages)
    out = np.zeros(len(texts), dtype=bool)
    for i, words in enumerate(terms):
        found = {w.lower() for w in words}
        empty = not found - EMPTY_WORDS
        contest = bool(found & CONTEST_WORDS) or len(found & PROMOTION_WORDS) >= 2
        out[i] = empty or contest
    return out


def noise_themes(
    texts: Sequence[str],
    languages: Sequence[str | None],
    labels: np.ndarray,
    *,
    share: float = NOISE_SHARE,
) -> dict[int, bool]:
    """Theme label -> whether the theme is noise (``labels`` -1: unassigned, skipped)."""
    labels = np.asarray(labels)
    k = int(labels.max()) + 1 if labels.size else 0
    flags = not_feedback(texts, languages)
    out: dict[int, bool] = {}
    for label in range(k):
        members = labels == label
        out[label] = bool(members.any() and flags[members].mean() >= share)
    return out
