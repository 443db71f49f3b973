"""Tests for textinsight.stages.describe: c-TF-IDF, keywords, labels and quotes."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from textinsight.errors import ConfigError, NotFittedError, ValidationError
from textinsight.stages.describe import (
    ClassTfidfTransformer,
    ThemeDescriber,
    make_label,
    select_keywords,
)
from textinsight.stages.tokens import Tokenizer

# ---------------------------------------------------------------- c-TF-IDF


@pytest.mark.parametrize("bm25_weighting", [False, True])
@pytest.mark.parametrize("reduce_frequent_words", [False, True])
def test_ctfidf_ranks_distinctive_term_above_common_term(
    bm25_weighting: bool, reduce_frequent_words: bool
) -> None:
    # term 0: frequent in class 0, rare elsewhere; term 1: equally frequent everywhere.
    counts = sp.csr_matrix(np.array([[8, 8, 1], [1, 8, 6], [0, 8, 7]]))
    model = ClassTfidfTransformer(
        bm25_weighting=bm25_weighting, reduce_frequent_words=reduce_frequent_words
    )
    scores = model.fit_transform(counts).toarray()
    assert scores[0, 0] > scores[0, 1]
    assert model.idf_[0] > model.idf_[1]
    assert model.get_params() == {
        "bm25_weighting": bm25_weighting,
        "reduce_frequent_words": reduce_frequent_words,
    }


def test_ctfidf_fit_returns_self_and_handles_unused_terms() -> None:
    model = ClassTfidfTransformer()
    counts = np.array([[3, 0, 1], [0, 0, 4]])
    assert model.fit(counts) is model
    scores = model.transform(counts).toarray()
    assert np.all(np.isfinite(scores))
    assert np.all(scores[:, 1] == 0)


def test_ctfidf_transform_before_fit_raises() -> None:
    with pytest.raises(NotFittedError, match="fit"):
        ClassTfidfTransformer().transform(np.array([[1, 2]]))


def test_ctfidf_rejects_other_vocabulary_and_negative_counts() -> None:
    model = ClassTfidfTransformer().fit(np.array([[1, 2, 3]]))
    with pytest.raises(ValidationError, match="terms"):
        model.transform(np.array([[1, 2]]))
    with pytest.raises(ValidationError, match="negative"):
        ClassTfidfTransformer().fit(np.array([[1, -2]]))


# ------------------------------------------------------- keywords and labels


def test_select_keywords_prefers_bigram_over_its_words() -> None:
    ranked = ["delivery", "late", "staff", "late delivery", "rude", "delivery late", "late"]
    keywords = select_keywords(ranked, 4)
    assert keywords == ("late delivery", "staff", "rude")


def test_select_keywords_ignores_bigram_beyond_the_cut() -> None:
    ranked = ["delivery", "late", "staff", "late delivery"]
    assert select_keywords(ranked, 3) == ("delivery", "late", "staff")


def test_select_keywords_keeps_count_and_order() -> None:
    assert select_keywords(["a1", "b2", "c3"], 2) == ("a1", "b2")
    assert select_keywords([], 5) == ()


@pytest.mark.parametrize(
    "keywords",
    [
        ["leverans", "leveransen", "paket"],
        ["deliver", "delivery", "parcel"],
        ["late delivery", "delivery", "courier"],
        ["app", "apps", "crash"],
    ],
)
def test_label_skips_near_duplicates(keywords: list[str]) -> None:
    label = make_label(keywords)
    parts = label.split(" / ")
    assert parts == [keywords[0], keywords[2]]


def test_label_has_two_or_three_parts_and_a_default() -> None:
    assert len(make_label(["one", "two", "three", "four"]).split(" / ")) == 3
    assert make_label([], default="theme 7") == "theme 7"


# ----------------------------------------------------------------- describe

THEMES = {
    0: {
        "en": [
            "The delivery was late again",
            "Late delivery, the parcel arrived a week after the promised date",
            "My parcel was delayed and the courier never called",
            "Late delivery of the parcel, very disappointing",
            "the  DELIVERY was late AGAIN",
        ],
        "no": [
            "Pakken kom for sent, levering tok to uker",
            "Sen levering av pakken igjen",
            "Levering forsinket, pakken kom ikke i tide",
            "Pakken ble levert en uke for sent",
        ],
    },
    1: {
        "en": [
            "The staff in the store were rude",
            "Rude staff at the checkout today",
            "The cashier was unfriendly and the staff ignored me",
            "Rude staff, nobody helped me find anything",
        ],
        "no": [
            "Personalet i butikken var uhøflige",
            "Uhøflig personale i kassen",
            "Personalet ignorerte meg i butikken",
            "Kassereren var uhøflig og personalet hjalp ikke",
        ],
    },
    2: {
        "en": [
            "Prices are too high this month",
            "The prices went up again, too expensive",
            "Expensive prices compared to last year",
            "High prices on coffee and milk",
        ],
        "no": [
            "Prisene er altfor høye",
            "Dyre priser sammenlignet med i fjor",
            "Prisene har gått opp igjen, alt for dyrt",
            "Høye priser på kaffe og melk",
        ],
    },
}
# Stems of each theme's content words, in both languages.
THEME_STEMS = {
    0: ("deliver", "late", "parcel", "delay", "courier", "pakke", "lever", "forsink"),
    1: (
        "staff",
        "rude",
        "cashier",
        "checkout",
        "unfriend",
        "ignor",
        "person",
        "uhøfl",
        "kass",
        "store",
        "butikk",
    ),
    2: ("price", "pris", "expensive", "dyr", "high", "høy", "coffee", "kaffe", "milk", "melk"),
}


def _corpus() -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """Texts of 3 themes x 2 languages, an unassigned text, and fake embeddings.

    A theme's embedding is its one-hot direction plus deterministic noise; the two
    spellings of one text get the same vector, like a real embedder would.
    """
    texts, languages, labels = [], [], []
    for theme, by_language in THEMES.items():
        for language, theme_texts in by_language.items():
            texts.extend(theme_texts)
            languages.extend([language] * len(theme_texts))
            labels.extend([theme] * len(theme_texts))
    texts.append("Where is the nearest parking garage")
    languages.append("en")
    labels.append(-1)
    label_array = np.array(labels)
    rng = np.random.default_rng(0)
    directions = np.eye(6)[np.where(label_array < 0, 5, label_array)]
    embeddings = directions + 0.35 * rng.standard_normal((len(texts), 6))
    duplicate = texts.index("the  DELIVERY was late AGAIN")
    embeddings[duplicate] = embeddings[texts.index("The delivery was late again")]
    return texts, languages, label_array, embeddings


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


@pytest.fixture(scope="module")
def described() -> tuple[dict, list[str], list[str], np.ndarray, np.ndarray]:
    texts, languages, labels, embeddings = _corpus()
    result = ThemeDescriber(n_keywords=8, n_quotes=4).describe(texts, languages, labels, embeddings)
    return result, texts, languages, labels, embeddings


def test_every_theme_but_unassigned_is_described(described: tuple) -> None:
    result, *_ = described
    assert sorted(result) == [0, 1, 2]


def test_keywords_belong_to_their_theme(described: tuple) -> None:
    result, *_ = described
    for theme, description in result.items():
        assert 3 <= len(description.keywords) <= 8
        assert len(set(description.keywords)) == len(description.keywords)
        for keyword in description.keywords[:4]:
            own = any(stem in keyword for stem in THEME_STEMS[theme])
            other = any(
                stem in keyword
                for other_theme, stems in THEME_STEMS.items()
                if other_theme != theme
                for stem in stems
            )
            assert own and not other, (theme, keyword, description.keywords)


def test_keywords_come_from_both_languages(described: tuple) -> None:
    result, *_ = described
    assert any("pris" in keyword for keyword in result[2].keywords)
    assert any("price" in keyword for keyword in result[2].keywords)


def test_frequent_bigram_replaces_its_words(described: tuple) -> None:
    result, *_ = described
    keywords = result[0].keywords
    # "late delivery" and "delivery late" (from "the delivery was late") are one term.
    pairs = [keyword for keyword in keywords if set(keyword.split()) == {"late", "delivery"}]
    assert len(pairs) == 1
    assert "late" not in keywords and "delivery" not in keywords


def test_labels_are_short_and_free_of_near_duplicates(described: tuple) -> None:
    result, *_ = described
    for description in result.values():
        parts = description.label.split(" / ")
        assert 2 <= len(parts) <= 3
        assert all(part in description.keywords for part in parts)
        words = [word for part in parts for word in part.split()]
        for i, first in enumerate(words):
            for second in words[i + 1 :]:
                assert first[:5] != second[:5], description.label


def test_quotes_are_distinct_members_and_not_near_duplicates(described: tuple) -> None:
    result, texts, _, labels, embeddings = described
    unit = _unit(embeddings)
    for theme, description in result.items():
        quotes = description.quote_indices
        assert 1 <= len(quotes) <= 4
        assert len(set(quotes)) == len(quotes)
        assert all(labels[i] == theme for i in quotes)
        normalised = {" ".join(texts[i].split()).casefold() for i in quotes}
        assert len(normalised) == len(quotes)
        similarity = unit[list(quotes)] @ unit[list(quotes)].T
        assert np.all(similarity[~np.eye(len(quotes), dtype=bool)] < 0.9)


def test_first_quote_is_the_most_central_member(described: tuple) -> None:
    result, _, _, labels, embeddings = described
    unit = _unit(embeddings)
    for theme, description in result.items():
        members = np.flatnonzero(labels == theme)
        centroid = _unit(unit[members].mean(axis=0))
        relevance = unit[members] @ centroid
        best = relevance.max()
        first = description.quote_indices[0]
        assert unit[first] @ centroid >= best - 0.03


def test_describe_is_deterministic(described: tuple) -> None:
    result, texts, languages, labels, embeddings = described
    again = ThemeDescriber(n_keywords=8, n_quotes=4).describe(texts, languages, labels, embeddings)
    assert again == result


def test_single_member_theme() -> None:
    texts = ["Parking garage closed", "Rude staff", "Rude staff again", "ok"]
    labels = np.array([0, 1, 1, -1])
    embeddings = np.array([[1.0, 0.0], [0.0, 1.0], [0.1, 1.0], [1.0, 1.0]])
    result = ThemeDescriber().describe(texts, ["en"] * 4, labels, embeddings)
    assert sorted(result) == [0, 1]
    assert result[0].quote_indices == (0,)
    # One text: all its words are one-offs, yet they still make its keywords.
    assert set(result[0].keywords) == set(Tokenizer().tokenize([texts[0]], ["en"])[0])
    assert result[0].label


def test_short_member_is_quoted_when_nothing_else_fits() -> None:
    result = ThemeDescriber(min_quote_chars=15).describe(
        ["Slow app", "Slow app!"], ["en", "en"], np.array([0, 0]), np.eye(2)
    )
    assert sorted(result[0].quote_indices) == [0, 1]


def test_length_bounds_are_preferred() -> None:
    long_text = "The app is slow " * 30  # the most central text, but too long
    texts = [long_text, "The app is slow to start", "Slow app, crashes at login"]
    embeddings = np.array([[1.0, 0.0], [0.9, 0.5], [0.9, -0.5]])
    result = ThemeDescriber(n_quotes=2, max_quote_chars=100).describe(
        texts, ["en"] * 3, np.zeros(3, dtype=int), embeddings
    )
    assert sorted(result[0].quote_indices) == [1, 2]
    fallback = ThemeDescriber(n_quotes=3, max_quote_chars=100).describe(
        texts, ["en"] * 3, np.zeros(3, dtype=int), embeddings
    )
    assert fallback[0].quote_indices[-1] == 0


def test_language_variety_breaks_close_ties() -> None:
    texts = [
        "The checkout queue was very long",
        "Very long queue at the checkout",
        "Lang kø i kassen i dag",
    ]
    embeddings = np.array([[1.0, 0.10, 0.0], [1.0, -0.10, 0.0], [1.0, 0.0, 0.18]])
    labels = np.zeros(3, dtype=int)
    unit = _unit(embeddings)
    relevance = unit @ _unit(unit.mean(axis=0))
    assert relevance[2] < relevance[:2].min()  # by centrality alone: both English
    describer = ThemeDescriber(n_quotes=2, quote_redundancy=0.999, diversity=0.0)
    result = describer.describe(texts, ["en", "en", "no"], labels, embeddings)
    assert 2 in result[0].quote_indices


def test_no_themes() -> None:
    describer = ThemeDescriber()
    assert describer.describe([], [], np.array([], dtype=int), np.zeros((0, 4))) == {}
    assert describer.describe(["a text"], ["en"], np.array([-1]), np.ones((1, 4))) == {}


def test_theme_without_content_words_gets_a_default_label() -> None:
    result = ThemeDescriber().describe(
        ["Hei og takk!", "Hi, thanks"], ["no", "en"], np.array([3, 3]), np.eye(2)
    )
    assert result[3].keywords == ()
    assert result[3].label == "theme 3"


def test_inputs_are_validated() -> None:
    describer = ThemeDescriber()
    with pytest.raises(ValidationError, match="labels"):
        describer.describe(["a", "b"], ["en", "en"], np.array([0]), np.eye(2))
    with pytest.raises(ValidationError, match="embeddings"):
        describer.describe(["a", "b"], ["en", "en"], np.array([0, 0]), np.eye(3))
    with pytest.raises(ValidationError, match="languages"):
        describer.describe(["a", "b"], ["en"], np.array([0, 0]), np.eye(2))
    with pytest.raises(ConfigError, match="n_quotes"):
        ThemeDescriber(n_quotes=-1).describe(["a"], ["en"], np.array([0]), np.eye(1))
