"""Theme labels an analyst would write: a short phrase in one display language.

KeyBERT's approach (Grootendorst 2020) over the embedder the run already loaded, with
BERTopic's c-TF-IDF for distinctiveness:

1. **Candidates**: word n-grams (2..5 words) of the theme's own texts in the display
   language, within one phrase (no punctuation inside), starting and ending with a
   content word (stop words only inside: "queues at the checkout"), no two content
   words of one stem ("delivery delivered"), seen in at least ``min_df`` texts.
2. **Distinctiveness**: c-TF-IDF of each candidate over the themes (display-language
   texts only); the ``n_candidates`` best per theme go on.
3. **Closeness**: the candidates are embedded; a candidate scores its cosine to the
   theme's centroid, plus ``margin`` times how much nearer it is to its own centroid
   than to the nearest other one, plus ``distinctiveness`` times its c-TF-IDF scaled
   to [0, 1] within the theme; a candidate nearer its own centroid than any other
   always ranks above one that is not (a label must point at its own theme). Words
   with digits (order numbers, codes) are never label words.
4. **MMR**: ``n_phrases`` phrases per theme by maximal marginal relevance; the first
   is the label. Themes are labelled largest first, and a label already taken goes to
   the next phrase, so no two labels are identical.

A theme with fewer than 10 display-language texts also gets the most frequent
display-language candidates of the whole corpus (the embedder is multilingual when the
corpus is; closeness decides), so a label never mixes languages; only a corpus
without any text in the display language gets labels in each theme's own most common
language. Keywords stay per language
(``keywords_by_language``: c-TF-IDF within each language's texts), so analysts of every
language see their own words.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import CountVectorizer

from textinsight.errors import ConfigError, ValidationError
from textinsight.stages.describe import (
    ClassTfidfTransformer,
    ThemeDescriber,
    _same_stem,
    _unit_rows,
)
from textinsight.stages.tokens import Tokenizer

Encode = Callable[[Sequence[str]], np.ndarray]
"""Texts -> (n, dim) vectors: the run's embedder's ``encode``."""

_HAS_DIGIT = re.compile(r"\d")
_OWN_THEME_BONUS = 1.0
"""Added to the score of a candidate nearer its own centroid than any other: such a
candidate always beats one that points at another theme."""
_GLOBAL_CANDIDATES = 300
_FEW_TEXTS = 10
"""A theme with fewer display-language texts also gets the corpus' candidates."""
"""Display-language candidates of the whole corpus offered to themes without their own."""


@dataclass(frozen=True)
class ThemeLabel:
    """A theme's label, the language it is in, and its keywords per language.

    Attributes:
        label: the phrase, first letter capitalised.
        language: the label's language code (``None``: no phrase was found).
        phrases: the theme's best phrases by MMR, the label first.
        keywords_by_language: c-TF-IDF keywords of the theme's texts in each language
            with enough of them.
    """

    label: str
    language: str | None
    phrases: tuple[str, ...] = ()
    keywords_by_language: dict[str, tuple[str, ...]] = field(default_factory=dict)


def display_language(languages: Sequence[str | None]) -> str | None:
    """The corpus' most common known language (ties: alphabetical), else ``None``.

    Example:
        >>> display_language(["sv", "en", "sv", "und", None])
        'sv'
    """
    counts = Counter(code for code in languages if code and code != "und")
    if not counts:
        return None
    return min(counts.items(), key=lambda item: (-item[1], item[0]))[0]


class ThemeLabeler(BaseEstimator):
    """Label each theme with a 2..5-word phrase from its texts (see the module doc).

    Args:
        language: the display language; ``None``: the corpus' most common language.
        min_words: fewest words in a label.
        max_words: most words in a label.
        min_df: a candidate must occur in this many of the theme's texts (1 in a
            theme with fewer display-language texts than this).
        n_candidates: candidates per theme embedded and scored.
        margin: weight of "nearer its own centroid than any other" in the score.
        distinctiveness: weight of the scaled c-TF-IDF score.
        diversity: MMR weight of novelty against relevance.
        n_phrases: phrases kept per theme.
        n_keywords: keywords per language.
        min_language_texts: a language gets its own keywords in a theme with at least
            this many of its texts.
        tokenizer: the :class:`~textinsight.stages.tokens.Tokenizer`; ``None`` for the default.

    Example:
        >>> import numpy as np
        >>> texts = ["long queues at the checkout", "long queues at the checkout today",
        ...          "very rude staff", "rude staff at the desk"]
        >>> def encode(batch):
        ...     return np.array([[1.0, 0.0] if "queue" in t else [0.0, 1.0] for t in batch])
        >>> labels = ThemeLabeler(min_df=2).label(
        ...     texts, ["en"] * 4, np.array([0, 0, 1, 1]), encode(texts), encode)
        >>> labels[0].label, labels[1].label
        ('Long queues', 'Rude staff')
    """

    def __init__(
        self,
        language: str | None = None,
        min_words: int = 2,
        max_words: int = 5,
        min_df: int = 2,
        n_candidates: int = 40,
        margin: float = 1.0,
        distinctiveness: float = 0.1,
        diversity: float = 0.5,
        n_phrases: int = 3,
        n_keywords: int = 10,
        min_language_texts: int = 3,
        tokenizer: Tokenizer | None = None,
    ):
        self.language = language
        self.min_words = min_words
        self.max_words = max_words
        self.min_df = min_df
        self.n_candidates = n_candidates
        self.margin = margin
        self.distinctiveness = distinctiveness
        self.diversity = diversity
        self.n_phrases = n_phrases
        self.n_keywords = n_keywords
        self.min_language_texts = min_language_texts
        self.tokenizer = tokenizer

    def label(
        self,
        texts: Sequence[str],
        languages: Sequence[str | None],
        labels: npt.ArrayLike,
        vectors: npt.ArrayLike,
        encode: Encode,
    ) -> dict[int, ThemeLabel]:
        """Label every theme (label >= 0) of a clustered corpus.

        Args:
            texts: the feedback texts.
            languages: one language code per text.
            labels: theme per text, -1 for unassigned.
            vectors: the texts' embeddings from ``encode``'s embedder.
            encode: embeds candidate phrases (the run's embedder).

        Returns:
            Theme id -> :class:`ThemeLabel`.

        Raises:
            ConfigError: a parameter is out of range.
            ValidationError: the inputs differ in length.
        """
        self._check_params()
        theme_of = np.asarray(labels).astype(np.int64)
        unit = _unit_rows(np.asarray(vectors, dtype=np.float64))
        if len(texts) != len(languages) or len(texts) != len(theme_of) or len(unit) != len(texts):
            raise ValidationError(
                f"got {len(texts)} texts, {len(languages)} languages, {len(theme_of)} "
                f"labels and {len(unit)} vectors; pass one of each per text"
            )
        themes = np.unique(theme_of[theme_of >= 0])
        if themes.size == 0:
            return {}
        centroids = _unit_rows(np.vstack([unit[theme_of == t].mean(axis=0) for t in themes]))
        keywords = self._keywords_by_language(texts, languages, theme_of, themes)
        target = self.language or display_language(
            [languages[i] for i in np.flatnonzero(theme_of >= 0).tolist()]
        )
        phrases = self._phrases(texts, languages, theme_of, themes, centroids, target, encode)
        sizes = np.array([np.count_nonzero(theme_of == t) for t in themes])
        taken: set[str] = set()
        result: dict[int, ThemeLabel] = {}
        for position in np.argsort(-sizes, kind="stable").tolist():
            theme = int(themes[position])
            options, language = phrases[position]
            free = [p for p in options if p.casefold() not in taken]
            text = free[0] if free else _fallback(keywords[position], language, theme, taken)
            taken.add(text.casefold())
            result[theme] = ThemeLabel(
                label=_display(text),
                language=language if free else None,
                phrases=tuple(options[: self.n_phrases]),
                keywords_by_language=keywords[position],
            )
        return result

    def _check_params(self) -> None:
        """Raise ConfigError for an out-of-range parameter."""
        problems = []
        if not 1 <= self.min_words <= self.max_words:
            problems.append(
                f"min_words={self.min_words}, max_words={self.max_words} "
                "(allowed: 1 <= min_words <= max_words)"
            )
        for name in ("min_df", "n_candidates", "n_phrases", "n_keywords", "min_language_texts"):
            if getattr(self, name) < 1:
                problems.append(f"{name}={getattr(self, name)} (allowed: >= 1)")
        for name in ("margin", "distinctiveness"):
            if getattr(self, name) < 0:
                problems.append(f"{name}={getattr(self, name)} (allowed: >= 0)")
        if not 0 <= self.diversity <= 1:
            problems.append(f"diversity={self.diversity} (allowed: [0, 1])")
        if problems:
            raise ConfigError("ThemeLabeler: " + "; ".join(problems))

    def _phrases(
        self,
        texts: Sequence[str],
        languages: Sequence[str | None],
        theme_of: np.ndarray,
        themes: np.ndarray,
        centroids: np.ndarray,
        target: str | None,
        encode: Encode,
    ) -> list[tuple[list[str], str | None]]:
        """Each theme's phrases best first, and their language, in the order of ``themes``."""
        own_language = [
            _most_common([languages[i] for i in np.flatnonzero(theme_of == t).tolist()])
            for t in themes
        ]
        wanted = [target if target is not None else lang for lang in own_language]
        if target is not None and not any(lang == target for lang in languages):
            wanted = own_language  # no text in the display language at all
        pools: list[list[tuple[str, float]]] = [[] for _ in themes]
        for language in sorted({w for w in wanted if w is not None}):
            rows = [r for r, w in enumerate(wanted) if w == language]
            for r, pool in self._candidates(texts, languages, theme_of, themes, language, rows):
                pools[r] = pool
        unique = sorted({c for pool in pools for c, _ in pool})
        # embedded as displayed (first letter capitalised): the embedder sees case
        shown = [_display(c) for c in unique]
        vectors = _unit_rows(np.asarray(encode(shown), dtype=np.float64)) if unique else None
        index = {c: i for i, c in enumerate(unique)}
        result: list[tuple[list[str], str | None]] = []
        for r, pool in enumerate(pools):
            if not pool or vectors is None:
                result.append(([], wanted[r]))
                continue
            phrase_vectors = vectors[[index[c] for c, _ in pool]]
            similarity = phrase_vectors @ centroids.T
            own = similarity[:, r]
            others = np.delete(similarity, r, axis=1)
            nearest_other = others.max(axis=1) if others.size else np.zeros(len(pool))
            tfidf = np.array([s for _, s in pool])
            scaled = tfidf / tfidf.max() if tfidf.max() > 0 else tfidf
            relevance = (
                own
                + self.margin * (own - nearest_other)
                + self.distinctiveness * scaled
                + _OWN_THEME_BONUS * (own > nearest_other)
            )
            picked = _mmr(phrase_vectors, relevance, self.diversity, max(self.n_phrases, 10))
            result.append(([pool[i][0] for i in picked], wanted[r]))
        return result

    def _candidates(
        self,
        texts: Sequence[str],
        languages: Sequence[str | None],
        theme_of: np.ndarray,
        themes: np.ndarray,
        language: str,
        rows: list[int],
    ) -> list[tuple[int, list[tuple[str, float]]]]:
        """The best candidates by c-TF-IDF of the themes at ``rows`` in ``language``.

        A theme with none of its own gets the language's most frequent candidates of
        the whole corpus (c-TF-IDF 0), to be judged by closeness alone.
        """
        members = np.flatnonzero(
            (theme_of >= 0) & np.array([lang == language for lang in languages])
        )
        if members.size == 0:
            return []
        tokenizer = self.tokenizer if self.tokenizer is not None else Tokenizer()
        words = tokenizer.tokenize_words(
            [texts[i] for i in members.tolist()], [language] * len(members)
        )
        documents = [sorted(set(self._ngrams(phrases))) for phrases in words]
        if not any(documents):
            return []
        vectorizer = CountVectorizer(analyzer=_identity)
        doc_terms = sp.csr_matrix(vectorizer.fit_transform(documents))
        vocabulary = [str(term) for term in vectorizer.get_feature_names_out()]
        position = np.searchsorted(themes, theme_of[members])
        membership = sp.csr_matrix(
            (np.ones(len(members)), (position, np.arange(len(members)))),
            shape=(len(themes), len(members)),
        )
        counts = sp.csr_matrix(membership @ doc_terms)
        scores = sp.csr_matrix(ClassTfidfTransformer().fit_transform(counts))
        totals = np.asarray(doc_terms.sum(axis=0)).ravel()
        frequent = np.argsort(-totals, kind="stable")[:_GLOBAL_CANDIDATES]
        corpus_pool = [(vocabulary[j], 0.0) for j in frequent.tolist() if totals[j] >= self.min_df]
        result = []
        for r in rows:
            start, end = counts.indptr[r], counts.indptr[r + 1]
            columns, seen = counts.indices[start:end], counts.data[start:end]
            n_texts = int(np.count_nonzero(position == r))
            enough = seen >= min(self.min_df, max(n_texts, 1))
            if not enough.any():
                enough = seen > 0  # a theme of one-off phrases: its own still beat others'
            row = scores.getrow(r).toarray().ravel()
            kept = columns[enough]
            order = np.lexsort((kept, -row[kept]))[: self.n_candidates]
            pool = [(vocabulary[kept[i]], float(row[kept[i]])) for i in order.tolist()]
            if n_texts < _FEW_TEXTS:  # too few own texts to phrase it: the corpus' too
                own = {c for c, _ in pool}
                pool += [(c, s) for c, s in corpus_pool if c not in own]
            result.append((r, pool))
        return result

    def _ngrams(self, phrases: list[list[tuple[str, str | None]]]) -> list[str]:
        """A text's candidate phrases (see the module doc)."""
        found = []
        for phrase in phrases:
            for start, (_, first) in enumerate(phrase):
                if first is None or _HAS_DIGIT.search(first):
                    continue
                terms = [first]
                for end in range(start + 1, min(start + self.max_words, len(phrase))):
                    term = phrase[end][1]
                    if term is None:
                        continue
                    if _HAS_DIGIT.search(term):  # order numbers, codes: not label words
                        break
                    if any(_same_stem(term, t) for t in terms):
                        break
                    terms.append(term)
                    if end - start + 1 >= self.min_words:
                        found.append(" ".join(word for word, _ in phrase[start : end + 1]))
                if self.min_words == 1:
                    found.append(phrase[start][0])
        return found

    def _keywords_by_language(
        self,
        texts: Sequence[str],
        languages: Sequence[str | None],
        theme_of: np.ndarray,
        themes: np.ndarray,
    ) -> list[dict[str, tuple[str, ...]]]:
        """Per theme: c-TF-IDF keywords within each language with enough texts."""
        describer = ThemeDescriber(n_keywords=self.n_keywords, tokenizer=self.tokenizer)
        result: list[dict[str, tuple[str, ...]]] = [{} for _ in themes]
        codes = np.array([code or "und" for code in languages])
        for language in sorted(set(codes.tolist()) - {"und"}):
            in_language = np.where(codes == language, theme_of, -1)
            counts = np.array([np.count_nonzero(in_language == t) for t in themes])
            if counts.max() < self.min_language_texts:
                continue
            keywords = describer._keywords(texts, languages, in_language, themes)
            for r, words in enumerate(keywords):
                if counts[r] >= self.min_language_texts and words:
                    result[r][language] = words
        return result


def _mmr(vectors: np.ndarray, relevance: np.ndarray, diversity: float, n: int) -> list[int]:
    """Indices of up to ``n`` rows by maximal marginal relevance, best first."""
    picked: list[int] = []
    closest = np.full(len(relevance), -np.inf)
    available = np.ones(len(relevance), dtype=bool)
    while len(picked) < min(n, len(relevance)):
        penalty = np.maximum(closest, 0.0) if picked else np.zeros(len(relevance))
        mmr = np.where(available, (1 - diversity) * relevance - diversity * penalty, -np.inf)
        choice = int(np.argmax(mmr))
        picked.append(choice)
        available[choice] = False
        closest = np.maximum(closest, vectors @ vectors[choice])
    return picked


def _fallback(
    keywords: dict[str, tuple[str, ...]], language: str | None, theme: int, taken: set[str]
) -> str:
    """A label from the keywords, the label language's first, else ``theme N``; never
    one taken."""
    ordered = sorted(keywords.items(), key=lambda item: item[0] != language)
    for _, words in ordered:
        candidate = " / ".join(words[:2])
        if candidate and candidate.casefold() not in taken:
            return candidate
    return f"theme {theme}"


def _display(phrase: str) -> str:
    """A phrase as a label: first letter upper-case, the rest as found."""
    return phrase[:1].upper() + phrase[1:]


def _most_common(codes: Sequence[str | None]) -> str | None:
    """The most common known code among ``codes`` (ties: alphabetical)."""
    return display_language(codes)


def _identity(document: list[str]) -> list[str]:
    """CountVectorizer analyzer for pre-built candidate lists."""
    return document
