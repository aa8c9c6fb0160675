# supportflow — everything sets itself up from pyproject.toml.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench clean help

help:
	@echo "make run    - start Temporal dev server + UI, Stripe sandbox, worker and API with demo tickets"
	@echo "make test   - lint, then the whole test suite"
	@echo "make lint   - ruff (lint + format check) and mypy"
	@echo "make bench  - benchmarks under bench/ (key=value lines)"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/supportflow run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy workflows activities integrations policies worker bench evals

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf .data $(VENV)
