"""Lexicon features (``asent_rules`` over token lists, texts without a lexicon word
skipped) are exactly the features of asent's own pipeline component."""

from __future__ import annotations

import random

import numpy as np
import pytest

from textinsight.stages import lexicon
from textinsight.stages.asent_rules import Rules
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


def _stress(lang: str, n: int, seed: int) -> list[str]:
    """Random texts over the rule words: lexicon words, intensifiers, negations,
    contrastive conjunctions, ALL CAPS, several sentences, "?" and "!" runs."""
    _pipeline(spacy_language(lang) or lang)
    rules = Rules.installed()
    assert rules is not None
    rng = random.Random(seed)
    pools = [
        sorted(rules.scored)[::7],
        sorted(rules.intensifiers) or ["very"],
        sorted(rules.negations),
        sorted(rules.contrastive) or ["but"],
        ["the", "it", "was", "we", "det", "er", "delivery"],
    ]
    texts = []
    for _ in range(n):
        words = []
        for _ in range(rng.randint(1, 30)):
            word = rng.choice(rng.choice(pools))
            words.append(word.upper() if rng.random() < 0.15 else word)
            if rng.random() < 0.12:
                words.append(rng.choice([".", "!", "?", "!!", "???", ":)", "!!!!!"]))
        texts.append(" ".join(words))
    return texts


@pytest.mark.parametrize("lang", ["en", "sv", "no", "da"])
def test_rules_give_asents_numbers_on_random_texts(lang: str) -> None:
    texts = _stress(lang, 150, seed=len(lang) + ord(lang[0]))
    languages: list[str | None] = [lang] * len(texts)
    np.testing.assert_array_equal(
        lexicon_features(texts, languages), _asent_everywhere(texts, languages)
    )


def test_asent_itself_scores_when_its_getters_cannot_be_read(monkeypatch) -> None:
    languages = [lang for lang, _ in TEXTS]
    texts = [text for _, text in TEXTS]
    expected = lexicon_features(texts, languages)
    monkeypatch.setattr(lexicon.Rules, "installed", classmethod(lambda cls: None))
    np.testing.assert_array_equal(lexicon_features(texts, languages), expected)
