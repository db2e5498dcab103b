# RPS MLOps — one command per chore, the same locally and in CI.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export MLFLOW_DISABLE_TELEMETRY := true
export PYTHONDONTWRITEBYTECODE := 1

.DEFAULT_GOAL := help
.PHONY: help install services test lint format bench run clean

help: ## List every target with one line each
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade 'pip>=24'
	$(VENV)/bin/pip install -q -c constraints.txt -e '.[dev]'
	touch $@

install: $(STAMP) ## Create .venv and install the pinned dependencies (constraints.txt)

services: ## Install/start what the tests need that is missing (redis-server, PostgreSQL, Chromium)
	@scripts/test-services.sh

test: install services ## Run the whole test suite against real services
	$(PY) -m pytest

lint: install ## ruff check, ruff format --check and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: install ## Apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install services ## Run the benchmarks; results go to bench/results.md
	$(PY) -m bench

run: install ## Run the whole system locally (SQLite, a local Redis, a local model cache)
	$(PY) -m services.run

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
