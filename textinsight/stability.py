"""Themes that hold still: labels and kinds carried across runs, and how stable each is.

A re-run on a little more feedback, or with another seed, re-describes and re-scores
every theme. Two rules keep what did not really change:

- **Labels follow content.** A theme that kept its id keeps its previous label when
  it holds mostly the same feedback as before (member overlap,
  ``lineage.member_overlap``, at least ``LABEL_OVERLAP``) or when every word of that
  label is still among its keywords (``still_describes``): the new label would
  describe the same content, and a dashboard should not rename a theme for that.
- **Kinds have hysteresis.** A kept theme keeps its previous kind (pain point,
  loyalty driver, neutral) unless the evidence has really moved: it leaves a kind only
  when that kind no longer holds even at the looser false discovery rate
  ``alpha * KIND_EXIT_FACTOR``, and enters another only when that one holds at the
  stricter ``alpha / KIND_ENTER_FACTOR``. A q-value that wanders around ``alpha``
  with a little more feedback so does not flip the verdict.

Pure (records in, records out); ``stability_report.theme_stability`` reports, per
theme of a run, how long it has kept its id, its member overlap with the previous run,
and whether its label and kind were kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from textinsight.lineage import LineageEvent
from textinsight.records import Theme, ThemeValue
from textinsight.value import ValueConfig

LABEL_OVERLAP = 0.4
"""Member overlap at or above which a kept theme keeps its previous label."""

KIND_EXIT_FACTOR = 4.0
"""A kept theme leaves its kind only when it fails at ``alpha * KIND_EXIT_FACTOR``."""

KIND_ENTER_FACTOR = 4.0
"""A kept theme enters a new kind only when it holds at ``alpha / KIND_ENTER_FACTOR``."""


def kind_at(value: ThemeValue, alpha: float, config: ValueConfig) -> str:
    """The kind ``value`` earns at false discovery rate ``alpha``.

    The verdict of ``value.verdict.decide`` read back from a theme's q-values and lifts
    (at ``alpha = config.alpha`` it gives ``value.kind``): ``exit`` when enough of its
    customers left; a pain point has a significantly worse churn or repurchase and none
    better, a loyalty driver the mirror image; ``contradiction`` when the sentiment
    points the other way.
    """
    if (value.exit_share or 0.0) >= config.exit_share:
        return "exit"
    better = worse = False
    tests = (
        (value.churn_q, value.churn_lift, -1.0),  # less churn is better
        (value.repurchase_q, value.repurchase_lift, 1.0),
    )
    for q, lift, sign in tests:
        if q is None or lift is None or q > alpha:
            continue
        better |= sign * (lift - 1.0) > 0
        worse |= sign * (lift - 1.0) < 0
    sentiment = value.sentiment
    negative = sentiment is not None and sentiment < -config.sentiment_threshold
    positive = sentiment is not None and sentiment > config.sentiment_threshold
    if worse and not better:
        return "contradiction" if positive else "pain_point"
    if better and not worse:
        return "contradiction" if negative else "loyalty_driver"
    return "neutral"


def held_kind(previous: str, value: ThemeValue, config: ValueConfig) -> str:
    """The kind of a kept theme whose previous run called it ``previous``.

    Example:
        >>> v = ThemeValue(feedback_count=50, customers=40, kind="neutral",
        ...                churn_q=0.08, churn_lift=1.5, sentiment=-0.4)
        >>> held_kind("pain_point", v, ValueConfig())  # q 0.08: not enough to leave
        'pain_point'
    """
    if value.kind == previous:
        return previous
    relaxed = kind_at(value, config.alpha * KIND_EXIT_FACTOR, config)
    strict = kind_at(value, config.alpha / KIND_ENTER_FACTOR, config)
    if previous != "neutral" and relaxed == previous:
        return previous  # the old verdict still holds, only less surely
    if value.kind != "neutral" and strict != value.kind:
        return previous  # the new verdict is not sure enough yet
    return value.kind


def still_describes(label: str, theme: Theme) -> bool:
    """Whether every word of ``label`` is still among the words of ``theme``'s keywords:
    the new description still supports the old label.

    """
    words = {w for keyword in theme.keywords for w in keyword.lower().split()}
    wanted = {w for w in label.lower().replace("/", " ").split()}
    return bool(wanted) and wanted <= words


def carry_over(
    themes: Sequence[Theme],
    previous: Mapping[int, Theme],
    events: Sequence[LineageEvent],
    config: ValueConfig | None = None,
) -> list[Theme]:
    """``themes`` with the labels and kinds that did not really change taken from
    ``previous`` (the last run's themes by id); ``events`` are this run's lineage."""
    config = config or ValueConfig()
    overlap = {e.theme_id: e.overlap for e in events if e.kind in ("same", "merged")}
    out = []
    for theme in themes:
        before = previous.get(theme.id)
        if before is None or theme.id not in overlap:
            out.append(theme)
            continue
        if (overlap[theme.id] or 0.0) >= LABEL_OVERLAP or still_describes(before.label, theme):
            theme = replace(theme, label=before.label)
        if theme.value is not None and before.value is not None:
            kind = held_kind(before.value.kind, theme.value, config)
            if kind != theme.value.kind:
                theme = replace(theme, value=replace(theme.value, kind=kind))
        out.append(theme)
    return out
