import numpy as np

from textinsight.stages.noise import noise_themes, not_feedback


def test_empty_answers_greetings_and_contests_are_not_feedback() -> None:
    texts = [
        "Inget att tillägga.",
        "Ingenting å tilføye.",
        "nothing to add",
        "Tack!",
        "ok",
        "Win a trip! Follow and retweet",
        "Vi har en tävling i helgen",
        "Paketet kom aldrig fram",
        "Free returns are the reason I shop with you rather than the competition.",
        "The staff were rude",
    ]
    languages = ["sv", "no", "en", "sv", "en", "en", "sv", "sv", "en", "en"]
    assert not_feedback(texts, languages).tolist() == [True] * 7 + [False] * 3


def test_theme_is_noise_when_most_members_are_not_feedback() -> None:
    texts = ["ok", "Nej", "Vet inte.", "Leveransen var sen", "Leveransen kom aldrig"]
    flags = noise_themes(texts, ["sv"] * 5, np.array([0, 0, -1, 1, 1]))
    assert flags == {0: True, 1: False}
