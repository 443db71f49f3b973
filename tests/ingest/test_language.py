import pytest

from textinsight.errors import ConfigError
from textinsight.ingest import language
from textinsight.ingest.language import LanguageIdentifier
from textinsight.stages.embed import choose_model

SENTENCES = {
    "sv": "Jag har väntat på mitt paket i två veckor och ingen svarar på mina mejl.",
    "no": "Jeg har ventet på pakken min i to uker, og ingen svarer på e-postene mine.",
    "da": "Jeg har ventet på min pakke i to uger, og ingen svarer på mine mails.",
    "en": "I have been waiting for my parcel for two weeks and nobody answers my emails.",
}


def test_detects_the_four_languages() -> None:
    codes = LanguageIdentifier().detect(list(SENTENCES.values()))
    assert codes == list(SENTENCES)


def test_unsure_or_letterless_text_is_und() -> None:
    assert LanguageIdentifier().detect(["12345 !!", ""]) == ["und", "und"]
    assert LanguageIdentifier(min_confidence=0.99).detect(["ok"]) == ["und"]


def test_restricting_languages_changes_the_choice() -> None:
    assert LanguageIdentifier(("sv", "en")).detect([SENTENCES["no"]]) in (["sv"], ["und"])


def test_unknown_language_code_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="TEXTINSIGHT_LANGUAGES"):
        LanguageIdentifier(("sv", "xx")).detect(["hej"])


OTHER_SENTENCES = {
    "de": "Die Lieferung kam drei Tage zu spät und niemand antwortet.",
    "fr": "La livraison est arrivée avec trois jours de retard.",
    "es": "El pedido llegó con tres días de retraso.",
    "fi": "Toimitus myöhästyi kolme päivää eikä kukaan vastaa.",
    "nl": "De levering kwam drie dagen te laat.",
    "it": "La consegna è arrivata con tre giorni di ritardo.",
    "pt": "A entrega chegou com três dias de atraso.",
    "pl": "Dostawa przyszła z trzydniowym opóźnieniem.",
    "ru": "Посылка пришла с опозданием на три дня.",
    "ja": "配送が三日遅れました。",
}


def test_other_languages_get_their_own_code() -> None:
    codes = LanguageIdentifier().detect(list(OTHER_SENTENCES.values()))
    assert codes == list(OTHER_SENTENCES)


def test_without_others_the_choice_is_the_configured_languages() -> None:
    codes = LanguageIdentifier(others=()).detect(list(OTHER_SENTENCES.values()))
    assert set(codes) <= {"sv", "no", "da", "en", "und"}


def test_configured_languages_keep_their_answer_with_others() -> None:
    texts = list(SENTENCES.values())
    assert LanguageIdentifier().detect(texts) == LanguageIdentifier(others=()).detect(texts)


def test_very_short_text_prefers_a_configured_language() -> None:
    # Alone, lingua finds "Nej!" and "Hej." Polish and "- Ja?" Estonian.
    codes = LanguageIdentifier().detect(["Nej!", "Hej.", "- Ja?", "Nej, nej."])
    assert set(codes) <= {"sv", "no", "da", "en", "und"}
    # A script no configured language is written in is recognised however short.
    assert LanguageIdentifier().detect(["Спасибо!", "ありがとう"]) == ["ru", "ja"]


def test_a_configured_other_language_is_chosen_like_the_rest() -> None:
    identifier = LanguageIdentifier(("de", "en"))
    assert identifier.detect([OTHER_SENTENCES["de"], "Gut!"]) == ["de", "de"]


def test_a_french_corpus_gets_the_multilingual_model() -> None:
    french = [OTHER_SENTENCES["fr"], "Le service client ne répond jamais à mes courriels."]
    assert choose_model(LanguageIdentifier().detect(french)) == "e5-small"


def test_unsupported_code_error_lists_the_supported_codes() -> None:
    with pytest.raises(ConfigError, match=r"\['xx'\].*ISO 639-1.*\bde\b.*\bno\b"):
        LanguageIdentifier(("sv", "xx")).detect(["hej"])
    with pytest.raises(ConfigError, match="zz.*others"):
        LanguageIdentifier(others=("sv", "zz")).detect(["hej"])


def test_a_full_cache_keeps_the_texts_of_the_call_that_fills_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A call that both repeats cached texts and overflows the cache answers every
    text (the cache used to be cleared under the repeated ones: a KeyError at 1M rows)."""
    monkeypatch.setattr(language, "CACHE_SIZE", 3)
    identifier = LanguageIdentifier()
    seen = ["The parcel arrived two days late.", "Pakken kom to dager for sent."]
    first = identifier.detect(seen)
    more = seen + ["Paketet kom två dagar för sent.", "Die Lieferung kam zu spät."]
    assert identifier.detect(more)[:2] == first
    assert len(identifier.detect(more)) == len(more)
