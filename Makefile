# supportflow — everything sets itself up from pyproject.toml.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# One stamp per install: `make run` needs the local stack only, tests and lint the dev tools
# too (the dev extra includes the local one, so installing it satisfies both).
LOCAL_STAMP := $(VENV)/.installed-local
DEV_STAMP := $(VENV)/.installed-dev
# Browser tests drive Debian's chromium through Playwright (no browser download).
BROWSER_STAMP := $(VENV)/.installed-chromium

.PHONY: run test lint format bench clean help

help:
	@echo "make run    - start Temporal dev server + UI, Stripe sandbox, worker and API with demo tickets"
	@echo "make test   - lint, then the whole test suite"
	@echo "make lint   - ruff (lint + format check) and mypy"
	@echo "make bench  - benchmarks under bench/ (key=value lines)"

define install
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(1)]'
endef

$(LOCAL_STAMP): pyproject.toml
	$(call install,local)
	touch $(LOCAL_STAMP)

$(DEV_STAMP): pyproject.toml
	$(call install,dev)
	touch $(DEV_STAMP) $(LOCAL_STAMP)

$(BROWSER_STAMP): $(DEV_STAMP)
	command -v chromium || (apt-get update && apt-get install -y chromium) && touch $(BROWSER_STAMP)

run: $(LOCAL_STAMP)
	$(BIN)/supportflow run

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy workflows activities integrations policies worker bench evals

format: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint $(BROWSER_STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: $(DEV_STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf .data $(VENV)
