"""asent's sentiment rules over plain token lists: the same numbers, ~10x faster.

``asent`` (:mod:`textinsight.stages.lexicon`) computes a text's polarity through
spaCy extension attributes: every token's valence, intensifier, negation and span
are properties looked up through ``Token._``, which costs about 0.3 ms a text, the
largest per-item cost of a streamed run (issue #15). :func:`polarity` applies the same
rules (VADER's, as asent 0.8 implements them: lexicon valence, ALL-CAPS emphasis,
intensifiers over the three preceding tokens, negation, the first contrastive
conjunction, "?"/"!" emphasis, the mean over sentences) to the token texts and
sentence bounds of an already tokenised and sentencised ``Doc``, reading the word
lists and constants from the asent component installed for the language
(:meth:`Rules.installed`) and calling asent's own helpers for the arithmetic.
``tests/stages/test_lexicon.py`` checks the numbers are asent's exactly, including
asent's quirks (the contrastive conjunction's position is counted from the start of
the text, not of the sentence).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from spacy.tokens import Doc


@dataclass(frozen=True)
class Rules:
    """The word lists and constants of one language's asent component."""

    lexicon: dict[str, float]
    scored: frozenset[str]
    """Words with a non-zero valence: a text with none of them scores all zeros."""
    intensifiers: dict[str, float]
    negations: frozenset[str]
    contrastive: frozenset[str]
    cap_differential: float
    intensifier_caps: float
    lookback_intensities: tuple[float, ...]
    negation_lookback: int
    negation_scalar: float
    before_but: float
    after_but: float

    @classmethod
    def installed(cls) -> Rules | None:
        """The rules of the asent component added last (its getters are process-wide),
        or ``None`` when asent's getters do not have the shape this module knows (an
        asent release that changed them, or lemma-based lookups): use asent itself."""
        from spacy.tokens import Token

        try:
            from asent.constants import AFTER_BUT_SCALAR, BEFORE_BUT_SCALAR, C_INCR

            valence = _keywords(Token, "valence")
            inner = valence["valence_getter"].keywords
            intensifier = _keywords(Token, "intensifier")
            negation = _keywords(Token, "is_negation")
            negated = _keywords(Token, "is_negated")
            contrastive = _keywords(Token, "is_contrastive_conj")
            polarity = _keywords(Token, "polarity")
            getters = (inner, intensifier, negation, contrastive)
            if any(not g["t_getter"].__name__.endswith("get_lower_txt") for g in getters):
                return None
            lexicon = inner["lexicon"]
            return cls(
                lexicon=lexicon,
                scored=frozenset(w for w, v in lexicon.items() if v),
                intensifiers=dict(intensifier["intensifiers"]),
                negations=frozenset(negation["negations"]),
                contrastive=frozenset(contrastive["contrastive_conjugations"]),
                cap_differential=float(valence["cap_differential"]),
                intensifier_caps=float(C_INCR),
                lookback_intensities=tuple(polarity["lookback_intensities"]),
                negation_lookback=int(negated["lookback"]),
                negation_scalar=float(polarity["negation_scalar"]),
                before_but=float(BEFORE_BUT_SCALAR),
                after_but=float(AFTER_BUT_SCALAR),
            )
        except (ImportError, KeyError, AttributeError, TypeError):
            return None


def _keywords(owner: Any, name: str) -> dict[str, Any]:
    """The keyword arguments bound into an extension's getter (a ``functools.partial``)."""
    getter = owner.get_extension(name)[2]
    return dict(getter.keywords)


def polarity(doc: Doc, rules: Rules) -> tuple[float, float, float, float]:
    """``(compound, positive, negative, has_hit)`` of a tokenised, sentencised ``doc``,
    as asent's ``doc._.polarity`` gives them (``has_hit``: some token's polarity is
    not zero)."""
    from asent.getters import (
        exclamation_amplification,
        normalize,
        questionmark_amplification,
        sift_sentiment_scores,
    )

    words = [t.text for t in doc]
    lower = [w.lower() for w in words]
    upper = [t.is_upper for t in doc]
    n = len(words)
    doc_caps = 0 < n - sum(upper) < n
    intensity = [
        (rules.intensifiers[w] + (rules.intensifier_caps if up and doc_caps else 0.0))
        if w in rules.intensifiers
        else 0.0
        for w, up in zip(lower, upper, strict=True)
    ]
    hit = False
    sentences: list[tuple[float, float, float]] = []
    for sent in doc.sents:
        start, end = sent.start, sent.end
        span_caps = 0 < (end - start) - sum(upper[start:end]) < (end - start)
        sentiment = []
        for i in range(start, end):
            w = lower[i]
            v = rules.lexicon[w] if w in rules.lexicon and not intensity[i] else 0.0
            if upper[i] and span_caps:
                if v > 0:
                    v += rules.cap_differential
                elif v < 0:
                    v -= rules.cap_differential
            if v:
                for back, scale in enumerate(rules.lookback_intensities, start=1):
                    if i > back:
                        j = i - back
                        if j < start:
                            break
                        b = intensity[j]
                        if b != 0:
                            b = b * scale
                        v = v + b if v > 0 else v - b
                first = max(start, i - rules.negation_lookback)
                if any(lower[j] in rules.negations for j in range(first, i)):
                    v = v * rules.negation_scalar
            hit = hit or v != 0
            sentiment.append(v)
        but = next((i for i in range(start, end) if lower[i] in rules.contrastive), None)
        if but is not None:  # asent counts the position from the start of the text
            for i, s in enumerate(sentiment[0:but]):
                sentiment[i] = s * rules.before_but
            for i, s in enumerate(sentiment[but:]):
                sentiment[i + but] = s * rules.after_but
        total_s = float(sum(sentiment))
        if not total_s:
            sentences.append((0.0, 0.0, 0.0))
            continue
        text = sent.text
        emphasis = 0.0
        emphasis += questionmark_amplification(text)
        emphasis += exclamation_amplification(text)
        total_s = total_s + emphasis if total_s > 0 else total_s - emphasis
        compound = normalize(total_s)
        pos_sum, neg_sum, neu_count = sift_sentiment_scores(sentiment)
        if pos_sum > math.fabs(neg_sum):
            pos_sum += emphasis
        elif pos_sum < math.fabs(neg_sum):
            neg_sum -= emphasis
        total = pos_sum + math.fabs(neg_sum) + neu_count
        sentences.append((compound, math.fabs(pos_sum / total), math.fabs(neg_sum / total)))
    if not sentences:
        return 0.0, 0.0, 0.0, 0.0
    k = len(sentences)
    return (
        sum(s[0] for s in sentences) / k,
        sum(s[1] for s in sentences) / k,
        sum(s[2] for s in sentences) / k,
        float(hit),
    )
