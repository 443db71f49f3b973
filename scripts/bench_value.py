"""Re-measure issue 11's table: the value stage's verdicts on planted customer data.

Runs :func:`textinsight.value.compute_theme_values` (whichever version is importable:
run it once with an older checkout on ``PYTHONPATH`` for the "before" column) over
planted data sets from ``tests/value/planted_value.py`` with perfect theme labels, and prints
one markdown row per situation. With ``--references`` it also compares the reference
groups the value stage offers (``ValueConfig.reference``).

    PYTHONPATH=. python scripts/bench_value.py --seeds 40
    PYTHONPATH=. python scripts/bench_value.py --seeds 40 --references
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.append(str(Path(__file__).resolve().parent.parent))  # after PYTHONPATH: see above

from tests.value.planted_value import (  # noqa: E402
    EARLY,
    EXIT,
    LATE,
    ONBOARD,
    PAIN,
    REGULAR,
    SALE,
    Situation,
    plant,
)
from textinsight.value import ValueConfig  # noqa: E402

SITUATIONS = {
    "new customers write onboarding feedback": Situation(new_customers=True),
    "churn rises with number of items": Situation(items_dose=True),
    "no-effect theme written early": Situation(early=True),
    "exit feedback written after churning": Situation(exit_theme=True),
    "one dominant pain theme (40 %)": Situation(dominant_pain=True),
    "no effect anywhere": Situation(),
    "true pain (x3) + loyalty (75 vs 45 %) + member-only pain": Situation(
        pain=True, loyalty=True, member_pain=True
    ),
    "sale-week vs regular vs random buyers": Situation(discount=True),
}


def _lift(values: list[float | None]) -> str:
    known = [v for v in values if v is not None and np.isfinite(v)]
    return f"{np.mean(known):.2f}" if known else "n/a"


def _kinds(runs: list[dict[int, Any]], theme: int, kind: str) -> int:
    return sum(1 for v in runs if theme in v and v[theme].kind == kind)


def _split(runs: list[dict[int, Any]]) -> int | str:
    """Seeds where the membership breakdown of LATE recovers the planted split."""
    if getattr(runs[0][LATE], "breakdowns", None) is None:
        return "n/a"
    hits = 0
    for v in runs:
        membership = v[LATE].breakdowns["membership"]
        member, other = (
            membership["groups"]["member"]["ci"],
            membership["groups"]["non_member"]["ci"],
        )
        hits += bool(
            member
            and other
            and member[0] <= 3 <= member[1]
            and other[0] <= 1 <= other[1]
            and membership["heterogeneity_p"] < 0.05
        )
    return hits


def measure(name: str, runs: list[dict[int, Any]]) -> str:  # noqa: PLR0911 (one row per situation)
    """One markdown cell describing the verdicts of ``runs`` in situation ``name``."""
    n = len(runs)
    if name.startswith("new customers"):
        others = [t for t in runs[0] if t != ONBOARD]
        drivers = max(_kinds(runs, t, "loyalty_driver") for t in others)
        return (
            f"onboarding lift {_lift([v[ONBOARD].churn_lift for v in runs])}, pain point "
            f"{_kinds(runs, ONBOARD, 'pain_point')}/{n}, significant "
            f"{sum(v[ONBOARD].significant for v in runs)}/{n}; an established customers' "
            f"theme a loyalty driver in up to {drivers}/{n}"
        )
    if name.startswith("churn rises"):
        lifts = [_lift([v[t].churn_lift for v in runs]) for t in sorted(runs[0])]
        pains = [_kinds(runs, t, "pain_point") for t in sorted(runs[0])]
        return f"lifts {min(lifts)}-{max(lifts)}, pain point in {min(pains)}-{max(pains)} of {n}"
    if name.startswith("no-effect theme written early"):
        return (
            f"lift {_lift([v[EARLY].churn_lift for v in runs])}, significant "
            f"{sum(v[EARLY].significant for v in runs)}/{n}"
        )
    if name.startswith("exit"):
        top = sum(
            1
            for v in runs
            if v[EXIT].kind == "pain_point"
            and (v[EXIT].impact or 0) >= max(t.impact or 0 for t in v.values())
        )
        return (
            f"lift {_lift([v[EXIT].churn_lift for v in runs])}, kind exit "
            f"{_kinds(runs, EXIT, 'exit')}/{n}, pain point {_kinds(runs, EXIT, 'pain_point')}/{n}"
            f" ({top} with the top impact)"
        )
    if name.startswith("one dominant"):
        others = [t for t in runs[0] if t != PAIN]
        lifts = [_lift([v[t].churn_lift for v in runs]) for t in others]
        drivers = sum(any(v[t].kind == "loyalty_driver" for t in others) for v in runs)
        neutral = sum(all(v[t].kind == "neutral" for t in others) for v in runs)
        return (
            f"other themes' lift {min(lifts)}-{max(lifts)}; a loyalty driver among them in "
            f"{drivers}/{n}; all others neutral in {neutral}/{n}"
        )
    if name.startswith("no effect anywhere"):
        themes = [t for v in runs for t in v.values()]
        share = [t.revenue_at_risk / t.value_total for t in themes if t.value_total]
        ci = [getattr(t, "revenue_at_risk_ci", None) for t in themes]
        covered = [c[0] <= 0 <= c[1] for c in ci if c is not None]
        cover = f"{np.mean(covered):.0%}" if covered else "n/a"
        return (
            f"revenue at risk = {min(share):.0%}-{max(share):.0%} of value; excess interval "
            f"covers 0 for {cover} of themes; significant "
            f"{sum(t.significant for t in themes)}/{len(themes)}"
        )
    if name.startswith("true pain"):
        intervals = [v[PAIN].churn_lift_ci for v in runs]
        covers = sum(1 for ci in intervals if ci and ci[0] <= 3 <= ci[1])
        return (
            f"pain point {_kinds(runs, PAIN, 'pain_point')}/{n} (CI covers 3: {covers}/{n}), "
            f"loyalty driver {_kinds(runs, 1, 'loyalty_driver')}/{n}, member-only pain split "
            f"(member CI covers 3, non-member covers 1, differs p < 0.05) {_split(runs)}/{n}"
        )
    sale = np.mean([v[SALE].loyalty["behavioural"] for v in runs])
    regular = np.mean([v[REGULAR].loyalty["behavioural"] for v in runs])
    random = np.mean([v[PAIN].loyalty["behavioural"] for v in runs])
    hunters = [v[SALE].loyalty.get("discount_hunter") for v in runs]
    hunt = f"{np.mean(hunters):.0%}" if None not in hunters else "n/a"
    return (
        f"called loyal: sale-week buyers {sale:.0%}, regular {regular:.0%}, random "
        f"(Poisson) {random:.0%}; sale-week buyers called discount hunters {hunt}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--references", action="store_true", help="compare reference groups")
    args = parser.parse_args()
    configs: dict[str, ValueConfig | None] = {"default": None}
    if args.references:
        configs = {r: ValueConfig(reference=r) for r in ("unthemed", "outside", "never")}
    for label, config in configs.items():
        print(f"\n### {label}\n\n| situation | verdicts over {args.seeds} seeds |\n|---|---|")
        for name, situation in SITUATIONS.items():
            runs = [plant(seed, situation).values(config) for seed in range(args.seeds)]
            print(f"| {name} | {measure(name, runs)} |")


if __name__ == "__main__":
    main()
