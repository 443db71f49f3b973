"""Content-term tokenisation over blank spaCy pipelines, one per language.

Feedback arrives mostly in Swedish, Norwegian, Danish and English, and sometimes in any
other language. :class:`Tokenizer` turns each text into lower-cased content terms for
keyword extraction: stop words, feedback filler ("hej", "thanks", "mvh"),
punctuation, numbers, URLs, e-mail addresses and redaction placeholders are dropped;
Swedish, Danish and English forms are lemmatised with spaCy's lookup tables.

Only ``spacy.blank(lang)`` pipelines are used: no trained pipeline is downloaded. A
language spaCy has a blank pipeline with stop words for (German, French, Finnish,
Russian, ... about 60) gets that pipeline and its stop words; the rest (and ``und``)
share the multilingual fallback.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar, cast

import spacy
from spacy.language import Language
from spacy.pipeline import Lemmatizer
from spacy.symbols import ORTH
from spacy.tokenizer import Tokenizer as SpacyTokenizer
from spacy.tokens import Doc

from textinsight.errors import ModelError, ValidationError

T = TypeVar("T")

MULTILINGUAL = "xx"
"""spaCy code of the fallback pipeline used for ``und`` and unknown languages."""

_SPACY_LANGUAGE = {"sv": "sv", "no": "nb", "nb": "nb", "nn": "nb", "da": "da", "en": "en"}
"""Our codes whose spaCy pipeline is not named by the code itself (Norwegian)."""
_CORE_LANGUAGES = ("sv", "nb", "da", "en")

_LOOKUP_LEMMA_LANGUAGES = frozenset({"sv", "da", "en"})
# spacy-lookups-data ships an nb_lemma_lookup table, but it holds only 1,582 entries
# (abbreviations mapped to themselves and 64 pronoun/determiner forms that are stop
# words anyway); spaCy's Norwegian lemmatiser is rule-based and needs POS tags that a
# blank pipeline does not have. Norwegian forms are therefore left as they are.

# Greetings, thanks, sign-offs and politeness fillers that open or close feedback but
# say nothing about its theme. Kept per language because they collide across
# languages: Danish "tak" is "thanks", Swedish and Norwegian "tak" is "roof". Words
# that double as content ("kind staff", "vänlig personal") are deliberately absent.
# fmt: off
FILLER_WORDS: dict[str, frozenset[str]] = {
    "sv": frozenset({"hej", "hejsan", "hallå", "tack", "tackar", "mvh", "hälsning",
                     "hälsningar", "snälla", "ok", "okej"}),
    "nb": frozenset({"hei", "heisann", "hallo", "takk", "takker", "mvh", "hilsen",
                     "hilsener", "vennligst", "ok", "okei"}),
    "da": frozenset({"hej", "hejsa", "hallo", "tak", "mvh", "hilsen", "hilsner",
                     "venligst", "ok", "okay"}),
    "en": frozenset({"hi", "hello", "hey", "thanks", "thank", "thx", "regards", "cheers",
                     "please", "pls", "ok", "okay"}),
}
# fmt: on
"""Feedback filler words dropped on top of spaCy's stop words, by spaCy language."""

# Function words missing from spaCy 3.8's stop lists that are frequent in feedback:
# Swedish "är" (is) is not a spaCy stop word and would surface as the keyword "vara";
# Norwegian lacks "hva", "hvorfor", "min"; Danish lacks "får", "når"; English
# irregular forms ("got", "went") are not stop words but their lemmas are. The
# determiners and pronouns English's list has ("every", "each other", "whole", "such")
# are missing in the Nordic lists too; without them a label reads "... skickar mejl
# varje" (every) or "Varandra och ..." (each other).
# fmt: off
_STOP_WORD_GAPS: dict[str, frozenset[str]] = {
    "sv": frozenset({"är", "ju", "väl", "ens", "denna", "dessa", "ändå", "väldigt",
                     "varje", "varandra", "själv", "hela", "sådan", "sådana"}),
    "nb": frozenset({"min", "mitt", "mine", "dere", "hva", "hvordan", "hvorfor", "hvilken",
                     "heller", "aldri", "alltid", "altfor", "hver", "hvert", "hverandre",
                     "hvilke", "intet", "begge", "slike", "våre", "deres"}),
    "da": frozenset({"bare", "når", "fik", "får", "gik", "rigtig", "virkelig", "hvert",
                     "hinanden", "hele", "sin", "sine", "sit"}),
    "en": frozenset({"got", "gets", "goes", "going", "came", "come", "comes", "coming",
                     "went", "lot", "lots"}),
}
# fmt: on

# Redaction placeholders (textinsight.ingest.redact.PLACEHOLDERS: "<EMAIL>", "<CPR>",
# ...) are all upper-case words in angle brackets. Any such token is replaced by one
# sentinel the spaCy tokenizer keeps whole (instead of "<", "email", ">"), then
# dropped; a placeholder added later is covered too.
_SENTINEL = "<redacted>"
_PLACEHOLDER_RE = re.compile(r"<[A-Z][A-Z0-9_]*>")
# A kept term starts with a letter, then letters or digits ("ps5"), optionally joined
# by inner hyphens or apostrophes ("e-post"). This drops numbers and number-like
# tokens ("12kr", "10:30"), abbreviations with periods ("t.ex."), handles, emoji.
_TERM_RE = re.compile(r"[^\W\d_][^\W_]*(?:[-'’][^\W_]+)*")
_MIN_CHARS = 2


def spacy_language(language: str | None) -> str:
    """Return the spaCy language code used for one of our language codes.

    Args:
        language: an ISO 639-1 code such as ``sv``, ``no`` or ``de`` (regional
            suffixes such as ``sv-SE`` are ignored), ``und`` or ``None``.

    Returns:
        ``nb`` for ``no``; the code itself when spaCy has a blank pipeline with stop
        words for it that needs no extra package (not Japanese, Korean, Thai or
        Vietnamese, whose tokenizers need one); else ``xx`` (multilingual fallback).

    Example:
        >>> spacy_language("no"), spacy_language("sv-SE"), spacy_language("de")
        ('nb', 'sv', 'de')
        >>> spacy_language("und"), spacy_language("ja"), spacy_language(None)
        ('xx', 'xx', 'xx')
    """
    if not language:
        return MULTILINGUAL
    base = re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0]
    if base in _SPACY_LANGUAGE:
        return _SPACY_LANGUAGE[base]
    return base if _has_blank_pipeline(base) else MULTILINGUAL


@functools.cache
def _has_blank_pipeline(lang: str) -> bool:
    """Whether ``spacy.blank(lang)`` works offline and the language has stop words."""
    if not re.fullmatch(r"[a-z]{2,3}", lang) or lang == MULTILINGUAL:
        return False
    try:
        if not spacy.util.get_lang_class(lang).Defaults.stop_words:
            return False
        spacy.blank(lang)  # fails for languages whose tokenizer needs another package
    except ImportError:
        return False
    return True


class Tokenizer:
    """Lower-cased content terms of feedback texts, language by language.

    A language's pipeline is created on its first use and shared by every
    ``Tokenizer`` in the process (the Swedish and Danish lemma tables take seconds to
    load), so creating a ``Tokenizer`` is free. Tokenising runs at about 20,000 short
    texts per second on one core.

    Args:
        batch_size: texts per ``nlp.pipe`` batch.

    Example:
        >>> Tokenizer().tokenize(["Hej! Leveranserna var försenade."], ["sv"])
        [['leverans', 'försenad']]
    """

    def __init__(self, batch_size: int = 1000) -> None:
        self.batch_size = batch_size

    def tokenize(self, texts: Sequence[str], languages: Sequence[str | None]) -> list[list[str]]:
        """Return the content terms of each text, in order.

        Args:
            texts: the feedback texts.
            languages: one language code per text (see :func:`spacy_language`);
                ``None`` or ``und`` use the multilingual fallback.

        Returns:
            One list of lower-cased (lemmatised where a lookup table exists) terms
            per text.

        Raises:
            ValidationError: ``texts`` and ``languages`` differ in length.
        """
        return [
            [term for phrase in phrases for term in phrase]
            for phrases in self.tokenize_phrases(texts, languages)
        ]

    def tokenize_phrases(
        self, texts: Sequence[str], languages: Sequence[str | None]
    ) -> list[list[list[str]]]:
        """Like :meth:`tokenize`, with each text's terms split into phrases.

        A phrase is a run of kept terms not separated by punctuation, a URL, an
        e-mail address or a redaction placeholder (stop words in between do not
        split it). Terms adjacent within a phrase make sensible bigrams.

        Args:
            texts: the feedback texts.
            languages: one language code per text.

        Returns:
            For each text, its non-empty phrases, each a list of terms.

        Raises:
            ValidationError: ``texts`` and ``languages`` differ in length.
        """
        return self._per_doc(texts, languages, _Pipeline.phrases)

    def tokenize_words(
        self, texts: Sequence[str], languages: Sequence[str | None]
    ) -> list[list[list[tuple[str, str | None]]]]:
        """Like :meth:`tokenize_phrases`, keeping the stop words inside each phrase.

        For readable phrases ("queues at the checkout"): each word is a pair of its
        lower-cased surface form and its content term, or ``None`` for a stop or
        filler word. Numbers, handles, emoji and other non-words end a phrase, as do
        punctuation, URLs, e-mail addresses and redaction placeholders.

        Example:
            >>> Tokenizer().tokenize_words(["Long queues at checkout!"], ["en"])[0]
            [[('long', 'long'), ('queues', 'queue'), ('at', None), ('checkout', 'checkout')]]
        """
        return self._per_doc(texts, languages, _Pipeline.words)

    def _per_doc(
        self,
        texts: Sequence[str],
        languages: Sequence[str | None],
        read: Callable[[_Pipeline, Doc], T],
    ) -> list[T]:
        """``read(pipeline, doc)`` for each text, parsed by its language's pipeline."""
        if len(texts) != len(languages):
            raise ValidationError(
                f"got {len(texts)} texts but {len(languages)} languages; pass one "
                "language code per text (use 'und' when unknown)"
            )
        result: list[T | None] = [None] * len(texts)
        for lang, indices in _by_pipeline(languages).items():
            pipeline = _pipeline(lang)
            prepared = (_prepare(texts[i]) for i in indices)
            docs = pipeline.tokenizer.pipe(prepared, batch_size=self.batch_size)
            for i, doc in zip(indices, docs, strict=True):
                result[i] = read(pipeline, doc)
        return cast(list[T], result)


def _by_pipeline(languages: Sequence[str | None]) -> dict[str, list[int]]:
    """Text positions grouped by spaCy language code, codes in sorted order."""
    groups: dict[str, list[int]] = {}
    for i, language in enumerate(languages):
        groups.setdefault(spacy_language(language), []).append(i)
    return dict(sorted(groups.items()))


_BOUNDARY = ""
"""Decision for a token that ends a phrase (punctuation, URL, e-mail, placeholder)."""
_MAX_CACHED_DECISIONS = 2_000_000


@dataclass
class _Pipeline:
    """A blank spaCy pipeline, its word lists, and the decision for each word seen.

    Whether a token is kept, and as which lemma, depends only on its text, so the
    decision is cached per spaCy ``orth`` id: after the first few thousand texts most
    tokens cost one dictionary look-up.
    """

    nlp: Language
    tokenizer: SpacyTokenizer
    lemmas: Mapping[str, str] | None
    stop_words: frozenset[str]
    fillers: frozenset[str]
    decisions: dict[int, str | None] = field(default_factory=dict)

    def phrases(self, doc: Doc) -> list[list[str]]:
        """The runs of content terms of ``doc``, split at punctuation and redactions."""
        phrases: list[list[str]] = []
        phrase: list[str] = []
        decisions = self.decisions
        if len(decisions) > _MAX_CACHED_DECISIONS:
            decisions.clear()
        for orth in doc.to_array(ORTH).tolist():
            if orth in decisions:
                decision = decisions[orth]
            else:
                decision = decisions[orth] = self._decide(orth)
            if decision is None:
                continue
            if decision == _BOUNDARY:
                if phrase:
                    phrases.append(phrase)
                    phrase = []
                continue
            phrase.append(decision)
        if phrase:
            phrases.append(phrase)
        return phrases

    def words(self, doc: Doc) -> list[list[tuple[str, str | None]]]:
        """Phrases of (surface, term or ``None``) pairs; see ``Tokenizer.tokenize_words``."""
        phrases: list[list[tuple[str, str | None]]] = []
        phrase: list[tuple[str, str | None]] = []
        for token in doc:
            decision = self.decisions.get(token.orth)
            if token.orth not in self.decisions:
                decision = self.decisions[token.orth] = self._decide(token.orth)
            text = token.text
            if decision is None and token.is_space and "\n" not in text:
                continue
            if decision is None and not (text in self.stop_words and text.isalpha()):
                decision = _BOUNDARY
            if decision == _BOUNDARY:
                if phrase:
                    phrases.append(phrase)
                    phrase = []
                continue
            phrase.append((text, decision))
        if phrase:
            phrases.append(phrase)
        return phrases

    def _decide(self, orth: int) -> str | None:
        """The term a token stands for, ``_BOUNDARY``, or ``None`` to drop it.

        Stop words are matched on the surface form only: matching lemmas too would
        drop Swedish "varorna" (the goods), whose lemma "vara" is also the stop word
        "to be". Filler words are matched on both ("thanked" -> "thank").
        """
        lexeme = self.nlp.vocab[orth]
        text = lexeme.orth_
        if lexeme.is_space:
            return _BOUNDARY if "\n" in text else None
        if lexeme.is_punct or lexeme.like_url or lexeme.like_email or text == _SENTINEL:
            return _BOUNDARY
        if text in self.stop_words or lexeme.like_num or not _TERM_RE.fullmatch(text):
            return None
        # The same look-up as spaCy's Lemmatizer.lookup_lemmatize, done here in the one
        # pass over the tokens instead of in a second pipeline component.
        lemma = self.lemmas.get(text, text).lower() if self.lemmas is not None else text
        if len(lemma) < _MIN_CHARS or lemma in self.fillers:
            return None
        return lemma


@functools.cache
def _pipeline(lang: str) -> _Pipeline:
    """Return the process-wide pipeline for a spaCy language code, created once.

    Shared by all :class:`Tokenizer` instances: loading the Swedish and Danish lookup
    tables (660,305 and 553,116 forms) takes 2-4 s each, so it happens once per
    process, not once per run.
    """
    nlp = spacy.blank(lang)
    tokenizer = nlp.tokenizer
    assert isinstance(tokenizer, SpacyTokenizer)  # a blank pipeline's default tokenizer
    tokenizer.add_special_case(_SENTINEL, [{ORTH: _SENTINEL}])
    lemmas = None
    if lang in _LOOKUP_LEMMA_LANGUAGES:
        lemmatizer = nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        try:
            nlp.initialize()
        except (ValueError, OSError) as exc:
            raise ModelError(
                f"cannot load spaCy's lemma lookup table for '{lang}': {exc}. "
                "Install the spacy-lookups-data package (a textinsight dependency)."
            ) from exc
        assert isinstance(lemmatizer, Lemmatizer)
        lemmas = lemmatizer.lookups.get_table("lemma_lookup")
    codes = _CORE_LANGUAGES if lang == MULTILINGUAL else (lang,)
    fillers = frozenset().union(*(FILLER_WORDS.get(code, frozenset()) for code in codes))
    stop_words = frozenset().union(
        *(_spacy_stop_words(code) | _STOP_WORD_GAPS.get(code, frozenset()) for code in codes)
    )
    return _Pipeline(
        nlp=nlp,
        tokenizer=tokenizer,
        lemmas=lemmas,
        stop_words=stop_words | fillers,
        fillers=fillers,
    )


def _spacy_stop_words(lang: str) -> frozenset[str]:
    """spaCy's stop words of a language, lower-cased."""
    return frozenset(word.lower() for word in spacy.util.get_lang_class(lang).Defaults.stop_words)


def _prepare(text: str) -> str:
    """Replace redaction placeholders by one unsplittable sentinel and lower-case.

    Lower-casing before tokenising lets the lookup lemmatiser, whose tables are keyed
    by lower-case forms, find sentence-initial words.
    """
    return _PLACEHOLDER_RE.sub(f" {_SENTINEL} ", text or "").lower()
