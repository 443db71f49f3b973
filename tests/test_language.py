import pytest

from textinsight.errors import ConfigError
from textinsight.ingest.language import LanguageIdentifier

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
