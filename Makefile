# EconSim: `make run` starts the platform, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint fmt system-deps clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

## Debian packages the tests and the sandbox need (Chromium for browser tests, bubblewrap).
system-deps:
	scripts/install-system-deps

run: install
	scripts/run-platform

test: install system-deps
	scripts/run-tests

lint: install
	$(BIN)/ruff check .
	PYTHONPATH=. $(BIN)/lint-imports

fmt: install
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .import_linter_cache .grimp_cache
