"""Score exported assignments against a labelled file: NMI, ARI, unassigned share.

Usage:
    textinsight --db b77.db ingest ../shared/data/banking77/banking77.csv --channel other
    textinsight --db b77.db run
    textinsight --db b77.db export assignments > assignments.csv
    python scripts/score_assignments.py assignments.csv ../shared/data/banking77/banking77.csv

The labelled file needs ``text`` and ``label`` columns (and ``source_id``/``channel`` if it
had them at ingest). Rows are matched by source id, derived exactly as the ingest does.
Unassigned feedback counts as one extra cluster. Prints and optionally writes JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from textinsight.evaluate import cluster_scores
from textinsight.ingest.load import derive_source_id, prepare_text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", type=Path, help="CSV from `textinsight export assignments`")
    parser.add_argument("labelled", type=Path, help="CSV with text,label columns")
    parser.add_argument("--channel", default="other", help="channel used at ingest")
    parser.add_argument("--json", type=Path, help="also write the scores here")
    args = parser.parse_args()

    labels: dict[tuple[str, str], str] = {}
    with args.labelled.open(encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            channel = row.get("channel") or args.channel
            source_id = row.get("source_id") or derive_source_id(
                channel, prepare_text(row, line)[0]
            )
            labels.setdefault((channel, source_id), row["label"])
    truth, found = [], []
    with args.assignments.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = (row["channel"], row["source_id"])
            if key in labels:
                truth.append(labels[key])
                found.append(int(row["theme_id"]) if row["theme_id"] else -1)
    if not truth:
        sys.exit("No assignment matched a labelled row: was the file ingested with this channel?")
    scores = cluster_scores(truth, found)
    print(json.dumps(scores, indent=2))
    if args.json:
        args.json.write_text(json.dumps(scores, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
