"""Sentiment: explicit scores, the logistic head's fit/evaluate/save, the shipped model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from textinsight.errors import ModelError
from textinsight.stages.sentiment import (
    CLASSES,
    SentimentModel,
    choose_c,
    evaluate_sentiment,
    explicit_sentiment,
    find_sentiment_model,
    fit_sentiment_model,
    item_sentiments,
)


def _toy(n_per_class: int = 30, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """Three well-separated clusters along one axis: negative < neutral < positive."""
    rng = np.random.default_rng(seed)
    centres = {"negative": -3.0, "neutral": 0.0, "positive": 3.0}
    vectors, labels = [], []
    for name, centre in centres.items():
        block = rng.normal(0.0, 0.5, size=(n_per_class, 4))
        block[:, 0] += centre
        vectors.append(block)
        labels += [name] * n_per_class
    return np.vstack(vectors), labels


def test_explicit_sentiment_maps_rating_and_nps() -> None:
    assert explicit_sentiment(5, None) == 1.0
    assert explicit_sentiment(1, None) == -1.0
    assert explicit_sentiment(None, 5) == 0.0
    assert explicit_sentiment(None, None) is None


def test_fit_orders_classes_and_scores_in_range() -> None:
    vectors, labels = _toy()
    model = fit_sentiment_model(vectors, labels, "toy", c=1.0)
    assert model.predict(np.array([[-3.0, 0, 0, 0], [0.0, 0, 0, 0], [3.0, 0, 0, 0]])) == list(
        CLASSES
    )
    scores = model.score(vectors)
    assert np.all(scores >= -1) and np.all(scores <= 1)
    assert scores[-1] > 0 > scores[0]


def test_fit_rejects_labels_outside_the_three_classes() -> None:
    vectors, labels = _toy()
    with pytest.raises(ModelError, match="negative"):
        fit_sentiment_model(vectors, ["positive" if x == "neutral" else x for x in labels], "t")


def test_evaluate_reports_macro_and_per_class_f1() -> None:
    vectors, labels = _toy()
    model = fit_sentiment_model(vectors, labels, "toy", c=1.0)
    scores = evaluate_sentiment(model, vectors, labels)
    assert scores == {"macro_f1": 1.0, "negative": 1.0, "neutral": 1.0, "positive": 1.0}


def test_choose_c_picks_from_the_grid_by_cross_validation() -> None:
    vectors, labels = _toy()
    chosen, means = choose_c(vectors, labels, (0.01, 1.0), folds=3)
    assert chosen in (0.01, 1.0)
    assert set(means) == {0.01, 1.0}
    assert means[chosen] == max(means.values())


def test_save_load_round_trip(tmp_path: Path) -> None:
    vectors, labels = _toy()
    model = fit_sentiment_model(vectors, labels, "toy-model", c=1.0, card={"C": 1.0})
    path = tmp_path / "sentiment-toy.npz"
    model.save(path)
    loaded = SentimentModel.load(path)
    assert loaded.embedder_id == "toy-model" and loaded.card == {"C": 1.0}
    np.testing.assert_allclose(loaded.predict_proba(vectors), model.predict_proba(vectors))
    assert find_sentiment_model("toy-model", tmp_path) is not None
    assert find_sentiment_model("other", tmp_path) is None


def test_load_rejects_other_files(tmp_path: Path) -> None:
    path = tmp_path / "sentiment-bad.npz"
    np.savez(path, something=np.zeros(2))
    with pytest.raises(ModelError, match="not a textinsight sentiment model"):
        SentimentModel.load(path)


def test_item_sentiments_prefers_explicit_scores() -> None:
    vectors, labels = _toy(n_per_class=5)
    model = fit_sentiment_model(vectors, labels, "toy", c=1.0)
    got = item_sentiments([5, None], [None, None], vectors[[0, -1]], model)
    assert got[0] == 1.0
    assert got[1] is not None and got[1] > 0
    assert item_sentiments([None], [None], vectors[:1], None) == [None]


# Clearly positive / clearly negative customer feedback, per language in scope.
CLEAR = {
    "sv": (
        "Fantastisk service, personalen var jättetrevlig och leveransen kom snabbt!",
        "Usel kundtjänst, ingen svarar och paketet kom aldrig. Jag är väldigt missnöjd.",
    ),
    "no": (
        "Kjempefornøyd! Rask levering og veldig hyggelig kundeservice.",
        "Elendig opplevelse, varen var ødelagt og ingen svarte på klagen min.",
    ),
    "da": (
        "Super god oplevelse, hurtig levering og venligt personale. Tak!",
        "Forfærdelig kundeservice, pakken kom aldrig og ingen svarer. Meget utilfreds.",
    ),
    "en": (
        "Excellent service, friendly staff and fast delivery. I love it!",
        "Terrible support, my order never arrived and nobody answers. Very disappointed.",
    ),
}


@pytest.mark.model
def test_shipped_model_orders_clear_feedback_in_every_language() -> None:
    from textinsight.stages.embed import get_embedder

    embedder = get_embedder("e5-small")
    model = find_sentiment_model(embedder.model_id)
    assert model is not None, "the shipped sentiment-e5-small.npz should match e5-small"
    texts = [t for pair in CLEAR.values() for t in pair]
    vectors = embedder.encode(texts)
    lexicon = None
    if model.uses_lexicon:
        from textinsight.stages.lexicon import lexicon_features

        lexicon = lexicon_features(texts, [lang for lang in CLEAR for _ in range(2)])
    scores, labels = model.score(vectors, lexicon), model.predict(vectors, lexicon)
    for i, language in enumerate(CLEAR):
        positive, negative = scores[2 * i], scores[2 * i + 1]
        assert positive > 0 > negative, (language, positive, negative)
        assert labels[2 * i : 2 * i + 2] == ["positive", "negative"], language


def test_lexicon_features_order_clear_feedback_in_every_language() -> None:
    from textinsight.stages.lexicon import FEATURES, lexicon_features

    texts = [t for pair in CLEAR.values() for t in pair]
    languages = [lang for lang in CLEAR for _ in range(2)]
    features = lexicon_features(texts, languages)
    assert features.shape == (len(texts), len(FEATURES))
    compound = features[:, 0]
    for i, language in enumerate(CLEAR):
        assert compound[2 * i] > 0 > compound[2 * i + 1], language
    # no lexicon for German or unknown languages: zeros, no error
    assert not lexicon_features(["Sehr gut", "???"], ["de", None]).any()


def test_head_with_lexicon_features_round_trips_and_needs_them(tmp_path: Path) -> None:
    vectors, labels = _toy()
    lexicon = np.where(np.array(labels) == "positive", 1.0, 0.0)[:, None].repeat(4, axis=1)
    model = fit_sentiment_model(vectors, labels, "toy", c=1.0, lexicon=lexicon)
    assert model.uses_lexicon and model.lexicon_coef is not None
    assert model.lexicon_coef.shape == (3, 4)
    path = tmp_path / "sentiment-toy.npz"
    model.save(path)
    loaded = SentimentModel.load(path)
    np.testing.assert_allclose(
        loaded.predict_proba(vectors, lexicon), model.predict_proba(vectors, lexicon)
    )
    with pytest.raises(ModelError, match="lexicon"):
        loaded.predict(vectors)
    with pytest.raises(ModelError, match="texts"):
        item_sentiments([None], [None], vectors[:1], loaded)


def test_lexicon_only_head_scores_any_embedder() -> None:
    from textinsight.stages.sentiment import LEXICON_ONLY

    model = find_sentiment_model("an-embedder-without-a-head")
    assert model is not None and model.embedder_id == LEXICON_ONLY
    texts = [t for pair in CLEAR.values() for t in pair]
    languages = [lang for lang in CLEAR for _ in range(2)]
    scores = item_sentiments(
        [None] * len(texts), [None] * len(texts), np.zeros((len(texts), 7)), model, texts, languages
    )
    assert all(s is not None for s in scores)
    for i, language in enumerate(CLEAR):
        assert scores[2 * i] > scores[2 * i + 1], language  # type: ignore[operator]


def test_all_english_corpus_gets_sentiment_for_every_item(store, write_csv, embedder) -> None:
    from tests.conftest import topic_rows
    from textinsight.pipeline import ingest_file, run_pipeline

    rows = [{k: v for k, v in row.items() if k != "rating"} for row in topic_rows()]
    ingest_file(store, write_csv(rows))
    info = run_pipeline(store, embedder, seed=0)  # hashing vectors: no head of their own
    exported = list(store.runs.export(info.id))
    assert len(exported) == len(rows)
    assert all(r.sentiment is not None for r in exported)
    assert all(t.sentiment is not None for t in store.runs.themes(info.id))


@pytest.mark.model
@pytest.mark.parametrize("name", ["minilm"])
def test_every_shipped_embedder_has_a_head_of_its_own(name: str) -> None:
    from textinsight.stages.embed import get_embedder

    embedder = get_embedder(name)
    model = find_sentiment_model(embedder.model_id)
    assert model is not None and model.embedder_id == embedder.model_id
    texts = list(CLEAR["en"])
    lexicon = None
    if model.uses_lexicon:
        from textinsight.stages.lexicon import lexicon_features

        lexicon = lexicon_features(texts, ["en", "en"])
    scores = model.score(embedder.encode(texts), lexicon)
    assert scores[0] > 0 > scores[1]
