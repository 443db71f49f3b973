"""A cheap first pass of language detection: function words that settle the obvious texts.

lingua scores every candidate language's n-gram models for every text (about 1,000
texts/s on two cores for review-length texts with the 23 candidate languages), so
detection set the speed of an ingest without a ``language`` column. Most feedback
needs none of that: a text of ten words with "the", "and" and "you" in it and no
letter outside ASCII is English, and one with "och", "inte" and "jag" is Swedish.
:func:`quick_languages` decides such texts from words that belong to one candidate
language only, and leaves every other text to lingua:

- **English**: at least :data:`MIN_HITS` English marker words, making up at least
  :data:`MIN_SHARE` of the words, every letter ASCII, and no marker word of any
  other language.
- **Swedish / Norwegian / Danish**: at least :data:`MIN_HITS` Scandinavian marker
  words, at least one of them exclusive to the decided language, none exclusive to
  the two others, no English or foreign marker, and no letter the language does
  not use (ä/ö are not Norwegian or Danish, æ/ø not Swedish).
- **Scandinavian, but which one is unclear** (only words Norwegian and Danish share,
  or exclusive words of two of them): :data:`NORDIC`, which
  ``ingest.language`` settles with lingua restricted to the configured languages,
  as it already does for short texts (four times faster than the full set).
  A text with å or ø (letters no other candidate language writes) and no letter
  outside the Scandinavian alphabet is :data:`NORDIC` too, even with English marker
  words or without any marker (English stays among the configured languages), unless
  it holds as many foreign marker words as Scandinavian ones: tweets and review
  sentences with few function words ("Grensekryssing på fjellet i går.") no longer
  pay for the full detector. Only letters are checked: emoji, ``#`` or ``[LINK]``
  do not send a text to lingua.

Marker words were chosen so that none is a common word of another candidate
language (``to`` is Norwegian and Danish for "two", ``is`` Dutch, ``me`` Spanish,
``for`` and ``have`` Danish), and the foreign lists only veto: a text with "und",
"het" or "que" goes to lingua however English it otherwise looks. Measured with
``scripts/bench_language.py`` (docs/scale.md): accuracy within half a point of lingua
alone on every set.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

NORDIC = "nordic"
"""A Scandinavian text that the marker words cannot place in sv, no or da."""

MIN_HITS = 3
"""Marker words a text needs before the first pass decides it."""

MIN_ENGLISH_HITS = 2
"""English marker words an English text needs (with :data:`MIN_SHARE`)."""

MIN_SHARE = 0.25
"""The least share of an English text's words that are English words of either list."""

_WORDS = re.compile(r"[^\W\d_]+")


def _words(words: str) -> frozenset[str]:
    return frozenset(words.split())


_NON_ASCII = re.compile(r"[^\x00-\x7f]")

ENGLISH = _words(
    "the and you your yours with this that these those what how why when where which who "
    "would could should there they their them been from about please not are can cannot "
    "don didn doesn isn wasn won just get got still does did had has our out but very some "
    "any because want wanted need needed already only again it "
    "ordered order received never nothing anything something every thank thanks"
)
SWEDISH = _words(
    "och inte jag är att hade vill hur vad när där här från till ett mycket också "
    "någon något inga varför sedan varit måste tack sämsta fick mina även bättre "
    "sämre"
)
NORWEGIAN = _words(
    "ikkje eg meg deg seg hva noe noen etter mye ble blitt veldig kva korleis fikk hadde "
    "sånn enn dere litt vært gjør gjøre aldri"
)
DANISH = _words("hvad noget nogen meget ud fået havde lidt været rigtig købt gør gøre jer")
NORWEGIAN_DANISH = _words(
    "ikke jeg og til også hvorfor bare være hvis vil kun fordi hvordan skal hvor"
)
"""Words Norwegian and Danish share (and Swedish does not use)."""

FOREIGN = _words(
    # de
    "und ich nicht das ist ein eine auf sie wir zu von auch noch aber wie sehr wurde "
    "habe haben kein keine dass bei nach zum zur "
    # fr
    "le la les est je une un des que qui pour avec ce il nous vous mais très au ne "
    # es, pt, it
    "los las por una con para muy pero está estoy yo como não você é della che sono ho gli "
    "di molto "
    # nl
    "het een niet ik ook zijn voor maar wel heb naar bij geen mijn "
    # fi, et, pl, is
    "että mutta olen oli minä ole tämä hyvä kiitos myös vain niin ning aga kui väga siis "
    "nie się jest że jak już czy był ekki ég að það við þetta eru mjög"
)
"""Common words of the other detected languages: any one sends the text to lingua."""

ENGLISH_TOO = _words(
    "i my me is to for in on of a an was have will do so be we am at as by no if or up all "
    "one new use"
)
"""Common English words that are also words of another candidate language: they count
towards :data:`MIN_SHARE` but not towards :data:`MIN_HITS`, and veto nothing."""

# Swedish and Danish share mig/dig/sig/efter/blev; they count for Danish only with a
# Danish-or-Norwegian word beside them, and never against Swedish.
_SHARED_SV_DA = _words("mig dig sig efter blev")
_NOT_SWEDISH = frozenset("æø")
_NORDIC_LETTERS = frozenset("åæø")
_ARING_OSLASH = frozenset("åø")
_NORDIC_ALPHABET = frozenset("abcdefghijklmnopqrstuvwxyzåäöæøé")
"""The letters a Scandinavian text may hold (other characters do not count)."""
_NOT_NORWEGIAN_DANISH = frozenset("äö")


def quick_languages(texts: Sequence[str], candidates: frozenset[str]) -> list[str | None]:
    """The first pass over ``texts``: a language code, :data:`NORDIC`, or None (ask lingua).

    Args:
        texts: the texts (already redacted).
        candidates: the languages the detector may answer; a code outside them is
            never returned (the text is left to lingua).

    Example:
        >>> quick_languages(["Where is my card? I ordered it two weeks ago and still "
        ...                  "nothing."], frozenset({"en", "sv"}))
        ['en']
    """
    return [_one(text, candidates) for text in texts]


def _one(text: str, candidates: frozenset[str]) -> str | None:
    words = _WORDS.findall(text.lower())
    if len(words) < MIN_HITS:
        return None
    en = en_too = sv = no = da = shared = sv_da = foreign = 0
    for word in words:
        if word in ENGLISH:
            en += 1
        elif word in ENGLISH_TOO:
            en_too += 1
        elif word in FOREIGN:
            foreign += 1
        elif word in SWEDISH:
            sv += 1
        elif word in NORWEGIAN_DANISH:
            shared += 1
        elif word in _SHARED_SV_DA:
            sv_da += 1
        elif word in NORWEGIAN:
            no += 1
        elif word in DANISH:
            da += 1
    nordic = sv + no + da + shared + sv_da
    letters = set(text.lower())  # characters; only letters matter below
    nordic_script = not any(c.isalpha() for c in letters - _NORDIC_ALPHABET)
    if foreign or en:
        # å/ø: only sv/no/da among the candidates write them
        if letters & _ARING_OSLASH and nordic_script and foreign < max(nordic, 1):
            return _allowed(NORDIC, candidates)
        if foreign or nordic or en < MIN_ENGLISH_HITS or en + en_too < MIN_SHARE * len(words):
            return None
        return None if _non_ascii_letter(text) else _allowed("en", candidates)
    if nordic < MIN_HITS:
        likely = nordic >= 2 or letters & _ARING_OSLASH or (nordic and letters & _NORDIC_LETTERS)
        return _allowed(NORDIC, candidates) if likely and nordic_script else None
    if sv and not (no or da or shared):
        return None if letters & _NOT_SWEDISH else _allowed("sv", candidates)
    if sv or letters & _NOT_NORWEGIAN_DANISH:
        return _allowed(NORDIC, candidates)
    if no and not (da or sv_da):
        return _allowed("no", candidates)
    if (da or sv_da) and not no and shared:
        return _allowed("da", candidates)
    return _allowed(NORDIC, candidates)


def _non_ascii_letter(text: str) -> bool:
    return any(c.isalpha() for c in _NON_ASCII.findall(text))


def _allowed(code: str, candidates: frozenset[str]) -> str | None:
    if code == NORDIC:
        return NORDIC if {"sv", "no", "da"} <= candidates else None
    return code if code in candidates else None
