# Set-up and the two Quick start commands. Needs only Python 3.11 and pip.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= demo.db
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install demo test lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[dev,onnx,ray]"
	touch $@

install: $(VENV)/.installed

demo: install  ## ingest the bundled sample, find themes, print them, write the HTML report
	$(BIN)/textinsight --db $(DB) ingest data/sample/feedback.csv
	$(BIN)/textinsight --db $(DB) ingest data/sample/social.jsonl --channel social
	$(BIN)/textinsight --db $(DB) customers data/sample/customers.csv
	$(BIN)/textinsight --db $(DB) purchases data/sample/purchases.csv
	$(BIN)/textinsight --db $(DB) run --seed 0
	$(BIN)/textinsight --db $(DB) themes
	$(BIN)/textinsight --db $(DB) report --out demo-report.html

lint: install
	$(BIN)/ruff check textinsight api scripts tests
	$(BIN)/ruff format --check textinsight api scripts tests
	$(BIN)/mypy

test: install lint  ## lint, type-check and run every test (real-model tests included)
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) $(DB) $(DB)-wal $(DB)-shm demo-report.html
