"""Lexicon features skip asent only where asent would give zeros: the same features
as scoring every text with asent's own pipeline component."""

from __future__ import annotations

import numpy as np

from textinsight.stages.lexicon import _pipeline, lexicon_features
from textinsight.stages.tokens import spacy_language

TEXTS = [
    ("en", "I am still waiting on my card?"),
    ("en", "The app is great but the delivery was TERRIBLY slow!!"),
    ("en", "Not good at all. Never again."),
    ("en", "What is the exchange rate for a transfer to Germany"),
    ("en", "I LOVE it :)"),
    ("en", ""),
    ("en", "Not good at all. Never again."),
    ("sv", "Leveransen var försenad och supporten svarade aldrig."),
    ("sv", "Kan jag byta adress på kontot?"),
    ("no", "Veldig bra service, takk!"),
    ("no", "Hvor lang tid tar det?"),
    ("da", "Det er en fantastisk butik, men priserne er for høje."),
    ("da", "Hvornår åbner I i morgen"),
    ("de", "Sehr gut"),
    (None, "???"),
]


def _asent_everywhere(texts: list[str], languages: list[str | None]) -> np.ndarray:
    """Every text through asent's pipeline component, as before the shortcut."""
    out = np.zeros((len(texts), 4))
    for i, (text, language) in enumerate(zip(texts, languages, strict=True)):
        lang = spacy_language(language)
        if lang not in {"en", "sv", "nb", "da"}:
            continue
        polarity = _pipeline(lang)(text)._.polarity
        hit = any(t.polarity != 0 for s in polarity.polarities for t in s.polarities)
        out[i] = (polarity.compound, polarity.positive, polarity.negative, float(hit))
    return out


def test_lexicon_features_equal_asent_on_every_text_in_every_language() -> None:
    languages = [lang for lang, _ in TEXTS]
    texts = [text for _, text in TEXTS]
    features = lexicon_features(texts, languages)
    np.testing.assert_array_equal(features, _asent_everywhere(texts, languages))
    assert features[:, 3].any() and not features[:, 3].all()  # both kinds of text occur
    # order-independent: the languages' batches do not leak into each other
    order = list(range(len(TEXTS)))[::-1]
    again = lexicon_features([texts[i] for i in order], [languages[i] for i in order])
    np.testing.assert_array_equal(again, features[order])
