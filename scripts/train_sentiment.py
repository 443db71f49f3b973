"""Train the sentiment head shipped in textinsight/models/ for one embedding model.

    python scripts/train_sentiment.py --model e5-small --cache bench/sentiment-cache.db

Trains :func:`textinsight.stages.sentiment.fit_sentiment_model` (class-balanced multinomial
logistic regression) on CC BY 4.0 data only: the AngryTweets train split (Danish
tweets, negative/neutral/positive), read from ``../shared/data`` (never copied). The
regularisation ``C`` is chosen by 5-fold cross-validation on that training split.
Evaluates macro-F1 and per-class F1 on the AngryTweets test split and on the NoReC
sentence test split (Norwegian reviews, CC BY-NC: evaluation only, never used to
train, tune or choose). Writes ``textinsight/models/sentiment-<model>.npz`` and prints the table
for the model card (``textinsight/models/sentiment-<model>.md``, which lists the variants tried).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
from collections.abc import Callable
from pathlib import Path

from textinsight.config import ARTIFACTS_DIR, get_settings
from textinsight.pipeline import embed_cached
from textinsight.stages.embed import get_embedder
from textinsight.stages.sentiment import (
    CLASSES,
    choose_c,
    evaluate_sentiment,
    fit_sentiment_model,
)
from textinsight.store import Store, text_hash

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
C_GRID = (0.1, 0.3, 1.0, 3.0)
EVALUATION_SETS = ("angry_test", "norec_test")


def _read(name: str, keep: Callable[[dict[str, str]], bool]) -> list[tuple[str, str]]:
    path = next((DATA / name).glob("*.csv"))
    with path.open(encoding="utf-8") as handle:
        return [(r["text"], r["label"]) for r in csv.DictReader(handle) if keep(r)]


def load_sets() -> dict[str, list[tuple[str, str]]]:
    """The training set and the evaluation sets as (text, class) pairs."""
    return {
        "angry_train": _read("angry_tweets_da", lambda r: r["split"] == "train"),
        "angry_test": _read("angry_tweets_da", lambda r: r["split"] == "test"),
        "norec_test": _read("norec_sentence", lambda r: r["split"] == "test"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--model", default="e5-small", help="embedding model name")
    parser.add_argument("--cache", type=Path, default=Path("bench/sentiment-cache.db"))
    parser.add_argument(
        "--out", type=Path, default=None, help="default textinsight/models/sentiment-<model>.npz"
    )
    args = parser.parse_args()

    embedder = get_embedder(args.model, get_settings().model_dir)
    store = Store(args.cache)
    sets = load_sets()
    vectors, labels = {}, {}
    for name, rows in sets.items():
        texts = [t for t, _ in rows]
        vectors[name], n = embed_cached(store, embedder, texts, [text_hash(t) for t in texts])
        labels[name] = [label for _, label in rows]
        print(f"{name}: {len(rows)} texts ({n} embedded now)")

    c, cv_scores = choose_c(vectors["angry_train"], labels["angry_train"], C_GRID)
    print(f"C by 5-fold CV on angry_train (macro-F1): {cv_scores} -> C = {c}")
    model = fit_sentiment_model(
        vectors["angry_train"], labels["angry_train"], embedder.model_id, c=c
    )
    scores = {n: evaluate_sentiment(model, vectors[n], labels[n]) for n in EVALUATION_SETS}
    card = {
        "embedder": args.model,
        "trained_on": {"angry_train": len(sets["angry_train"])},
        "licence": "trained on CC BY 4.0 data only (AngryTweets: Pauli et al. 2021)",
        "C": c,
        "cv_macro_f1": {str(k): v for k, v in cv_scores.items()},
        "scores": scores,
    }
    model = dataclasses.replace(model, card=card)
    out = args.out or ARTIFACTS_DIR / f"sentiment-{args.model}.npz"
    model.save(out)

    print("\n| evaluation set | macro-F1 | " + " | ".join(f"F1 {k}" for k in CLASSES) + " |")
    print("|---|---|" + "---|" * len(CLASSES))
    for name, s in scores.items():
        print(
            f"| {name} | {s['macro_f1']:.3f} | " + " | ".join(f"{s[k]:.3f}" for k in CLASSES) + " |"
        )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
