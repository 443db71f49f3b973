"""Train the shipped sentiment heads (one per embedder, plus a lexicon-only head) and score them.

Usage:
    python scripts/train_sentiment.py --models e5-small,minilm,combined \\
        --cache bench/sentiment-cache.db --xed 600

Every head is :func:`textinsight.stages.sentiment.fit_sentiment_model` (class-balanced
multinomial logistic regression) on openly licensed data only: the AngryTweets train
split (Danish tweets, CC BY 4.0), read from ``../shared/data`` (never copied), and, for
the heads in :data:`REVIEW_HEADS` (e5-small), the project's own review sentences
(``data/sentiment/review_sentences.csv``, the sentences of :data:`TRAIN_BATCHES`: 616
sentences written for this project in sv / no / da / en over 14 domains, MIT like the
project; see its README). The later batch (1,023 sentences, session 5) is held out: it
scores every head (``reviews_heldout``, macro-F1 per language) and trains none (trained
on, it lowered both test sets; see the e5-small card).

Review heads (:func:`train_with_reviews`): for every review weight in
:data:`REVIEW_WEIGHTS` (the reviews' total weight as a share of the tweets'; classes
balanced within each source, :func:`~textinsight.stages.sentiment.source_weights`) and
``C`` in :data:`C_GRID`, two validation figures: AngryTweets 5-fold CV macro-F1 (all
reviews in every training fold) and the reviews' leave-one-domain-out macro-F1 (the
held-out domain's sentences, all languages, never trained on). Rule
(:func:`choose_review_weight`): among candidates whose tweet CV is at least the best
tweet CV without reviews, the highest mean of the two. Nothing from a test set chooses.

Other heads: per embedder and feature set, 5-fold cross-validation on the AngryTweets
train split chooses ``C``. Whether the asent
lexicon features (:mod:`textinsight.stages.lexicon`) are appended to the embedding is chosen
on out-of-domain **validation** sets (tweets are not reviews): the option with the
higher mean polarity accuracy over

- XED (sv / no / da film subtitles, CC BY 4.0, a seeded sample of ``--xed`` lines; not
  used for training): the share of lines labelled positive or negative whose score has
  that sign;
- ``data/eval/parallel_feedback.csv`` (36 retail texts in sv / no / da / en each: 33
  complaints, 3 compliments): the same, per language.

The lexicon-only head (``textinsight/models/sentiment-lexicon.npz``) is the same over the four
lexicon features alone; runs whose embedder has no head of its own use it.

Test sets, never used to train, tune or choose: AngryTweets test (da) and the NoReC
sentence test (no; CC BY-NC: evaluation only), 3-class macro-F1.

Writes ``textinsight/models/sentiment-<name>.npz`` and prints the tables of the model cards.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import random
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from textinsight.config import ARTIFACTS_DIR, get_settings
from textinsight.pipeline import embed_cached
from textinsight.stages.embed import combined, get_embedder
from textinsight.stages.lexicon import lexicon_features
from textinsight.stages.sentiment import (
    CLASSES,
    LEXICON_ONLY,
    SentimentModel,
    choose_c,
    evaluate_sentiment,
    fit_sentiment_model,
    source_weights,
)
from textinsight.store import Store, text_hash

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
REVIEWS = ROOT / "data" / "sentiment" / "review_sentences.csv"
C_GRID = (0.1, 0.3, 1.0, 3.0)
REVIEW_WEIGHTS = (0.0, 0.1, 0.25, 0.5, 1.0)
"""Total weight of the review sentences, as a share of the AngryTweets train split's."""
TRAIN_BATCHES = ("1",)
"""Batches of ``review_sentences.csv`` that train; the others are held out."""
REVIEW_HEADS = ("e5-small",)
"""Heads trained on AngryTweets plus the review sentences (:func:`train_with_reviews`)."""
Rows = list[tuple[str, str, str]]  # (text, label, language)


def _read(name: str) -> list[dict[str, str]]:
    with next((DATA / name).glob("*.csv")).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_sets(n_xed: int) -> dict[str, Rows]:
    """Training and evaluation sets as (text, label, language) rows."""
    angry, norec, xed = (
        _read("angry_tweets_da"),
        _read("norec_sentence"),
        _read("xed_emotions_scandi"),
    )
    random.Random(0).shuffle(xed)
    with (ROOT / "data" / "eval" / "parallel_feedback.csv").open(encoding="utf-8") as handle:
        parallel = list(csv.DictReader(handle))
    return {
        "angry_train": [(r["text"], r["label"], "da") for r in angry if r["split"] == "train"],
        "angry_test": [(r["text"], r["label"], "da") for r in angry if r["split"] == "test"],
        "norec_test": [(r["text"], r["label"], "no") for r in norec if r["split"] == "test"],
        "xed": [
            (r["text"], r["polarity"], r["language"])
            for r in xed[:n_xed]
            if r["polarity"] in ("positive", "negative")
        ],
        "reviews": [(r["text"], r["label"], r["language"]) for r in _reviews()],
        "reviews_heldout": [
            (r["text"], r["label"], r["language"]) for r in _reviews(held_out=True)
        ],
        "parallel": [
            (r["text"], "positive" if r["theme"] == "helpful_staff" else "negative", r["language"])
            for r in parallel
        ],
    }


def _reviews(*, held_out: bool = False) -> list[dict[str, str]]:
    """The review sentences that train (``held_out``: those that only score)."""
    with REVIEWS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [r for r in rows if (r["batch"] in TRAIN_BATCHES) != held_out]


def macro_f1_by_language(predicted: list[str], rows: Rows) -> dict[str, float]:
    """3-class macro-F1 of ``predicted`` per language of ``rows``, and ``all`` pooled."""
    truth, langs = [y for _, y, _ in rows], [g for _, _, g in rows]
    scores = {"all": round(_macro_f1(truth, predicted), 3)}
    for lang in sorted(set(langs)):
        keep = [i for i, g in enumerate(langs) if g == lang]
        scores[lang] = round(_macro_f1([truth[i] for i in keep], [predicted[i] for i in keep]), 3)
    return scores


def embed(store: Store, model: str, texts: list[str]) -> np.ndarray:
    """Vectors of ``model`` (cached; ``combined`` joins its parts' cached vectors)."""
    hashes = [text_hash(t) for t in texts]
    if model == LEXICON_ONLY:
        return np.zeros((len(texts), 0))
    if model == "combined":
        joint = combined(model_dir=get_settings().model_dir)
        return joint.combine([embed_cached(store, e, texts, hashes)[0] for e, _ in joint.parts])
    return embed_cached(store, get_embedder(model, get_settings().model_dir), texts, hashes)[0]


def polarity_accuracy(scores: np.ndarray, labels: list[str]) -> float:
    """Share of positive/negative items whose score has the label's sign."""
    sign = np.where(np.array(labels) == "positive", 1.0, -1.0)
    return round(float(np.mean(np.sign(scores) == sign)), 3)


def polarity_by_language(scores: np.ndarray, rows: Rows) -> dict[str, float]:
    """:func:`polarity_accuracy` of ``scores`` per language of ``rows``."""
    langs = np.array([lang for _, _, lang in rows])
    labels = [y for _, y, _ in rows]
    return {
        lang: polarity_accuracy(
            scores[langs == lang], [y for y, m in zip(labels, langs == lang, strict=True) if m]
        )
        for lang in sorted(set(langs.tolist()))
    }


def train(
    name: str, store: Store, sets: dict[str, Rows], lexicon: dict[str, np.ndarray]
) -> SentimentModel:
    """Fit one head (C and lexicon features chosen by CV on angry_train) and score it."""
    texts = {s: [t for t, _, _ in rows] for s, rows in sets.items()}
    labels = {s: [y for _, y, _ in rows] for s, rows in sets.items()}
    vectors = {s: embed(store, name, texts[s]) for s in sets}
    train_x, train_y = vectors["angry_train"], labels["angry_train"]
    options = {"lexicon": np.hstack([train_x, lexicon["angry_train"]])}
    if train_x.shape[1]:
        options["embedding only"] = train_x
    cv = {option: choose_c(x, train_y, C_GRID) for option, x in options.items()}
    embedder_id = name if name == LEXICON_ONLY else _model_id(name)
    fitted, validation = {}, {}
    for option, (c, _) in cv.items():
        use = {s: lexicon[s] if option == "lexicon" else None for s in sets}
        model = fit_sentiment_model(train_x, train_y, embedder_id, c=c, lexicon=use["angry_train"])
        scores: dict[str, object] = {
            s: evaluate_sentiment(model, vectors[s], labels[s], use[s])
            for s in ("angry_test", "norec_test")
        }
        for s in ("xed", "parallel"):
            scores[s] = polarity_by_language(model.score(vectors[s], use[s]), sets[s])
        scores["reviews_heldout"] = macro_f1_by_language(
            model.predict(vectors["reviews_heldout"], use["reviews_heldout"]),
            sets["reviews_heldout"],
        )
        fitted[option] = (model, scores)
        validation[option] = float(
            np.mean([v for s in ("xed", "parallel") for v in scores[s].values()])  # type: ignore[attr-defined]
        )
    option = max(validation, key=lambda o: validation[o])
    model, scores = fitted[option]
    c = cv[option][0]
    card = {
        "embedder": name,
        "trained_on": {"angry_train": len(train_y)},
        "licence": "trained on CC BY 4.0 data only (AngryTweets: Pauli et al. 2021); "
        "lexicon features from asent (MIT)",
        "features": option,
        "validation_polarity_accuracy": {o: round(v, 3) for o, v in validation.items()},
        "other_options": {o: f[1] for o, f in fitted.items() if o != option},
        "C": c,
        "cv_macro_f1": {o: {str(k): v for k, v in r[1].items()} for o, r in cv.items()},
        "scores": scores,
    }
    return dataclasses.replace(model, card=card)


def _fit(
    x: np.ndarray,
    y: list[str],
    x_rev: np.ndarray,
    y_rev: list[str],
    weight: float,
    c: float,
    embedder_id: str,
) -> SentimentModel:
    """A head on tweets (class-balanced) plus reviews of total weight ``weight`` x tweets'."""
    if weight == 0 or not len(y_rev):
        return fit_sentiment_model(x, y, embedder_id, c=c)
    sample_weight = source_weights([y, y_rev], [len(y), weight * len(y)])
    return fit_sentiment_model(
        np.vstack([x, x_rev]), [*y, *y_rev], embedder_id, c=c, sample_weight=sample_weight
    )


def _macro_f1(truth: list[str], predicted: list[str]) -> float:
    return float(np.mean(f1_score(truth, predicted, labels=list(CLASSES), average=None)))


def validate_with_reviews(
    x: np.ndarray,
    y: list[str],
    x_rev: np.ndarray,
    y_rev: list[str],
    domains: list[str],
    languages: list[str],
    weight: float,
    c: float,
) -> dict[str, object]:
    """Tweet 5-fold CV macro-F1 (all reviews in every training fold) and the reviews'
    leave-one-domain-out macro-F1 (pooled, and per language) of one candidate."""
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    tweet = []
    for fit_idx, held in folds.split(x, y):
        model = _fit(x[fit_idx], [y[i] for i in fit_idx], x_rev, y_rev, weight, c, "cv")
        tweet.append(_macro_f1([y[i] for i in held], model.predict(x[held])))
    predicted = [""] * len(y_rev)
    doms = np.array(domains)
    for domain in sorted(set(domains)):
        out = doms == domain
        model = _fit(
            x,
            y,
            x_rev[~out],
            [v for v, o in zip(y_rev, out, strict=True) if not o],
            weight,
            c,
            "lodo",
        )
        for i, label in zip(np.flatnonzero(out), model.predict(x_rev[out]), strict=True):
            predicted[i] = label
    per_language = {
        lang: round(
            _macro_f1(
                [v for v, g in zip(y_rev, languages, strict=True) if g == lang],
                [v for v, g in zip(predicted, languages, strict=True) if g == lang],
            ),
            3,
        )
        for lang in sorted(set(languages))
    }
    tweet_cv, review = float(np.mean(tweet)), _macro_f1(y_rev, predicted)
    return {
        "weight": weight,
        "C": c,
        "tweet_cv": round(tweet_cv, 4),
        "review_lodo": round(review, 4),
        "criterion": round((tweet_cv + review) / 2, 5),
        "review_lodo_by_language": per_language,
    }


def choose_review_weight(candidates: list[dict[str, object]]) -> dict[str, object]:
    """The selection rule: among candidates whose tweet CV is at least the best tweet CV
    without reviews (weight 0: tweets must not get worse), the highest mean of tweet CV
    and review leave-one-domain-out macro-F1."""
    floor = max(float(r["tweet_cv"]) for r in candidates if r["weight"] == 0)  # type: ignore[arg-type]
    eligible = [r for r in candidates if float(r["tweet_cv"]) >= floor]  # type: ignore[arg-type]
    return max(eligible, key=lambda r: float(r["criterion"]))  # type: ignore[arg-type]


def train_with_reviews(
    name: str, store: Store, sets: dict[str, Rows], lexicon: dict[str, np.ndarray]
) -> SentimentModel:
    """Fit one head on AngryTweets train plus the review sentences, the review weight and
    ``C`` chosen by :func:`choose_review_weight` (embedding features only), and score it."""
    del lexicon  # e5-small's head uses the embedding only (lexicon features lost, see card)
    texts = {s: [t for t, _, _ in rows] for s, rows in sets.items()}
    labels = {s: [y for _, y, _ in rows] for s, rows in sets.items()}
    vectors = {s: embed(store, name, texts[s]).astype(np.float64) for s in sets}
    reviews = _reviews()
    domains = [f"{r['domain']}" for r in reviews]
    languages = [lang for _, _, lang in sets["reviews"]]
    x, y, x_rev, y_rev = (
        vectors["angry_train"],
        labels["angry_train"],
        vectors["reviews"],
        labels["reviews"],
    )
    candidates = [
        validate_with_reviews(x, y, x_rev, y_rev, domains, languages, w, c)
        for w in REVIEW_WEIGHTS
        for c in C_GRID
    ]
    chosen = choose_review_weight(candidates)
    # Test sets score the chosen head only (once), never the other candidates.
    weight, c = float(chosen["weight"]), float(chosen["C"])  # type: ignore[arg-type]
    model = _fit(x, y, x_rev, y_rev, weight, c, _model_id(name))
    scores: dict[str, object] = {
        s: evaluate_sentiment(model, vectors[s], labels[s]) for s in ("angry_test", "norec_test")
    }
    for s in ("xed", "parallel"):
        scores[s] = polarity_by_language(model.score(vectors[s]), sets[s])
    scores["review_lodo"] = chosen["review_lodo_by_language"]
    scores["reviews_heldout"] = macro_f1_by_language(
        model.predict(vectors["reviews_heldout"]), sets["reviews_heldout"]
    )
    card = {
        "embedder": name,
        "trained_on": {"angry_train": len(y), "review_sentences": len(y_rev)},
        "held_out": {"review_sentences": len(sets["reviews_heldout"])},
        "licence": "AngryTweets (CC BY 4.0, Pauli et al. 2021) and the project's own review "
        "sentences (data/sentiment/review_sentences.csv, MIT like the project)",
        "features": "embedding only",
        "review_weight": weight,
        "C": c,
        "selection": chosen,
        "candidates": candidates,
        "scores": scores,
    }
    return dataclasses.replace(model, card=card)


def _model_id(name: str) -> str:
    return (
        combined(model_dir=get_settings().model_dir).model_id
        if name == "combined"
        else get_embedder(name, get_settings().model_dir).model_id
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--models", default="minilm,e5-small,combined")
    parser.add_argument("--cache", type=Path, default=Path("bench/sentiment-cache.db"))
    parser.add_argument("--xed", type=int, default=3000, help="XED lines sampled for evaluation")
    parser.add_argument("--out", type=Path, default=ARTIFACTS_DIR)
    args = parser.parse_args()
    # One BLAS thread: the heads are small, and on a shared machine threaded BLAS made
    # each fit about 20x slower (oversubscription), not faster.
    threadpool_limits(1)
    store = Store(args.cache)
    sets = load_sets(args.xed)
    lexicon = {
        s: lexicon_features([t for t, _, _ in r], [g for _, _, g in r]) for s, r in sets.items()
    }
    for name in [LEXICON_ONLY, *args.models.split(",")]:
        fit = train_with_reviews if name in REVIEW_HEADS else train
        model = fit(name, store, sets, lexicon)
        model.save(args.out / f"sentiment-{name}.npz")
        card = model.card
        s = card["scores"]
        if name in REVIEW_HEADS:
            print(f"\n## {name}: review weight x C grid (chosen: {card['selection']})")
            print(
                "| review weight | C | tweet CV | review LODO | criterion "
                "| LODO sv / no / da / en |"
            )
            print("|---|---|---|---|---|---|")
            for r in card["candidates"]:
                lodo = r["review_lodo_by_language"]
                print(
                    f"| {r['weight']} | {r['C']} | {r['tweet_cv']:.4f} | "
                    f"{r['review_lodo']:.4f} | {r['criterion']:.4f} | "
                    + " / ".join(
                        f"{lodo.get(k, float('nan')):.3f}" for k in ("sv", "no", "da", "en")
                    )
                    + " |"
                )
        else:
            print(
                f"\n## {name}: features {card['features']}, C = {card['C']}, "
                f"CV {card['cv_macro_f1']}, validation {card['validation_polarity_accuracy']}, "
                f"other {card['other_options']}"
            )
        print(
            "| AngryTweets test (da) | NoReC test (no) | XED sv / no / da "
            "| parallel sv / no / da / en |"
        )
        print("|---|---|---|---|")
        xed, par = s["xed"], s["parallel"]
        print(
            f"| {s['angry_test']['macro_f1']:.3f} | {s['norec_test']['macro_f1']:.3f} "
            f"(neg {s['norec_test']['negative']:.3f}) | "
            + " / ".join(f"{xed.get(k, float('nan')):.3f}" for k in ("sv", "no", "da"))
            + " | "
            + " / ".join(f"{par.get(k, float('nan')):.3f}" for k in ("sv", "no", "da", "en"))
            + " |"
        )
        held = s["reviews_heldout"]
        print(
            f"held-out review sentences (batch 2), macro-F1: {held['all']:.3f} (sv / no / da / en "
            + " / ".join(f"{held.get(k, float('nan')):.3f}" for k in ("sv", "no", "da", "en"))
            + ")"
        )


if __name__ == "__main__":
    main()
