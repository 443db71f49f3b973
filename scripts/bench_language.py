"""Accuracy of language detection on the shared sets and on hand-written feedback.

Usage:
    python scripts/bench_language.py                      # 400 texts per set
    python scripts/bench_language.py --per-set 1000 --candidate extra=de,fr,ru

Samples ``--per-set`` texts (seed ``--seed``) from each set, read from
``../shared/data`` at run time (never copied): Banking77 (en), NoReC sentences (no),
AngryTweets (da), XED (sv, no and da subsets); plus the hand-written short feedback
in ``data/eval/short_feedback_languages.csv`` (de, fr, es, fi, nl; a few it, pt,
pl). Each text is detected by ``LanguageIdentifier`` with the default configured
languages (sv, no, da, en) in two variants, restricted to them (``others=()``, the
behaviour before ``OTHER_LANGUAGES``) and with ``OTHER_LANGUAGES``, plus any
``--candidate NAME=codes`` other-language sets. Prints a Markdown table of accuracy
% / ``und`` % per set and variant, the detection speed, and the most frequent wrong
answers of the last variant.
"""

from __future__ import annotations

import argparse
import csv
import random
import time
from collections import Counter
from pathlib import Path

from textinsight.ingest.language import OTHER_LANGUAGES, LanguageIdentifier
from textinsight.ingest.quick_language import NORDIC, quick_languages
from textinsight.records import UNDETERMINED

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
HAND_WRITTEN = ROOT / "data" / "eval" / "short_feedback_languages.csv"
CONFIGURED = ("sv", "no", "da", "en")

#: (row label, file, language the rows are in; None: each row's own ``language``).
SETS = [
    ("Banking77 en", SHARED / "banking77" / "banking77.csv", "en"),
    ("NoReC no", SHARED / "norec_sentence" / "norec_sentence_3class.csv", "no"),
    ("AngryTweets da", SHARED / "angry_tweets_da" / "angry_tweets_da.csv", "da"),
    ("XED sv", SHARED / "xed_emotions_scandi" / "xed_emotions_scandi.csv", "sv"),
    ("XED no", SHARED / "xed_emotions_scandi" / "xed_emotions_scandi.csv", "no"),
    ("XED da", SHARED / "xed_emotions_scandi" / "xed_emotions_scandi.csv", "da"),
]
HAND_WRITTEN_GROUPS = [("de",), ("fr",), ("es",), ("fi",), ("nl",), ("it", "pt", "pl")]


def _read(path: Path) -> list[tuple[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [(row["text"], row["language"]) for row in csv.DictReader(handle)]


def load_sets(per_set: int, seed: int) -> list[tuple[str, list[str], list[str]]]:
    """Return (label, texts, gold codes) per evaluation set."""
    sets = []
    for label, path, language in SETS:
        rows = [row for row in _read(path) if row[1] == language and row[0].strip()]
        rows = random.Random(seed).sample(rows, min(per_set, len(rows)))
        sets.append((label, [t for t, _ in rows], [g for _, g in rows]))
    hand = _read(HAND_WRITTEN)
    for group in HAND_WRITTEN_GROUPS:
        rows = [row for row in hand if row[1] in group]
        label = f"hand-written {'/'.join(group)}"
        sets.append((label, [t for t, _ in rows], [g for _, g in rows]))
    return sets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-set", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--min-confidence", type=float, default=0.4)
    parser.add_argument(
        "--candidate",
        action="append",
        default=[],
        metavar="NAME=CODES",
        help="another set of other languages to compare, e.g. small=de,fr,es",
    )
    args = parser.parse_args()

    variants: list[tuple[str, tuple[str, ...], bool]] = [
        ("restricted", (), False),
        ("with others", OTHER_LANGUAGES, False),
        ("first pass + others", OTHER_LANGUAGES, True),
    ]
    for spec in args.candidate:
        name, _, codes = spec.partition("=")
        variants.append((name, tuple(c.strip() for c in codes.split(",") if c.strip()), True))

    sets = load_sets(args.per_set, args.seed)
    table: dict[str, list[str]] = {label: [] for label, _, _ in sets}
    speed: list[str] = []
    wrong: Counter[tuple[str, str]] = Counter()
    decided: dict[str, list[str | None]] = {}
    for _, others, first_pass in variants:
        identifier = LanguageIdentifier(CONFIGURED, args.min_confidence, others, first_pass)
        identifier.detect(["warm-up: load the models"])
        n_texts, seconds = 0, 0.0
        wrong.clear()
        for label, texts, gold in sets:
            start = time.perf_counter()
            found = identifier.detect(texts)
            if first_pass:
                decided[label] = quick_languages(texts, frozenset((*CONFIGURED, *others)))
            seconds += time.perf_counter() - start
            n_texts += len(texts)
            correct = sum(f == g for f, g in zip(found, gold, strict=True))
            und = sum(f == UNDETERMINED for f in found)
            table[label].append(f"{100 * correct / len(gold):.1f} / {100 * und / len(gold):.1f}")
            wrong.update((g, f) for f, g in zip(found, gold, strict=True) if f != g)
        speed.append(f"{n_texts / seconds:,.0f}")

    print(f"Configured: {', '.join(CONFIGURED)}; min confidence {args.min_confidence}.")
    for name, others, _ in variants:
        print(f"- {name}: others = {', '.join(others) or '(none)'}")
    print()
    print("| set | n | " + " | ".join(name for name, _, _ in variants) + " | first pass |")
    print("|---|---:|" + "---:|" * (len(variants) + 1))
    for label, texts, gold in sets:
        quick = decided.get(label, [])
        settled = [(q, g) for q, g in zip(quick, gold, strict=True) if q not in (None, NORDIC)]
        share = f"{100 * len(settled) / len(texts):.0f}% ({sum(q == g for q, g in settled)} right)"
        print(f"| {label} | {len(texts)} | " + " | ".join(table[label]) + f" | {share} |")
    print("| texts/s | | " + " | ".join(speed) + " | |")
    print("\nCells: accuracy % / und %. First pass: share of texts its function words settle")
    print("without lingua (of them, how many right).")
    print(f"Most frequent wrong answers ({variants[-1][0]}), gold -> found:")
    for (gold_code, found_code), count in wrong.most_common(12):
        print(f"  {gold_code} -> {found_code}: {count}")


if __name__ == "__main__":
    main()
