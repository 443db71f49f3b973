"""Describe themes: c-TF-IDF keywords, a short label and representative quotes.

:class:`ClassTfidfTransformer` is class-based TF-IDF as in BERTopic (Grootendorst
2022), a plain scikit-learn transformer. :class:`ThemeDescriber` uses it over the
themes' unigram and bigram counts to pick keywords and a label, and picks quotes by
maximal marginal relevance over the feedback embeddings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_array

from textinsight.errors import ConfigError, NotFittedError, ValidationError
from textinsight.records import ThemeDescription
from textinsight.stages.tokens import Tokenizer, spacy_language

_LABEL_MAX_PARTS = 3
_LABEL_MAX_CHARS = 40
"""A third label part is added only while the label stays this short."""
_STEM_PREFIX = 5
_LANGUAGE_TIE = 0.03
"""Quotes whose MMR scores are this close count as tied; then language variety wins."""


class ClassTfidfTransformer(TransformerMixin, BaseEstimator):
    """Class-based TF-IDF (c-TF-IDF) over a classes-by-terms count matrix.

    ``tf`` is each class's counts normalised to sum to one; ``idf = log(1 + A / f_t)``
    where ``A`` is the average number of words per class and ``f_t`` the frequency of
    term ``t`` over all classes. A term frequent in one class and rare elsewhere
    scores high for that class.

    Args:
        bm25_weighting: use BERTopic's BM25-inspired
            ``idf = log(1 + (A - f_t + 0.5) / (f_t + 0.5))`` instead.
        reduce_frequent_words: take the square root of ``tf``, damping very frequent
            words.

    Example:
        >>> import numpy as np
        >>> counts = np.array([[5, 5], [0, 5]])
        >>> scores = ClassTfidfTransformer().fit_transform(counts).toarray()
        >>> bool(scores[0, 0] > scores[0, 1])
        True
    """

    def __init__(self, *, bm25_weighting: bool = False, reduce_frequent_words: bool = False):
        self.bm25_weighting = bm25_weighting
        self.reduce_frequent_words = reduce_frequent_words

    def fit(self, X: npt.ArrayLike | sp.spmatrix, y: object = None) -> ClassTfidfTransformer:
        """Learn the idf of each term from the class-by-term counts ``X``.

        Args:
            X: (n_classes, n_terms) non-negative counts, dense or sparse.
            y: ignored.

        Returns:
            self, with ``idf_`` (n_terms,) and ``n_features_in_`` set.

        Raises:
            ValidationError: ``X`` is empty, not 2-D or has negative counts.
        """
        counts = _check_counts(X)
        frequency = np.asarray(counts.sum(axis=0), dtype=np.float64).ravel()
        average = float(counts.sum()) / counts.shape[0]
        present = frequency > 0
        idf = np.zeros_like(frequency)
        if self.bm25_weighting:
            idf[present] = np.log(
                1.0 + (average - frequency[present] + 0.5) / (frequency[present] + 0.5)
            )
        else:
            idf[present] = np.log(1.0 + average / frequency[present])
        self.idf_ = idf
        self.n_features_in_ = counts.shape[1]
        return self

    def transform(self, X: npt.ArrayLike | sp.spmatrix) -> sp.csr_matrix:
        """Return the c-TF-IDF scores of the class-by-term counts ``X``.

        Args:
            X: (n_classes, n_terms) non-negative counts with the terms seen in ``fit``.

        Returns:
            A sparse (n_classes, n_terms) matrix of scores.

        Raises:
            NotFittedError: ``fit`` was not called first.
            ValidationError: ``X`` has another number of terms than in ``fit``.
        """
        if not hasattr(self, "idf_"):
            raise NotFittedError(
                "this ClassTfidfTransformer is not fitted yet; call fit(X) with the "
                "class-by-term counts first, or use fit_transform(X)"
            )
        counts = _check_counts(X)
        if counts.shape[1] != self.n_features_in_:
            raise ValidationError(
                f"X has {counts.shape[1]} terms but the transformer was fitted on "
                f"{self.n_features_in_}; transform counts over the same vocabulary"
            )
        tf = normalize(counts, norm="l1", axis=1)
        if self.reduce_frequent_words:
            tf.data = np.sqrt(tf.data)
        return sp.csr_matrix(tf @ sp.diags(self.idf_))


def _check_counts(X: npt.ArrayLike | sp.spmatrix) -> sp.csr_matrix:
    """Return ``X`` as a float CSR matrix of non-negative counts."""
    try:
        checked = check_array(X, accept_sparse=("csr", "csc", "coo"), dtype=np.float64)
    except ValueError as exc:
        raise ValidationError(
            f"expected a 2-D (n_classes, n_terms) count matrix: {exc}", field="X"
        ) from exc
    counts = sp.csr_matrix(checked)
    if counts.nnz and counts.data.min() < 0:
        raise ValidationError("counts must not be negative", field="X")
    return counts


class ThemeDescriber(BaseEstimator):
    """Keywords, a short label and representative quotes for each theme.

    Args:
        n_keywords: keywords per theme (unigrams and bigrams).
        n_quotes: most quotes per theme.
        min_quote_chars: shortest quote preferred.
        max_quote_chars: longest quote preferred. Texts outside the bounds are used
            only when too few texts within them qualify.
        quote_redundancy: a text whose embedding has at least this cosine similarity
            to an already picked quote is a near-duplicate and is not picked.
        tokenizer: the :class:`~textinsight.stages.tokens.Tokenizer`; ``None`` for the default.
        min_df: terms found in fewer feedback texts than this rank after all others,
            so that one-off words do not dominate but a tiny theme still gets keywords.
        diversity: weight of novelty against centrality in maximal marginal
            relevance (0: most central texts; 1: most different from those picked).

    Example:
        >>> import numpy as np
        >>> texts = ["Late delivery again", "The delivery was late", "Rude staff"]
        >>> labels = np.array([0, 0, 1])
        >>> emb = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
        >>> themes = ThemeDescriber(n_quotes=1).describe(texts, ["en"] * 3, labels, emb)
        >>> themes[1].quote_indices
        (2,)
    """

    def __init__(
        self,
        n_keywords: int = 10,
        n_quotes: int = 5,
        min_quote_chars: int = 15,
        max_quote_chars: int = 300,
        quote_redundancy: float = 0.9,
        tokenizer: Tokenizer | None = None,
        min_df: int = 2,
        diversity: float = 0.3,
    ):
        self.n_keywords = n_keywords
        self.n_quotes = n_quotes
        self.min_quote_chars = min_quote_chars
        self.max_quote_chars = max_quote_chars
        self.quote_redundancy = quote_redundancy
        self.tokenizer = tokenizer
        self.min_df = min_df
        self.diversity = diversity

    def describe(
        self,
        texts: Sequence[str],
        languages: Sequence[str | None],
        labels: npt.ArrayLike,
        embeddings: npt.ArrayLike,
    ) -> dict[int, ThemeDescription]:
        """Describe every theme of one clustering.

        Args:
            texts: the feedback texts.
            languages: one language code per text.
            labels: one theme id per text; ``-1`` (any negative) is unassigned and
                not described.
            embeddings: (n_texts, dim) embeddings of the texts.

        Returns:
            Theme id -> its description; ``{}`` when no text is assigned.
            ``quote_indices`` index into ``texts``.

        Raises:
            ConfigError: a parameter is out of range.
            ValidationError: the inputs differ in length or have the wrong shape.
        """
        self._check_params()
        theme_of, vectors = _check_inputs(texts, languages, labels, embeddings)
        themes = np.unique(theme_of[theme_of >= 0])
        if themes.size == 0:
            return {}
        keywords = self._keywords(texts, languages, theme_of, themes)
        described: dict[int, ThemeDescription] = {}
        for position, theme in enumerate(themes.tolist()):
            members = np.flatnonzero(theme_of == theme)
            quotes = self._quotes(texts, languages, members, vectors[members])
            described[theme] = ThemeDescription(
                keywords=keywords[position],
                label=make_label(keywords[position], default=f"theme {theme}"),
                quote_indices=quotes,
            )
        return described

    def _check_params(self) -> None:
        """Raise ConfigError for an out-of-range parameter."""
        problems = []
        if self.n_keywords < 1:
            problems.append(f"n_keywords={self.n_keywords} (allowed: >= 1)")
        if self.n_quotes < 0:
            problems.append(f"n_quotes={self.n_quotes} (allowed: >= 0)")
        if not 0 <= self.min_quote_chars <= self.max_quote_chars:
            problems.append(
                f"min_quote_chars={self.min_quote_chars}, max_quote_chars="
                f"{self.max_quote_chars} (allowed: 0 <= min <= max)"
            )
        if not 0 < self.quote_redundancy <= 1:
            problems.append(f"quote_redundancy={self.quote_redundancy} (allowed: (0, 1])")
        if self.min_df < 1:
            problems.append(f"min_df={self.min_df} (allowed: >= 1)")
        if not 0 <= self.diversity <= 1:
            problems.append(f"diversity={self.diversity} (allowed: [0, 1])")
        if problems:
            raise ConfigError("ThemeDescriber: " + "; ".join(problems))

    def _keywords(
        self,
        texts: Sequence[str],
        languages: Sequence[str | None],
        theme_of: np.ndarray,
        themes: np.ndarray,
    ) -> list[tuple[str, ...]]:
        """Top c-TF-IDF terms of each theme, in the order of ``themes``."""
        assigned = np.flatnonzero(theme_of >= 0)
        tokenizer = self.tokenizer if self.tokenizer is not None else Tokenizer()
        phrases = tokenizer.tokenize_phrases(
            [texts[i] for i in assigned.tolist()], [languages[i] for i in assigned.tolist()]
        )
        orders: dict[str, Counter[str]] = {}
        documents = [_terms(text_phrases, orders) for text_phrases in phrases]
        if not any(documents):
            return [() for _ in themes]
        vectorizer = CountVectorizer(analyzer=_identity)
        doc_terms = sp.csr_matrix(vectorizer.fit_transform(documents))
        vocabulary = [str(term) for term in vectorizer.get_feature_names_out()]
        bigram = np.array([" " in term for term in vocabulary])
        doc_frequency = np.bincount(doc_terms.indices, minlength=len(vocabulary))
        rows = np.searchsorted(themes, theme_of[assigned])
        membership = sp.csr_matrix(
            (np.ones(len(assigned)), (rows, np.arange(len(assigned)))),
            shape=(len(themes), len(assigned)),
        )
        counts = sp.csr_matrix(membership @ doc_terms)
        scores = ClassTfidfTransformer().fit_transform(counts)
        result = []
        for row in range(len(themes)):
            start, end = scores.indptr[row], scores.indptr[row + 1]
            columns, values = scores.indices[start:end], scores.data[start:end]
            rare = doc_frequency[columns] < self.min_df
            # Frequent-enough terms first, then by score, ties alphabetically (the
            # vocabulary is sorted, so the column index is the alphabetical rank).
            # A rare bigram is noise ("courier rude"): it neither becomes a keyword
            # nor displaces its words; a rare word still fills a tiny theme's list.
            order = np.lexsort((columns, -values, rare))
            ranked = (
                _surface(vocabulary[columns[i]], orders)
                for i in order
                if values[i] > 0 and not (rare[i] and bigram[columns[i]])
            )
            result.append(select_keywords(ranked, self.n_keywords))
        return result

    def _quotes(
        self,
        texts: Sequence[str],
        languages: Sequence[str | None],
        members: np.ndarray,
        vectors: np.ndarray,
    ) -> tuple[int, ...]:
        """Pick up to ``n_quotes`` member indices by maximal marginal relevance."""
        if self.n_quotes == 0:
            return ()
        unit = _unit_rows(vectors)
        centroid = _unit_rows(unit.mean(axis=0, keepdims=True))[0]
        relevance = unit @ centroid
        stripped = [texts[i].strip() for i in members]
        normalised = [" ".join(text.split()).casefold() for text in stripped]
        lengths = np.array([len(text) for text in stripped])
        language = [spacy_language(languages[i]) for i in members]
        within = (lengths >= self.min_quote_chars) & (lengths <= self.max_quote_chars)
        usable = lengths > 0

        picked: list[int] = []
        seen_texts: set[str] = set()
        language_count: dict[str, int] = {}
        closest = np.full(len(members), -np.inf)
        for pool in (usable & within, usable & ~within):
            available = pool.copy()
            while len(picked) < self.n_quotes:
                available &= closest < self.quote_redundancy
                candidates = np.flatnonzero(available)
                if candidates.size == 0:
                    break
                novelty_penalty = np.maximum(closest[candidates], 0.0) if picked else 0.0
                mmr = (1 - self.diversity) * relevance[candidates] - (
                    self.diversity * novelty_penalty
                )
                close = mmr >= mmr.max() - _LANGUAGE_TIE
                tied, tied_mmr = candidates[close].tolist(), mmr[close].tolist()
                best = min(
                    range(len(tied)),
                    key=lambda k: (language_count.get(language[tied[k]], 0), -tied_mmr[k], k),
                )
                choice = tied[best]
                available[choice] = False
                if normalised[choice] in seen_texts:
                    continue
                picked.append(choice)
                seen_texts.add(normalised[choice])
                language_count[language[choice]] = language_count.get(language[choice], 0) + 1
                closest = np.maximum(closest, unit @ unit[choice])
        return tuple(int(members[i]) for i in picked)


def select_keywords(ranked: Iterable[str], n_keywords: int) -> tuple[str, ...]:
    """Take the first ``n_keywords`` terms, preferring a bigram over its unigrams.

    When a bigram and one of its words would both be keywords, the bigram takes the
    place of the better-ranked word, and the word is not used again. A bigram whose
    words are all used already ("delivery late" after "late delivery") is skipped.

    Args:
        ranked: terms best first; a bigram is two words joined by one space.
        n_keywords: how many to keep.

    Returns:
        The keywords, best first.

    Example:
        >>> select_keywords(["delivery", "late", "late delivery", "staff"], 3)
        ('late delivery', 'staff')
    """
    selected: list[str] = []
    covered: set[str] = set()
    for term in ranked:
        if len(selected) >= n_keywords:
            break
        words = term.split(" ")
        if len(words) == 1:
            if term not in covered:
                selected.append(term)
            continue
        if covered.issuperset(words):  # "delivery late" after "late delivery"
            continue
        replaced = [i for i, chosen in enumerate(selected) if chosen in words]
        if replaced:
            selected[replaced[0]] = term
            for i in reversed(replaced[1:]):
                del selected[i]
        else:
            selected.append(term)
        covered.update(words)
    return tuple(selected)


def make_label(keywords: Sequence[str], *, default: str = "") -> str:
    """Join the top 2-3 keywords with " / ", skipping near-duplicates.

    Two keywords are near-duplicates when any of their words share a prefix of five
    characters, or one short word (3-4 characters) is a prefix of the other:
    "leverans"/"leveransen", "deliver"/"delivery", "app"/"apps".

    Args:
        keywords: keywords, best first.
        default: the label when there are no keywords.

    Returns:
        The label.

    Example:
        >>> make_label(["leverans", "leveransen", "delivery", "sen"])
        'leverans / delivery / sen'
    """
    parts: list[str] = []
    for keyword in keywords:
        if any(_near_duplicate(keyword, part) for part in parts):
            continue
        if len(parts) >= 2 and len(" / ".join([*parts, keyword])) > _LABEL_MAX_CHARS:
            break
        parts.append(keyword)
        if len(parts) == _LABEL_MAX_PARTS:
            break
    return " / ".join(parts) if parts else default


def _near_duplicate(first: str, second: str) -> bool:
    """Whether any word of ``first`` and any word of ``second`` share a stem."""
    return any(_same_stem(a, b) for a in first.split() for b in second.split())


def _same_stem(a: str, b: str) -> bool:
    """Shared five-character prefix, or one short word (>= 3 chars) prefixes the other."""
    shared = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        shared += 1
    shorter = min(len(a), len(b))
    return shared >= _STEM_PREFIX or (shared == shorter and shorter >= 3) or a == b


def _terms(phrases: list[list[str]], orders: dict[str, Counter[str]]) -> list[str]:
    """Unigrams and bigrams of adjacent terms within each phrase.

    A bigram is counted under its words in alphabetical order, so "late delivery" and
    "delivery late" (from "the delivery was late") are one term; ``orders`` counts
    the orders seen, for :func:`_surface`.
    """
    terms = [term for phrase in phrases for term in phrase]
    for phrase in phrases:
        for a, b in pairwise(phrase):
            if a != b:
                key = f"{a} {b}" if a < b else f"{b} {a}"
                orders.setdefault(key, Counter())[f"{a} {b}"] += 1
                terms.append(key)
    return terms


def _surface(term: str, orders: dict[str, Counter[str]]) -> str:
    """A bigram in its most frequent word order (ties: alphabetical); other terms as is."""
    seen = orders.get(term)
    if not seen:
        return term
    return min(seen.items(), key=lambda item: (-item[1], item[0]))[0]


def _identity(document: list[str]) -> list[str]:
    """CountVectorizer analyzer for pre-tokenised documents."""
    return document


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm; all-zero rows stay zero."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def _check_inputs(
    texts: Sequence[str],
    languages: Sequence[str | None],
    labels: npt.ArrayLike,
    embeddings: npt.ArrayLike,
) -> tuple[np.ndarray, np.ndarray]:
    """Validate the describe() inputs; return labels as ints and float embeddings."""
    theme_of: Any = np.asarray(labels)
    vectors: Any = np.asarray(embeddings)
    n = len(texts)
    if theme_of.ndim != 1 or len(theme_of) != n:
        raise ValidationError(
            f"labels must be one theme id per text: got shape {theme_of.shape} for {n} texts",
            field="labels",
        )
    if n and not np.issubdtype(theme_of.dtype, np.integer):
        if not np.all(np.mod(theme_of, 1) == 0):
            raise ValidationError("labels must be integers (-1: unassigned)", field="labels")
        theme_of = theme_of.astype(np.int64)
    if len(languages) != n:
        raise ValidationError(
            f"got {n} texts but {len(languages)} languages; pass one code per text",
            field="languages",
        )
    if vectors.ndim != 2 or vectors.shape[0] != n:
        raise ValidationError(
            f"embeddings must be (n_texts, dim): got shape {vectors.shape} for {n} texts",
            field="embeddings",
        )
    dtype = np.result_type(vectors.dtype, np.float32)
    return theme_of.astype(np.int64, copy=False), vectors.astype(dtype, copy=False)
