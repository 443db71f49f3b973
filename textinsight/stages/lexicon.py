"""Sentiment lexicon features, independent of the embedder, from ``asent``.

`asent <https://github.com/KennethEnevoldsen/asent>`_ (MIT) scores a text with a
VADER-style rule set (negation, intensifiers, "but", exclamation) over a word list per
language; its Danish, Norwegian, Swedish and English lists ship in the PyPI package,
so nothing is downloaded. :func:`lexicon_features` turns each text into
:data:`FEATURES`: asent's compound score in [-1, 1], the positive and negative shares,
and whether any word of the text is in the lexicon. The sentiment heads
(:mod:`textinsight.stages.sentiment`) take them as extra features next to the embedding, and
a head over these features alone scores every item whatever the embedder.

Texts in other languages (and ``und``) get all-zero features: no evidence either way.
Only ``spacy.blank`` pipelines are used (asent needs sentence boundaries, from
spaCy's rule-based sentencizer). asent sets its token getters process-wide, so texts
are scored one language at a time, under a lock.
"""

from __future__ import annotations

import functools
import threading
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc

from textinsight.errors import ModelError, ValidationError
from textinsight.stages.asent_rules import Rules, polarity
from textinsight.stages.tokens import spacy_language

FEATURES = ("compound", "positive", "negative", "has_hit")
"""Feature names, in column order."""

LEXICON_LANGUAGES = {"da": "da", "nb": "no", "sv": "sv", "en": "en"}
"""spaCy language code -> asent component language, for the lexicons used."""


def lexicon_features(
    texts: Sequence[str], languages: Sequence[str | None], batch_size: int = 1000
) -> np.ndarray:
    """The :data:`FEATURES` of each text, shape ``(n, 4)``.

    Args:
        texts: the texts.
        languages: one ISO 639-1 code per text (``no``, ``nb`` and ``nn`` are
            Norwegian); texts in a language without a lexicon get zeros.
        batch_size: texts per ``nlp.pipe`` batch.

    Raises:
        ValidationError: ``texts`` and ``languages`` differ in length.
        ModelError: asent is not installed.

    Example:
        >>> f = lexicon_features(["Great service!", "Terrible, slow delivery"], ["en", "en"])
        >>> bool(f[0, 0] > 0 > f[1, 0]), f.shape
        (True, (2, 4))
    """
    if len(texts) != len(languages):
        raise ValidationError(
            f"got {len(texts)} texts but {len(languages)} languages; pass one code per text"
        )
    features = np.zeros((len(texts), len(FEATURES)))
    groups: dict[str, dict[str, list[int]]] = {}  # language -> text -> its rows
    for i, language in enumerate(languages):
        lang = spacy_language(language)
        if lang in LEXICON_LANGUAGES:
            groups.setdefault(lang, {}).setdefault(texts[i] or "", []).append(i)
    for lang, rows in sorted(groups.items()):
        with _LOCK:  # asent's getters are process-wide: one language at a time
            nlp = _pipeline(lang)
            rules = Rules.installed()
            component = nlp.pipe_names[-1]
            tokenizer: Any = nlp.tokenizer
            docs = tokenizer.pipe(rows, batch_size=batch_size)
            if rules is not None:  # texts with no lexicon word score zeros: skipped
                docs = (d for d in docs if any(t.text.lower() in rules.scored for t in d))
            for doc in nlp.pipe(docs, batch_size=batch_size, disable=[component]):
                features[rows[doc.text]] = (
                    polarity(doc, rules) if rules is not None else _asent(nlp, component, doc)
                )
    return features


def _asent(nlp: Language, component: str, doc: Doc) -> tuple[float, float, float, float]:
    """The features by asent's own component (when ``asent_rules`` cannot read it)."""
    pipe: Any = nlp.get_pipe(component)
    result = pipe.doc_pol_getter(doc)
    hit = any(t.polarity != 0 for s in result.polarities for t in s.polarities)
    return result.compound, result.positive, result.negative, float(hit)


_LOCK = threading.Lock()


def _pipeline(lang: str) -> Language:
    """The blank spaCy pipeline (sentencizer + asent component) for ``lang``.

    asent registers its token getters (with the lexicon of the language) on spaCy's
    ``Token`` class for the whole process, so the component added last decides the
    lexicon of every pipeline: the component is re-added (about 1 ms) before each use;
    the blank pipeline itself (about 0.5 s) is made once per language.
    """
    nlp = _blank(lang)
    component = f"asent_{LEXICON_LANGUAGES[lang]}_v1"
    if component in nlp.pipe_names:
        nlp.remove_pipe(component)
    nlp.add_pipe(component)
    return nlp


@functools.cache
def _blank(lang: str) -> Language:
    """A blank pipeline with a sentencizer, made once per language."""
    try:
        import spacy

        with warnings.catch_warnings():  # asent 0.8 declares pydantic v1-style models
            warnings.simplefilter("ignore", DeprecationWarning)
            import asent  # noqa: F401  (registers the asent_* components)
    except ImportError as exc:
        raise ModelError(
            "lexicon sentiment needs the asent package (a textinsight dependency): "
            "pip install asent"
        ) from exc
    nlp = spacy.blank(lang)
    nlp.add_pipe("sentencizer")
    return nlp
