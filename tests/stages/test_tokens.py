"""Tests for textinsight.stages.tokens: content terms of sv/no/da/en feedback."""

from __future__ import annotations

import re

import pytest
import spacy

from textinsight.errors import ValidationError
from textinsight.ingest.redact import PLACEHOLDERS
from textinsight.stages.tokens import FILLER_WORDS, Tokenizer, spacy_language

# One feedback text per language: greeting, stop words, a number, a URL, an e-mail
# address, every redaction placeholder (some glued to punctuation) and a sign-off
# around a few content words.
PLACEHOLDER_TEXT = " ".join(PLACEHOLDERS.values())
NOISY = {
    "sv": "Hej! Leveransen kom 3 dagar för sent och jag är inte nöjd. "
    "Se https://example.com/order eller mejla anna@example.se ({ph}). Tack, mvh Bo",
    "no": "Hei! Pakken kom 3 dager for sent og jeg er ikke fornøyd. "
    "Se https://example.com/order eller send til ola@example.no ({ph}). Takk, hilsen Bo",
    "da": "Hej! Pakken kom 3 dage for sent, og jeg er ikke tilfreds. "
    "Se https://example.com/order eller skriv til ida@example.dk ({ph}). Tak, hilsen Bo",
    "en": "Hi! The parcel came 3 days late and I am not happy. "
    "See https://example.com/order or mail joe@example.com ({ph}). Thanks, regards Bo",
}
CONTENT = {"sv": "leverans", "no": "pakken", "da": "pakke", "en": "parcel"}


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return Tokenizer()


def _spacy_stop_words(language: str) -> set[str]:
    lang_class = spacy.util.get_lang_class(spacy_language(language))
    return {word.lower() for word in lang_class.Defaults.stop_words}


def test_spacy_language_maps_our_codes() -> None:
    assert spacy_language("sv") == "sv"
    assert spacy_language("no") == "nb"
    assert spacy_language("da") == "da"
    assert spacy_language("EN-gb") == "en"
    assert spacy_language("und") == "xx"
    assert spacy_language(None) == "xx"


@pytest.mark.parametrize("language", ["de", "fr", "es", "fi", "nl", "pl", "ru", "DE-at"])
def test_other_languages_with_a_blank_pipeline_get_it(language: str) -> None:
    assert spacy_language(language) == language[:2].lower()


@pytest.mark.parametrize("language", ["ja", "ko", "th", "vi", "zu", "xx", "q!", "../en"])
def test_languages_without_a_usable_blank_pipeline_fall_back(language: str) -> None:
    # ja/ko/th/vi need a tokenizer package; zu has no spaCy language; the rest are junk.
    assert spacy_language(language) == "xx"


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("de", "Der die das und die Lieferung ist nicht gekommen", ["lieferung", "gekommen"]),
        ("fr", "Le colis et la facture ne sont pas arrivés", ["colis", "facture", "arrivés"]),
        ("es", "El paquete y la factura no han llegado", ["paquete", "factura", "llegado"]),
        ("fi", "Paketti ei ole vielä tullut ja se on myöhässä", ["paketti", "myöhässä"]),
    ],
)
def test_other_languages_drop_their_stop_words(
    tokenizer: Tokenizer, language: str, text: str, expected: list[str]
) -> None:
    [terms] = tokenizer.tokenize([text], [language])
    assert terms == expected


def test_other_language_stop_words_are_its_own(tokenizer: Tokenizer) -> None:
    # German "die" is a stop word, English "die" is content; "und" is no German text.
    de, en = tokenizer.tokenize(["der die das und", "the batteries die"], ["de", "en"])
    assert de == []
    assert "die" in en


def test_language_without_a_pipeline_uses_the_multilingual_fallback(tokenizer: Tokenizer) -> None:
    [terms] = tokenizer.tokenize(["the leveransen och pakkene"], ["ja"])
    assert terms == ["leveransen", "pakkene"]


@pytest.mark.parametrize("language", ["sv", "no", "da", "en"])
def test_noise_is_removed_and_content_kept(tokenizer: Tokenizer, language: str) -> None:
    text = NOISY[language].format(ph=PLACEHOLDER_TEXT)
    [terms] = tokenizer.tokenize([text], [language])

    assert CONTENT[language] in terms
    assert not set(terms) & _spacy_stop_words(language), "stop words survive"
    assert not set(terms) & FILLER_WORDS[spacy_language(language)], "filler survives"
    placeholder_names = {p.strip("<>").lower() for p in PLACEHOLDERS.values()}
    assert not set(terms) & placeholder_names, "a placeholder was split and survived"
    for term in terms:
        assert term == term.lower()
        assert len(term) >= 2
        assert not re.search(r"\d", term), term
        assert not re.search(r"[<>@/:.,!?()]", term), term
        assert "example" not in term, "URL or e-mail fragment survives"


@pytest.mark.parametrize("language", ["sv", "no", "da", "en", "und"])
def test_placeholders_vanish_even_glued_to_punctuation(tokenizer: Tokenizer, language: str) -> None:
    glued = " ".join(f"({p})," for p in PLACEHOLDERS.values()) + " x<IBAN>y <CARD>."
    assert tokenizer.tokenize([glued], [language]) == [[]]


def test_the_word_email_is_kept_when_it_is_a_word(tokenizer: Tokenizer) -> None:
    [terms] = tokenizer.tokenize(["I sent an email to <EMAIL> twice"], ["en"])
    assert terms.count("email") == 1


def test_numbers_urls_and_emails_are_dropped(tokenizer: Tokenizer) -> None:
    text = "kvitto 2023-01-01 10:30 12kr 1,5 50% www.example.se anna@example.se butik"
    assert tokenizer.tokenize([text], ["sv"]) == [["kvitto", "butik"]]


def test_fillers_are_per_language(tokenizer: Tokenizer) -> None:
    # Danish "tak" is "thanks"; Swedish "tak" is "roof" and must stay.
    sv, da = tokenizer.tokenize(["Taket läcker", "Tak for hjælpen"], ["sv", "da"])
    assert "tak" in sv
    assert "tak" not in da


@pytest.mark.parametrize(
    ("language", "text", "words"),
    [
        (
            "sv",
            "Personalen pratade med varandra och klubben skickar mejl varje vecka",
            ["varandra", "varje"],
        ),
        (
            "no",
            "De ansatte snakket med hverandre, og hver uke kommer det e-post",
            ["hverandre", "hver"],
        ),
        ("da", "Personalet talte med hinanden hele tiden", ["hinanden", "hele"]),
    ],
)
def test_determiners_and_reciprocal_pronouns_are_stop_words(
    tokenizer: Tokenizer, language: str, text: str, words: list[str]
) -> None:
    """ "Every", "each other", "whole" (missing from spaCy's Nordic stop lists) never
    become keywords or a label's first or last word: the text's terms are those of
    the text without them."""
    without = " ".join(w for w in text.split() if w.strip(",") not in words)
    [terms], [expected] = (
        tokenizer.tokenize([text], [language]),
        tokenizer.tokenize([without], [language]),
    )
    assert terms == expected and len(terms) >= 3
    assert not set(words) & set(terms)


def test_unknown_language_uses_all_stop_words(tokenizer: Tokenizer) -> None:
    [terms] = tokenizer.tokenize(["the leveransen och pakkene, mvh og det"], ["und"])
    assert terms == ["leveransen", "pakkene"]


@pytest.mark.parametrize(
    ("language", "form", "lemma"),
    [
        ("sv", "Leveranserna", "leverans"),
        ("sv", "paketen", "paket"),
        ("da", "bestillingen", "bestilling"),
        ("da", "kundeservicen", "kundeservice"),
        ("en", "deliveries", "delivery"),
        ("en", "packages", "package"),
    ],
)
def test_lookup_lemmatisation(tokenizer: Tokenizer, language: str, form: str, lemma: str) -> None:
    [terms] = tokenizer.tokenize([form], [language])
    assert terms == [lemma]


def test_norwegian_forms_are_left_as_they_are(tokenizer: Tokenizer) -> None:
    [terms] = tokenizer.tokenize(["Pakkene kom sent"], ["no"])
    assert "pakkene" in terms


def test_order_is_preserved_across_language_groups(tokenizer: Tokenizer) -> None:
    texts = ["kvitto", "receipt", "kvittering", "bon", "quittung", "kassalapp"]
    languages = ["sv", "en", "da", "no", "und", "sv"]
    assert tokenizer.tokenize(texts, languages) == [[text] for text in texts]


def test_phrases_split_at_punctuation(tokenizer: Tokenizer) -> None:
    text = "Slow delivery, rude staff. Great prices"
    [phrases] = tokenizer.tokenize_phrases([text], ["en"])
    assert phrases == [["slow", "delivery"], ["rude", "staff"], ["great", "price"]]
    assert tokenizer.tokenize([text], ["en"]) == [[t for p in phrases for t in p]]


def test_empty_input(tokenizer: Tokenizer) -> None:
    assert tokenizer.tokenize([], []) == []
    assert tokenizer.tokenize(["", "   "], ["sv", "und"]) == [[], []]


def test_length_mismatch_is_an_error(tokenizer: Tokenizer) -> None:
    with pytest.raises(ValidationError, match="languages"):
        tokenizer.tokenize(["a", "b"], ["sv"])
