"""The action ledger end to end through the CLI, on planted data.

Three lexically distinct topics (the hashing embedder separates them). Customers who
write about delivery churn 30% within 90 days, except those who write from store
S-1 on or after the action date: 10%. ``action add`` on the delivery theme scoped to
S-1 must find a churn change whose interval covers -0.20, follow the theme to the
next run through lineage, and say "too early" for an action near the end of the data.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

from tests.cli.test_cli import invoke  # noqa: F401 - the CLI fixture
from tests.conftest import TOPICS

START = date(2026, 1, 1)
ACTION = START + timedelta(days=200)
DAYS = 400


def planted(seed: int = 3, n: int = 1500) -> tuple[list[dict], list[dict], list[dict]]:
    rng = random.Random(seed)
    feedback, customers, purchases = [], [], []
    for i in range(n):
        topic = list(TOPICS)[i % 3]
        day = rng.randrange(DAYS)
        store = f"S-{rng.randrange(3) + 1}"
        when = START + timedelta(days=day)
        p = 0.2
        if topic == "delivery":
            p = 0.1 if store == "S-1" and when >= ACTION else 0.3
        churned = rng.random() < p
        churned_at = (when + timedelta(days=rng.randrange(1, 91))).isoformat() if churned else ""
        words = TOPICS[topic].split()  # the topic's words and an order number: one theme
        feedback.append(
            {
                "source_id": f"F-{i}",
                "channel": "ticket",
                "text": f"{' '.join(words).capitalize()} order {i}",
                "created_at": when.isoformat(),
                "customer_id": f"C-{i}",
                "store_id": store,
                "language": "en",
                "rating": str(1 + rng.randrange(2) if topic != "app" else 4),
            }
        )
        customers.append(
            {
                "customer_id": f"C-{i}",
                "segment": "private",
                "joined_at": "2025-01-01",
                "value": "1000",
                "churned_at": churned_at,
            }
        )
        purchases.append(
            {
                "customer_id": f"C-{i}",
                "purchased_at": (when - timedelta(days=30)).isoformat(),
                "amount": "600",
            }
        )
    return feedback, customers, purchases


def test_action_ledger_end_to_end(invoke, write_csv) -> None:  # noqa: F811
    feedback, customers, purchases = planted()
    assert invoke("ingest", str(write_csv(feedback, "f.csv"))).exit_code == 0
    assert invoke("customers", str(write_csv(customers, "c.csv"))).exit_code == 0
    assert invoke("purchases", str(write_csv(purchases, "p.csv"))).exit_code == 0
    assert invoke("run", "--seed", "0").exit_code == 0
    themes = json.loads(invoke("themes", "--format", "json").output)
    delivery = next(
        t for t in themes if "courier" in " ".join([t["label"], *t["keywords"]]).lower()
    )

    result = invoke(
        "action",
        "add",
        "--theme",
        str(delivery["id"]),
        "--date",
        ACTION.isoformat(),
        "--store",
        "S-1",
        "--note",
        "New courier in S-1",
    )
    assert result.exit_code == 0, result.output
    assert "action 1" in result.output
    late = (START + timedelta(days=DAYS - 20)).isoformat()
    assert invoke("action", "add", "--theme", str(delivery["id"]), "--date", late).exit_code == 0
    bad = invoke("action", "add", "--theme", str(delivery["id"]), "--date", "2026-13-01")
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output
    unknown = invoke(
        "action", "add", "--theme", str(delivery["id"]), "--date", late, "--store", "S-9"
    )
    assert unknown.exit_code != 0 and "S-1" in unknown.output
    listed = invoke("action", "list").output
    assert "New courier in S-1" in listed and "stores S-1" in listed

    shown = json.loads(invoke("action", "show", "1", "--format", "json").output)
    churn = next(o for o in shown["effect"]["outcomes"] if o["outcome"] == "churn")
    assert churn["status"] == "measured", churn
    assert churn["ci"][0] <= -0.20 <= churn["ci"][1]
    assert churn["ci"][1] < 0.05
    assert shown["effect"]["money"] > 0

    text = invoke("action", "show", "2").output
    assert "too early: 2 weeks of 8 needed" in text, text

    # the same action against the delivery theme's category (one theme in it here)
    category = str(delivery["parent_id"])
    logged = invoke("action", "add", "--category", category, "--date", ACTION.isoformat(),
                    "--store", "S-1")  # fmt: skip
    assert logged.exit_code == 0 and f"category {category}" in logged.output, logged.output
    both = invoke("action", "add", "--category", category, "--theme", "1", "--date", late)
    assert both.exit_code != 0 and "not both" in both.output
    shown = json.loads(invoke("action", "show", "3", "--format", "json").output)
    assert shown["action"]["level"] == "category" and shown["theme_ids"] == [int(category)]
    assert "the same category outside the scope" in shown["effect"]["comparison"]
    churn = next(o for o in shown["effect"]["outcomes"] if o["outcome"] == "churn")
    assert churn["status"] == "measured" and churn["ci"][0] <= -0.20 <= churn["ci"][1], churn
    assert f"action 3  {ACTION.isoformat()}  category {category}" in invoke("action", "list").output

    assert invoke("run", "--seed", "0").exit_code == 0  # lineage: the theme keeps its id
    table = invoke("show", str(delivery["id"])).output
    assert "Action 1" in table and "churn" in table
    detail = json.loads(invoke("show", str(delivery["id"]), "--format", "json").output)
    assert [a["action"]["id"] for a in detail["actions"]] == [1, 2, 3]  # 3: its category
    assert detail["actions"][0]["run_id"] == 2
    out = write_csv([{"x": 1}], "unused.csv").parent / "report.html"
    assert invoke("report", "--out", str(out)).exit_code == 0
    html = out.read_text(encoding="utf-8")
    assert "<h2>Actions</h2>" in html and "New courier in S-1" in html
