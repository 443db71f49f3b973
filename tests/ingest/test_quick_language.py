"""The function-word first pass of language detection (#15): right where it decides,
silent where it cannot tell, and the identifier gives lingua's answers with it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from textinsight.ingest import language
from textinsight.ingest.language import OTHER_LANGUAGES, LanguageIdentifier
from textinsight.ingest.quick_language import NORDIC, quick_languages

ALL = frozenset(("sv", "no", "da", "en", *OTHER_LANGUAGES))
HAND_WRITTEN = Path(__file__).resolve().parents[2] / "data" / "eval"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Where is my card? I ordered it two weeks ago and still nothing.", "en"),
        ("Jag har inte fått mitt paket och ingen svarar.", "sv"),
        ("Jag har väntat på mitt paket och ingen svarar.", NORDIC),  # two markers only
        ("Jeg har ventet lenge, og hva skjer nå? Ingen svarer meg.", "no"),
        ("Jeg har ventet længe, og hvad sker der? Ingen svarer mig.", "da"),
        ("Jeg vil ikke vente mere", NORDIC),  # words Norwegian and Danish share
        ("Die Lieferung kam drei Tage zu spät und niemand antwortet.", None),
        ("De levering kwam drie dagen te laat, het is niet goed.", None),
        ("Sovellus kaatuu aina kun kirjaudun sisään.", None),  # "kun" alone: not Nordic
        ("Thanks!", None),  # too short
        ("Where is my café order? The staff never answered.", None),  # é: not ASCII
        # å/ø: only sv/no/da write them, so lingua chooses among the configured languages
        ("Grensekryssing på fjellet i går.", NORDIC),  # no marker word at all
        ("RT @USER: Det er jo frygteligt 🙄 it is what it is, Søren", NORDIC),  # English too
        ("Her er mye å le av, og på ingen måte noen lett plate.", NORDIC),  # "le" (fr) outvoted
        ("Ich habe bei Jørgensen bestellt und nichts bekommen.", None),  # a Danish name in German
        ("Jeg har ventet længe 🙄 og hvad sker der? Ingen svarer mig.", "da"),  # emoji: no letter
    ],
)
def test_first_pass_decides_the_obvious_and_leaves_the_rest(
    text: str, expected: str | None
) -> None:
    assert quick_languages([text], ALL) == [expected]


def test_first_pass_never_answers_a_language_outside_the_candidates() -> None:
    swedish = "Jag har väntat på mitt paket i två veckor och ingen svarar."
    assert quick_languages([swedish], frozenset({"en", "de"})) == [None]


def test_identifier_agrees_with_lingua_alone_on_the_hand_written_set() -> None:
    with (HAND_WRITTEN / "short_feedback_languages.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    texts = [r["text"] for r in rows]
    fast = LanguageIdentifier().detect(texts)
    assert fast == LanguageIdentifier(first_pass=False).detect(texts)
    assert sum(f == r["language"] for f, r in zip(fast, rows, strict=True)) == len(rows)


def test_repeated_texts_reach_lingua_once(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    lingua = LanguageIdentifier._lingua

    def counting(self: LanguageIdentifier, detector: object, texts: list[str]) -> object:
        seen.extend(texts)
        return lingua(self, detector, texts)  # type: ignore[arg-type]

    monkeypatch.setattr(LanguageIdentifier, "_lingua", counting)
    identifier = LanguageIdentifier()
    first = identifier.detect(["Bra", "Bra", "Takk"])
    assert identifier.detect(["Takk", "Bra"]) == first[:0:-1]
    assert sorted(seen) == ["Bra", "Takk"]


def test_an_unplaced_scandinavian_text_is_never_answered_nordic() -> None:
    # da is a candidate but not configured: no restricted choice, so lingua decides
    identifier = LanguageIdentifier(("sv", "no", "en"), others=("da",))
    assert identifier.detect(["Jeg vil ikke vente mere"])[0] in {"no", "da", "sv", "und"}


def test_long_texts_are_clipped_for_lingua() -> None:
    text = "word " * 200
    clipped = language._clip(text)
    assert len(clipped) <= language.MAX_DETECT_CHARS and not clipped.endswith(" w")
