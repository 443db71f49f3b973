import numpy as np
import pytest

from textinsight.errors import ConfigError, ValidationError
from textinsight.stages.describe import _same_stem
from textinsight.stages.embed import HashingEmbedder
from textinsight.stages.label import ThemeLabeler, display_language
from textinsight.stages.tokens import Tokenizer

# Two themes in Swedish and English (Swedish the majority), one theme in English only.
CORPUS = [
    ("sv", 0, "Långa köer i kassan igen"),
    ("sv", 0, "Alltid långa köer i kassan på lördagar"),
    ("sv", 0, "Det var långa köer i kassan och bara en kassa öppen"),
    ("sv", 0, "Långa köer i kassan, tog en halvtimme"),
    ("sv", 0, "Långa köer i kassan idag"),
    ("en", 0, "Long queues at the checkout again"),
    ("en", 0, "The queue at the checkout was long"),
    ("en", 0, "Long queues at the checkout every Saturday"),
    ("sv", 1, "Paketet kom en vecka sent"),
    ("sv", 1, "Leveransen var sen och paketet kom en vecka sent"),
    ("sv", 1, "Mitt paket kom en vecka sent igen"),
    ("sv", 1, "Paketet kom en vecka sent, ingen spårning"),
    ("sv", 1, "Kom en vecka sent"),
    ("en", 1, "My parcel arrived a week late"),
    ("en", 1, "The parcel arrived a week late again"),
    ("en", 1, "Parcel arrived a week late, no tracking"),
    ("en", 2, "The app crashes at login"),
    ("en", 2, "App crashes at login after the update"),
    ("en", 2, "The app crashes at login every time"),
]
LANGUAGES = [lang for lang, _, _ in CORPUS]
THEMES = np.array([theme for _, theme, _ in CORPUS])
TEXTS = [text for _, _, text in CORPUS]
EMBEDDER = HashingEmbedder(256)


def _label(**params: object) -> dict:
    vectors = EMBEDDER.encode(TEXTS)
    return ThemeLabeler(**params).label(TEXTS, LANGUAGES, THEMES, vectors, EMBEDDER.encode)


def test_labels_are_short_distinct_phrases_in_the_display_language() -> None:
    labels = _label()
    assert set(labels) == {0, 1, 2}
    swedish_words = {w.casefold().strip(",") for t in TEXTS[:5] + TEXTS[8:13] for w in t.split()}
    for theme in (0, 1, 2):
        words = labels[theme].label.casefold().split()
        assert 2 <= len(words) <= 5, labels[theme]
        assert labels[theme].language == "sv"
        # every word comes from the Swedish texts, even for the English-only theme 2,
        # which borrows the corpus' Swedish candidates
        assert set(words) <= swedish_words, labels[theme]
    assert labels[0].label == "Långa köer i kassan"
    assert "vecka" in labels[1].label.casefold()  # "sent" is a spaCy Swedish stop word
    assert len({t.label for t in labels.values()}) == 3


def test_display_language_can_be_set_and_keywords_stay_per_language() -> None:
    labels = _label(language="en")
    assert labels[0].label.casefold() in {"long queues at the checkout", "long queues"}
    assert labels[2].label.casefold().startswith("app crashes")
    assert set(labels[0].keywords_by_language) == {"sv", "en"}
    assert "kö" in labels[0].keywords_by_language["sv"][0]
    assert set(labels[2].keywords_by_language) == {"en"}


def test_no_label_repeats_a_stem() -> None:
    texts = ["delivery delivered late", "delivery delivered late again", "rude staff", "rude staff"]
    vectors = EMBEDDER.encode(texts)
    labels = ThemeLabeler().label(
        texts, ["en"] * 4, np.array([0, 0, 1, 1]), vectors, EMBEDDER.encode
    )
    words = labels[0].label.casefold().split()
    assert not any(_same_stem(a, b) for i, a in enumerate(words) for b in words[i + 1 :])


def test_identical_best_phrases_get_distinct_labels() -> None:
    texts = ["late delivery"] * 3 + ["late delivery", "late delivery of parcels", "parcels late"]
    vectors = EMBEDDER.encode(texts)
    labels = ThemeLabeler(min_df=1).label(
        texts, ["en"] * 6, np.array([0, 0, 0, 1, 1, 1]), vectors, EMBEDDER.encode
    )
    assert labels[0].label.casefold() != labels[1].label.casefold()


def test_unassigned_only_and_bad_inputs() -> None:
    vectors = EMBEDDER.encode(["a b"])
    assert ThemeLabeler().label(["a b"], ["en"], np.array([-1]), vectors, EMBEDDER.encode) == {}
    with pytest.raises(ValidationError):
        ThemeLabeler().label(["a b"], [], np.array([0]), vectors, EMBEDDER.encode)
    with pytest.raises(ConfigError, match="min_words"):
        ThemeLabeler(min_words=3, max_words=2).label(
            ["a b"], ["en"], np.array([0]), vectors, EMBEDDER.encode
        )


def test_display_language_is_the_most_common_known_language() -> None:
    assert display_language(["en", "sv", "sv", "und", None]) == "sv"
    assert display_language(["da", "no"]) == "da"
    assert display_language(["und", None]) is None


def test_tokenize_words_keeps_stop_words_inside_phrases() -> None:
    words = Tokenizer().tokenize_words(["Långa köer i kassan! Ring 0701234567"], ["sv"])[0]
    assert words == [
        [("långa", "lång"), ("köer", "kö"), ("i", None), ("kassan", "kassa")],
        [("ring", "ringa")],
    ]
