"""Synthetic feedback with planted themes, at any size, for the scale benchmarks (#15).

    python scripts/synth_feedback.py --n 10000 --out /tmp/rows.csv --truth /tmp/truth.csv

Every row is about ONE theme (or is off-topic noise), so a sampled fit and a full fit
have real themes to agree on. Themes:

- the 14 Nordhem themes of the demo data (``demo_phrases.THEME_TEXTS``), each written in
  Swedish, Norwegian, Danish or English (weights 36/25/20/19), one or two of the theme's
  sentences with their slots filled (products, days, amounts, order numbers);
- with a Banking77 CSV (``--banking77``; not shipped, evaluation data): ``INTENTS`` (24)
  of its intents in English, one text of the intent or two texts of the SAME intent.

Theme sizes are skewed (Zipf, exponent ``SKEW``: the largest theme is ~18x the
smallest), ``NOISE`` (5%) of the rows are off-topic (the demo's noise phrases, one or
two of them). Rows are varied so that almost none repeat: channel framing (a ticket's
greeting, question and sign-off; a review's verdict; a social post's mention and emoji),
a theme-neutral filler clause (``FILLERS``: a day, an order number, years as a
customer), typos, lower case and dropped accents (``make_demo_data.roughen``), and a
word swap.
Each row has a ``language`` column, a channel, a date over six months and one of
``CUSTOMERS`` customers; :func:`generate` also returns each row's planted theme.

The same ``seed`` gives the same rows; a larger ``n`` is not a superset of a smaller one.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import demo_phrases as ph  # noqa: E402
from make_demo_data import Slots, fill, roughen  # noqa: E402

INTENTS = 24
"""Banking77 intents used as themes (drawn once, with a fixed seed, from the 77)."""
SKEW = 0.8
"""Zipf exponent of the theme sizes: the theme of rank r gets weight r ** -SKEW."""
NOISE = 0.05
"""Share of off-topic rows."""
CUSTOMERS = 2_000
LANG_WEIGHTS = {"sv": 36, "no": 25, "da": 20, "en": 19}
CHANNELS = ("ticket", "survey", "review", "social")
NOISE_THEME = "noise"
HEADER = ("source_id", "channel", "created_at", "customer_id", "language", "text")
FILLERS = {
    "sv": [
        "Det hände i {day}s.",
        "Jag har varit kund i {n} år.",
        "Gäller order {order}.",
        "Skriver för andra gången nu.",
        "Min sambo upplevde samma sak för {w} veckor sedan.",
    ],
    "no": [
        "Det skjedde på {day}.",
        "Jeg har vært kunde i {n} år.",
        "Gjelder ordre {order}.",
        "Skriver for andre gang nå.",
        "Samboeren min opplevde det samme for {w} uker siden.",
    ],
    "da": [
        "Det skete i {day}s.",
        "Jeg har været kunde i {n} år.",
        "Det drejer sig om ordre {order}.",
        "Skriver for anden gang nu.",
        "Min kæreste oplevede det samme for {w} uger siden.",
    ],
    "en": [
        "This was on {day}.",
        "I have been a customer for {n} years.",
        "Reference {order}.",
        "Writing for the second time now.",
        "My partner had the same thing {w} weeks ago.",
    ],
}
"""Theme-neutral clauses added to some rows (slots make them vary)."""


@dataclass(frozen=True)
class Theme:
    """A planted theme: its name and where its sentences come from."""

    name: str
    texts: Mapping[str, Sequence[str]]
    """Language -> the theme's sentences (templates with slots for Nordhem themes)."""
    weight: float = 1.0


@dataclass(frozen=True)
class SynthRow:
    """One synthetic feedback row and its planted theme (``NOISE_THEME``: off-topic)."""

    source_id: str
    channel: str
    created_at: str
    customer_id: str
    language: str
    text: str
    theme: str

    def csv_row(self, header: tuple[str, ...] = HEADER) -> tuple[str, ...]:
        return tuple(getattr(self, name) for name in header)


def load_banking77(path: Path) -> dict[str, list[str]]:
    """Banking77's texts by intent (the CSV's ``text`` and ``label`` columns)."""
    intents: dict[str, list[str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            intents.setdefault(row["label"], []).append(row["text"].strip())
    return intents


def themes(banking77: dict[str, list[str]] | None = None, intents: int = INTENTS) -> list[Theme]:
    """The planted themes with their Zipf weights, in a fixed (seeded) rank order."""
    found = [Theme(name, texts) for name, texts in ph.THEME_TEXTS.items()]
    if banking77:
        names = random.Random(77).sample(sorted(banking77), min(intents, len(banking77)))
        found += [Theme(f"b77_{name}", {"en": banking77[name]}) for name in names]
    random.Random(15).shuffle(found)
    return [Theme(t.name, t.texts, (rank + 1) ** -SKEW) for rank, t in enumerate(found)]


def _swap_words(rng: random.Random, text: str) -> str:
    """Two neighbouring words swapped (a hasty writer), once."""
    words = text.split(" ")
    if len(words) < 4:
        return text
    i = rng.randrange(len(words) - 1)
    words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words)


def render(rng: random.Random, theme: Theme | None, lang: str, channel: str) -> str:
    """The text of one row about ``theme`` (``None``: off-topic) in ``lang``."""
    slots = Slots(rng, lang, None)
    if theme is None:
        bank = ph.NOISE[lang]
        parts = [fill(t, slots) for t in rng.sample(bank, 1 + (rng.random() < 0.3))]
    else:
        bank = list(theme.texts[lang])
        parts = [fill(t, slots) for t in rng.sample(bank, 1 + (rng.random() < 0.4))]
        if rng.random() < 0.3:
            parts.insert(rng.randrange(len(parts) + 1), fill(rng.choice(FILLERS[lang]), slots))
        if channel == "ticket" and rng.random() < 0.5:
            parts.append(rng.choice(ph.TICKET_ASKS[lang]))
        elif channel == "review" and rng.random() < 0.4:
            parts.append(rng.choice(ph.REVIEW_TAGS[rng.choice(("neg", "pos", "neu"))][lang]))
    text = " ".join(parts)
    if rng.random() < 0.1:
        text = _swap_words(rng, text)
    text = roughen(rng, text, channel, lang)
    if theme is not None and channel == "ticket":
        if rng.random() < 0.6:
            text = f"{rng.choice(ph.OPENERS[lang])} {text}"
        if rng.random() < 0.5:
            text = f"{text} {rng.choice(ph.CLOSERS[lang])}"
    elif channel == "social":
        if rng.random() < 0.3:
            text = f"@Nordhem {text}"
        if rng.random() < 0.25:
            text = f"{text} {rng.choice(ph.SOCIAL_EMOJI[rng.choice(('neg', 'pos', 'neu'))])}"
    return text


def generate(
    n: int,
    *,
    seed: int = 0,
    banking77: dict[str, list[str]] | None = None,
    noise: float = NOISE,
) -> Iterator[SynthRow]:
    """``n`` synthetic rows (source ids ``s0``, ``s1``, ...), each with its planted theme.

    Example:
        >>> rows = list(generate(200, seed=1))
        >>> len(rows), len({r.text for r in rows}) > 190
        (200, True)
    """
    rng = random.Random(seed)
    planted = themes(banking77)
    weights = [t.weight for t in planted]
    langs, lang_weights = list(LANG_WEIGHTS), list(LANG_WEIGHTS.values())
    for i in range(n):
        theme = None if rng.random() < noise else rng.choices(planted, weights)[0]
        if theme is None:
            lang = rng.choices(langs, lang_weights)[0]
        else:
            options = [lang for lang in langs if lang in theme.texts]
            lang = rng.choices(options, [LANG_WEIGHTS[lang] for lang in options])[0]
        channel = CHANNELS[i % len(CHANNELS)]
        yield SynthRow(
            source_id=f"s{i}",
            channel=channel,
            created_at=f"2026-{rng.randint(4, 9):02d}-{rng.randint(1, 28):02d}",
            customer_id=f"c{rng.randrange(CUSTOMERS)}",
            language=lang,
            text=render(rng, theme, lang, channel),
            theme=NOISE_THEME if theme is None else theme.name,
        )


def write_csv(
    path: Path,
    rows: Iterator[SynthRow],
    truth: Path | None = None,
    language_column: bool = True,
) -> dict[str, str]:
    """Write ``rows`` as a feedback CSV (``HEADER``; without its ``language`` column
    unless ``language_column``, so that ingest detects it); return source id -> planted
    theme, also written to ``truth`` (``source_id,theme``) when given."""
    header = HEADER if language_column else tuple(h for h in HEADER if h != "language")
    planted: dict[str, str] = {}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row.csv_row(header))
            planted[row.source_id] = row.theme
    if truth is not None:
        with truth.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(("source_id", "theme"))
            writer.writerows(planted.items())
    return planted


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--truth", type=Path, help="also write each row's planted theme")
    parser.add_argument("--banking77", type=Path, help="Banking77 CSV: add its intents")
    args = parser.parse_args(argv)
    b77 = load_banking77(args.banking77) if args.banking77 else None
    planted = write_csv(args.out, generate(args.n, seed=args.seed, banking77=b77), args.truth)
    sizes: dict[str, int] = {}
    for theme in planted.values():
        sizes[theme] = sizes.get(theme, 0) + 1
    print(f"{len(planted):,} rows, {len(sizes) - (NOISE_THEME in sizes)} themes + noise")
    for theme, size in sorted(sizes.items(), key=lambda kv: -kv[1]):
        print(f"  {theme}: {size:,}")


if __name__ == "__main__":
    main()
