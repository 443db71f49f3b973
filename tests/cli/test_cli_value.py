"""End to end through the CLI: planted customer data, verdicts that survive the situations."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.value.planted_value import EARLY, EXIT, LOYAL, ONBOARD, PAIN, Situation, plant
from textinsight.cli import cli
from textinsight.config import get_settings

VOCABULARY = {
    PAIN: "parcel delivery late courier tracking delayed shipping package arrived week",
    LOYAL: "staff friendly helpful cashier kind employee store smile service great",
    ONBOARD: "setup onboarding welcome beginner activate start guide first card tutorial",
    EARLY: "app login password crash update error screen version phone sync",
    EXIT: "how do i cancel my membership please close account now",
    -1: "price expensive cost cheaper offer fee charge bill money invoice",
}


def test_cli_verdicts_on_planted_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write_csv
) -> None:
    monkeypatch.setenv("TEXTINSIGHT_MODEL", "hashing")
    get_settings.cache_clear()
    db = tmp_path / "value.db"

    def invoke(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--db", str(db), *args])
        assert result.exit_code == 0, result.output
        return result.output

    world = plant(3, Situation(pain=True, loyalty=True, new_customers=True, exit_theme=True))
    rng = random.Random(0)
    rows, planted = [], {}
    for item, label, sentiment in zip(world.feedback, world.labels, world.sentiments, strict=True):
        words = VOCABULARY[label].split()
        planted[item.source_id] = label
        rows.append(
            {
                "source_id": item.source_id,
                "channel": "survey",
                "text": " ".join(words[:5] + [rng.choice(words[5:7])]).capitalize(),
                "created_at": item.created_at,
                "customer_id": item.customer_id,
                "language": "en",
                "rating": round(3 + 2 * sentiment),
            }
        )
    customers = [
        {
            "customer_id": c.customer_id,
            "segment": c.segment,
            "is_member": str(c.is_member).lower(),
            "joined_at": c.joined_at,
            "value": c.value,
            "churned_at": c.churned_at,
        }
        for c in world.customers
    ]
    purchases = [
        {"customer_id": p.customer_id, "purchased_at": p.purchased_at, "amount": p.amount}
        for p in world.purchases
    ]
    invoke("ingest", str(write_csv(rows, "feedback.csv")))
    invoke("customers", str(write_csv(customers, "customers.csv")))
    invoke("purchases", str(write_csv(purchases, "purchases.csv")))
    invoke("run", "--seed", "0")
    themes = json.loads(invoke("themes", "--format", "json", "--limit", "100"))
    exported = [
        json.loads(line)
        for line in invoke("export", "assignments", "--format", "jsonl").splitlines()
    ]
    votes: dict[int, Counter[int]] = {}
    for row in exported:
        if row["theme_id"] is not None:
            votes.setdefault(row["theme_id"], Counter())[planted[row["source_id"]]] += 1
    kinds: dict[int, list[str]] = {}
    for theme in themes:
        label, n = votes[theme["id"]].most_common(1)[0]
        assert n >= 0.9 * sum(votes[theme["id"]].values()), "planted topics should cluster apart"
        kinds.setdefault(label, []).append(theme["kind"])
    assert kinds[PAIN] and set(kinds[PAIN]) == {"pain_point"}
    assert kinds[LOYAL] and set(kinds[LOYAL]) == {"loyalty_driver"}
    assert kinds[EXIT] and set(kinds[EXIT]) == {"exit"}
    for label in (ONBOARD, EARLY, -1):
        assert set(kinds.get(label, ["neutral"])) == {"neutral"}
    pain = next(t for t in themes if votes[t["id"]].most_common(1)[0][0] == PAIN)
    assert pain["churn_lift_ci"][0] > 1.0 and pain["adjusted_for"]
    assert pain["churn_n"] and pain["churn_reference_n"] and pain["revenue_at_risk_ci"]
    shown = invoke("show", str(pain["id"]))
    print(shown)
    assert "adjusted for tenure" in shown and "churn by membership" in shown
