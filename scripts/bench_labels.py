"""Measure theme labels (``textinsight.stages.label.ThemeLabeler``) on Banking77 and the demo data.

Usage:
    python scripts/bench_labels.py --cache bench/labels.db --banking 4000 --show 20

For each corpus: embed (cached in ``--cache``), cluster with the product's
``ThemeClusterer``, label, and report

- **centroid hit**: the share of themes whose label's embedding is nearer its own
  theme's centroid (mean of its members' unit vectors) than any other theme's;
- **display-language words**: the share of label words whose lingua confidence for the
  display language is at least half the best of sv/no/da/en (strict: the best), and
  the share of labels lingua does not detect as another language;
- **unique**: whether no two labels are identical;
- the labels of the ``--show`` largest themes.

Banking77 (English, MiniLM) is a stratified sample of ``--banking`` queries read from
``../shared/data``; the demo is ``data/sample/feedback.csv`` + ``social.jsonl``
(e5-small, languages detected on ingest).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from lingua import Language, LanguageDetectorBuilder

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from textinsight.ingest.language import LanguageIdentifier  # noqa: E402
from textinsight.pipeline import embed_cached, ingest_file  # noqa: E402
from textinsight.stages.cluster import ThemeClusterer  # noqa: E402
from textinsight.stages.embed import Embedder, get_embedder  # noqa: E402
from textinsight.stages.label import ThemeLabeler, display_language  # noqa: E402
from textinsight.store import Store, text_hash  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BANKING = ROOT.parent / "shared" / "data" / "banking77" / "banking77.csv"


LINGUA = {
    "sv": Language.SWEDISH,
    "no": Language.BOKMAL,
    "da": Language.DANISH,
    "en": Language.ENGLISH,
}


def word_confidences(words: Sequence[str]) -> np.ndarray:
    """lingua's confidence of each word in each of :data:`LINGUA`'s languages, (n, 4).

    A word counts as display language when that language's confidence is at least half
    the best one ("take" is English and Norwegian alike); strict: when it is the best.
    """
    detector = LanguageDetectorBuilder.from_languages(*LINGUA.values()).build()
    return np.array(
        [[detector.compute_language_confidence(w, lang) for lang in LINGUA.values()] for w in words]
    )


def banking(n: int) -> tuple[list[str], list[str | None]]:
    """A sample of ``n`` Banking77 queries, the same share of every intent."""
    with BANKING.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    random.Random(0).shuffle(rows)
    rows = sorted(rows, key=lambda r: r["label"])[:: max(1, len(rows) // n)]
    return [r["text"] for r in rows], ["en"] * len(rows)


def demo(store: Store) -> tuple[list[str], list[str | None]]:
    """The demo feedback, ingested into ``store`` once (languages detected)."""
    if not store.feedback.all():
        ingest_file(store, ROOT / "data" / "sample" / "feedback.csv")
        ingest_file(store, ROOT / "data" / "sample" / "social.jsonl", channel="social")
    feedback = store.feedback.all()
    return [f.text for f in feedback], [f.language for f in feedback]


def measure(
    name: str,
    store: Store,
    embedder: Embedder,
    texts: Sequence[str],
    languages: Sequence[str | None],
    show: int,
) -> None:
    """Cluster, label and print the measurements of one corpus."""
    vectors, _ = embed_cached(store, embedder, texts, [text_hash(t) for t in texts])
    clusterer = ThemeClusterer(seed=0).fit(vectors, languages=languages)
    theme_of = clusterer.labels_
    labels = ThemeLabeler().label(texts, languages, theme_of, vectors, embedder.encode)
    themes = sorted(labels)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    centroids = np.vstack([unit[theme_of == t].mean(axis=0) for t in themes])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    label_vectors = embedder.encode([labels[t].label for t in themes])
    hit = np.mean((label_vectors @ centroids.T).argmax(axis=1) == np.arange(len(themes)))
    target = display_language([languages[i] for i in np.flatnonzero(theme_of >= 0).tolist()])
    words = [w.strip(".,!?") for t in themes for w in labels[t].label.split()]
    confidence = word_confidences(words)
    codes = list(LINGUA)
    own = confidence[:, codes.index(target)] if target in LINGUA else np.zeros(len(words))
    plausible = np.mean(own >= 0.5 * confidence.max(axis=1))
    strict = np.mean(confidence.argmax(axis=1) == (codes.index(target) if target in LINGUA else -1))
    phrase = LanguageIdentifier().detect([labels[t].label for t in themes])
    phrase_share = np.mean([p in (target, "und") for p in phrase])
    texts_seen = [labels[t].label.casefold() for t in themes]
    print(
        f"\n## {name}: {len(texts)} texts, {len(themes)} themes, display language {target}\n"
        f"centroid hit {hit:.1%}; display-language words {plausible:.1%} "
        f"(strict: most likely language {strict:.1%}); labels not detected as another "
        f"language {phrase_share:.1%}; unique labels: {len(set(texts_seen)) == len(texts_seen)}; "
        f"label languages {sorted({labels[t].language or '-' for t in themes})}"
    )
    sizes = {t: int(np.count_nonzero(theme_of == t)) for t in themes}
    for t in sorted(themes, key=lambda t: -sizes[t])[:show]:
        kw = "; ".join(
            f"{k}: {', '.join(v[:3])}" for k, v in labels[t].keywords_by_language.items()
        )
        print(f"| {sizes[t]} | {labels[t].label} | {kw} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("bench/labels.db"))
    parser.add_argument("--banking", type=int, default=4000, help="0: skip Banking77")
    parser.add_argument("--no-demo", action="store_true")
    parser.add_argument("--show", type=int, default=20)
    args = parser.parse_args()
    store = Store(args.cache)
    if not args.no_demo:
        texts, languages = demo(store)
        measure("demo", store, get_embedder("e5-small"), texts, languages, args.show)
    if args.banking:
        texts, languages = banking(args.banking)
        measure("Banking77", store, get_embedder("minilm"), texts, languages, args.show)


if __name__ == "__main__":
    main()
