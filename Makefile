# Every target sets up what it needs first, so each works on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup chat run sync test lint format evaluate preview bench soak clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## The interview in the terminal (no Discord needed).
chat: $(STAMP)
	$(BIN)/offering-advisor chat

## The Discord bot (DISCORD_TOKEN and the rest from .env).
run: $(STAMP)
	$(BIN)/offering-advisor run

## Register the slash commands: `make sync GUILD=<server id>` for one server.
sync: $(STAMP)
	$(BIN)/offering-advisor sync $(if $(GUILD),--guild $(GUILD))

## The whole test suite, with the coverage gate on the pure core (dialogs/).
test: $(STAMP)
	$(BIN)/python -m pytest --cov=dialogs --cov-report=term --cov-fail-under=95

## ruff (lint and format check), mypy, and the layering contracts (import-linter).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy advisor bot cli dialogs storage terminal scripts benchmarks
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Quick-check agreement on every labelled set.
evaluate: $(STAMP)
	$(BIN)/python -m scripts.evaluate_advice; advice=$$?; echo; \
	$(BIN)/python scripts/evaluate_quickcheck.py; quick=$$?; \
	exit $$(( advice || quick ))

## Every message of the main journeys drawn as Discord shows it (preview/index.html), and
## screenshots at desktop and phone width where Chromium is installed (apt-get install chromium).
preview: $(STAMP)
	$(BIN)/python -m scripts.preview

## Throughput, latency and memory, as ratios to baselines measured in the same run
## (prints a table, writes benchmarks/results/latest.json). ARGS="--quick" for a short run.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench $(ARGS)

## 1,000 simulated members against a real bot process killed 100 times (5 minutes;
## ARGS="--minutes 1 --kills 20" for less).
soak: $(STAMP)
	$(BIN)/python -m benchmarks.soak $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build *.egg-info
