"""Offline language detection with lingua: the configured languages plus common others.

The detector chooses among the configured languages (``TEXTINSIGHT_LANGUAGES``) and
a fixed set of other languages (:data:`OTHER_LANGUAGES`), so a German or French
corpus is reported as ``de`` or ``fr`` rather than forced into the nearest configured
language (restricted to sv/no/da/en, German came out ``sv`` or ``und``, Finnish
``no``, French, Spanish and Dutch ``en``). Codes are ISO 639-1; Norwegian Bokmål
and Nynorsk are reported together as ``no`` (their confidences summed). When the
confidence of the best language (see below) is under ``min_confidence``, or the text
has no letters, it is ``und``.

Measured with ``scripts/bench_language.py`` (400 texts sampled per set, threshold
0.4, configured sv/no/da/en; accuracy % / ``und`` %), restricted to the configured
languages (``others=()``, the behaviour before) and with :data:`OTHER_LANGUAGES`:

======================  ===========  ===========
set                     restricted   with others
======================  ===========  ===========
Banking77 en            97.2 / 2.2   97.2 / 2.2
NoReC no                94.2 / 2.8   93.8 / 3.0
AngryTweets da          92.2 / 1.0   92.2 / 1.0
XED sv                  81.0 / 4.2   81.0 / 4.2
XED no                  94.5 / 3.0   94.0 / 3.2
XED da                  62.0 / 5.2   61.8 / 5.2
hand-written de/fr/es   0 / 17       100 / 0
hand-written fi/nl      0 / 20       100 / 0
hand-written it/pt/pl   0 / 11       100 / 0
texts/s (2 shared CPUs) 10,200       3,500
======================  ===========  ===========

(1,500 per set: within 0.4 points of restricted everywhere.) Two rules keep the
configured languages' accuracy. The confidence of the best language is its share of
itself plus the configured languages, so the other languages do not dilute it (plain
lingua confidences over all languages made XED no 24% ``und`` instead of 3%). And a
text of fewer than :data:`MIN_WORDS_FOR_OTHER` words chooses among the configured
languages when one of them is possible. Languages outside the detector get the
nearest one it knows (Turkish ``nl``, Vietnamese ``fr``), which still counts as
non-English for ``embed.choose_model``. Lingua's low-accuracy mode is not used: it
cost 9–19 points on Norwegian (NoReC, XED no).

Speed (issue #15): lingua reads about 1,000 review-length texts/s on two cores, so an
ingest without a ``language`` column ran at ~430 rows/s. Now a text goes to lingua only
when it must: texts seen before come from a cache; a first pass over function words
(``ingest.quick_language``) settles the obvious en/sv/no/da texts; Scandinavian texts it
cannot place go to lingua restricted to the configured languages (4× faster), the rest
to the full detector; lingua reads at most :data:`MAX_DETECT_CHARS` characters. With
``scripts/bench_language.py --per-set 1500`` (accuracy % / ``und`` %):

======================  ============  ============
set                     lingua only   first pass
======================  ============  ============
Banking77 en            97.7 / 1.9    98.3 / 1.3
NoReC no                93.4 / 2.5    93.4 / 2.5
AngryTweets da          91.4 / 0.5    91.4 / 0.5
XED sv                  83.7 / 5.6    84.0 / 5.5
XED no                  93.3 / 2.9    93.3 / 2.9
XED da                  58.2 / 5.7    60.0 / 5.6
hand-written (7 langs)  100 / 0       100 / 0
======================  ============  ============

The first pass settles 72% of Banking77 (1,077 of 1,080 right), 8–29% of the short
Scandinavian sentences and 99% of review-length English feedback.

Memory (issue #15): every model of the detector's languages is loaded when the
detector is built (``with_preloaded_language_models``: ~3 CPU-seconds, ~420 MB for the
default 25 languages), not when a text first needs it. Loaded lazily, the models of
rarely needed languages and n-gram orders came in late (a 1M-row ingest grew by
~90 MB after 480,000 rows), so an ingest's memory depended on the file's length.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from textinsight.config import Settings
from textinsight.errors import ConfigError
from textinsight.ingest.memory import release_free_memory
from textinsight.ingest.quick_language import NORDIC, quick_languages
from textinsight.records import UNDETERMINED

NORWEGIAN = (Language.BOKMAL, Language.NYNORSK)

SUPPORTED: dict[str, tuple[Language, ...]] = {
    "no": NORWEGIAN,
    **{
        lang.iso_code_639_1.name.lower(): (lang,)
        for lang in sorted(Language.all(), key=lambda lang: lang.iso_code_639_1.name)
        if lang not in NORWEGIAN
    },
}
"""Every language lingua knows, by ISO 639-1 code (Bokmål and Nynorsk as ``no``)."""

OTHER_LANGUAGES: tuple[str, ...] = (
    # Latin script: the large European languages and the Nordic/Baltic neighbours.
    *("de", "fr", "es", "it", "nl", "pt", "fi", "pl", "is", "et"),
    # Other scripts: told apart from the configured languages by script alone.
    *("ru", "uk", "el", "ar", "fa", "he", "hi", "th", "zh", "ja", "ko"),
)
"""Languages detected on top of the configured ones.

Every Latin-script language added slows detection (lingua scores each one; 10 of them
take it from 10,200 to 3,500 texts/s) and may take short Scandinavian texts, so these
are the ten most likely in Nordic customer feedback besides sv/no/da/en: the large
EU languages, the Nordic and Baltic neighbours (fi, is, et) and Polish (Poles are the largest
immigrant group in Norway). Adding tr, so, lt and lv
cost another 20% of speed. Languages in other scripts cost almost nothing (lingua
rules out the Latin ones by script) and cannot take Latin-script texts."""

MIN_WORDS_FOR_OTHER = 3
"""Texts of fewer words choose among the configured languages where one is possible.

One- and two-word texts are too short to tell a configured language from a similar
other one: lingua finds "Nej!" and "Hej." Polish, "- Ja?" Estonian, "Halla?" Finnish.
A text in a script no configured language uses (Cyrillic, Arabic, CJK, ...) still
gets its own language however short it is."""
_WORD_RE = re.compile(r"[^\W\d_]+")

MAX_DETECT_CHARS = 300
"""lingua reads at most this many characters of a text (cut at a space): time grows
with length, and a longer text rarely changes the answer."""

CACHE_SIZE = 100_000
"""Distinct texts an identifier remembers (cleared when full): repeated short
feedback ("Bra", "Thanks!") is detected once."""

_CODE = {lang: code for code, langs in SUPPORTED.items() for lang in langs}


@lru_cache(maxsize=8)
def _detector(codes: tuple[str, ...], others: tuple[str, ...]) -> LanguageDetector:
    for given, fix in ((codes, "Fix TEXTINSIGHT_LANGUAGES."), (others, "Fix `others`.")):
        unknown = [c for c in given if c not in SUPPORTED]
        if unknown:
            raise ConfigError(
                f"Unsupported language code(s) {unknown}; supported (ISO 639-1): "
                f"{', '.join(sorted(SUPPORTED))}. {fix}"
            )
    languages = list(dict.fromkeys(lang for c in (*codes, *others) for lang in SUPPORTED[c]))
    if len(languages) < 2:
        languages.append(
            Language.ENGLISH if Language.ENGLISH not in languages else Language.SWEDISH
        )
    builder = LanguageDetectorBuilder.from_languages(*languages)
    detector = builder.with_preloaded_language_models().build()
    release_free_memory()  # what parsing the models left behind (~90-120 MB)
    return detector


class LanguageIdentifier:
    """Detects the language of short feedback texts.

    Args:
        codes: the languages in use, e.g. ``("sv", "no", "da", "en")``.
        min_confidence: below this the answer is ``und``.
        others: languages detected besides ``codes``; ``()`` restricts the choice to
            ``codes`` (every text is then one of them or ``und``).
        first_pass: settle the obvious texts by their function words before lingua
            (``ingest.quick_language``); off: lingua reads every text.

    Example:
        >>> LanguageIdentifier().detect(["Die Lieferung kam drei Tage zu spät."])
        ['de']
    """

    def __init__(
        self,
        codes: Sequence[str] = ("sv", "no", "da", "en"),
        min_confidence: float = 0.4,
        others: Sequence[str] = OTHER_LANGUAGES,
        first_pass: bool = True,
    ):
        self.codes = tuple(codes)
        self.min_confidence = min_confidence
        self.others = tuple(others)
        self.first_pass = first_pass
        self._candidates = frozenset((*self.codes, *self.others))
        self._cache: dict[str, str] = {}

    def __repr__(self) -> str:
        return (
            f"LanguageIdentifier(codes={self.codes!r}, min_confidence={self.min_confidence!r}, "
            f"others={self.others!r}, first_pass={self.first_pass!r})"
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> LanguageIdentifier:
        """The detector for the configured languages and confidence."""
        return cls(settings.language_codes, settings.min_language_confidence)

    def detect(self, texts: Sequence[str]) -> list[str]:
        """Return one language code per text (``und`` when unsure or no letters).

        Texts seen before (by this identifier) come from a cache; the others go
        through the first pass of ``ingest.quick_language``, and what it leaves goes
        to lingua: Scandinavian texts it could not place restricted to the
        configured languages, the rest with every candidate language. Texts are
        cut to their first :data:`MAX_DETECT_CHARS` characters for lingua.

        Raises:
            ConfigError: a code is not an ISO 639-1 code lingua supports.
        """
        if not texts:
            return []
        detector = _detector(self.codes, self.others)
        cache = self._cache
        todo = list(dict.fromkeys(t for t in texts if t not in cache))
        if todo:
            if len(cache) + len(todo) > CACHE_SIZE:  # start afresh, keeping this call's
                keep = {t: cache[t] for t in texts if t in cache}
                cache.clear()
                cache.update(keep)
            quick = (
                quick_languages(todo, self._candidates) if self.first_pass else [None] * len(todo)
            )
            if not {"sv", "no", "da"} <= set(self.codes):  # no restricted choice to make
                quick = [None if q == NORDIC else q for q in quick]
            found = dict(zip(todo, quick, strict=True))
            found.update(self._lingua(detector, [t for t in todo if found[t] is None]))
            nordic = [t for t in todo if found[t] == NORDIC]
            found.update(self._lingua(_detector(self.codes, ()), nordic))
            cache.update((t, code or UNDETERMINED) for t, code in found.items())
        return [cache[t] for t in texts]

    def _lingua(self, detector: LanguageDetector, texts: list[str]) -> dict[str, str]:
        """lingua's answer for each text, with the rules in the module docstring."""
        if not texts:
            return {}
        clipped = [_clip(t) for t in texts]
        results = detector.compute_language_confidence_values_in_parallel(clipped)
        configured = set(self.codes)
        codes: dict[str, str] = {}
        for text, values in zip(texts, results, strict=True):
            scores: dict[str, float] = {}
            for value in values:
                code = _CODE[value.language]
                scores[code] = scores.get(code, 0.0) + value.value
            if not scores or not any(c.isalpha() for c in text):
                codes[text] = UNDETERMINED
                continue
            mine = {code: s for code, s in scores.items() if code in configured and s > 0}
            if mine and len(_WORD_RE.findall(text)) < MIN_WORDS_FOR_OTHER:
                scores = mine
            best = max(scores, key=scores.__getitem__)
            # The best language's share of itself plus the configured languages: other
            # languages it was not confused with do not dilute the confidence.
            rivals = sum(s for code, s in mine.items() if code != best)
            confidence = scores[best] / (scores[best] + rivals) if scores[best] > 0 else 0.0
            codes[text] = best if confidence >= self.min_confidence else UNDETERMINED
        return codes


def _clip(text: str) -> str:
    """The first :data:`MAX_DETECT_CHARS` characters of ``text``, cut at a space."""
    if len(text) <= MAX_DETECT_CHARS:
        return text
    cut = text.rfind(" ", 0, MAX_DETECT_CHARS)
    return text[: cut if cut > MAX_DETECT_CHARS // 2 else MAX_DETECT_CHARS]
