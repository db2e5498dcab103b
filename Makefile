# RPS MLOps — one command per chore, the same locally and in CI.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export MLFLOW_DISABLE_TELEMETRY := true
export PYTHONDONTWRITEBYTECODE := 1
# `make simulate`'s defaults: variables, since $(or …) would split the mix at its commas.
GAMES ?= 200
PLAYERS ?= human:70,random:10,cycle:20
URL ?= http://127.0.0.1:8000
# `make run` keeps its internal token in data/: these chores present it (trusted load is not
# rate-limited; reloads need it).
simulate train promote rollback: export INTERNAL_TOKEN ?= $(shell cat data/internal-token 2>/dev/null)

.DEFAULT_GOAL := help
.PHONY: help install services test lint format bench run simulate train promote rollback screenshots clean

help: ## List every target with one line each
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# The PyTorch CPU index (torch without CUDA libraries) when reachable; PyPI alone works too.
TORCH_INDEX_URL ?= https://download.pytorch.org/whl/cpu
PYTHON ?= $(shell for p in python3.11 python3.12 python3.13 python3; do command -v $$p >/dev/null && { echo $$p; break; }; done)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade 'pip>=24'
	index='$(TORCH_INDEX_URL)'; \
	if [ -n "$$index" ] && ! $(PY) -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)" "$$index" 2>/dev/null; then \
		echo "$$index unreachable: torch from PyPI or a configured local wheel"; index=''; fi; \
	$(VENV)/bin/pip install -q -c constraints.txt $${index:+--extra-index-url "$$index"} -e '.[train,dev]'
	touch $@

# docker compose's settings and secrets: written once, with random secrets (never committed).
.env:
	@scripts/fill-env.sh .env.example .env

install: $(STAMP) .env ## Create .venv, install the pinned dependencies (constraints.txt), write .env

services: ## Install/start what the tests need that is missing (redis-server, PostgreSQL, Chromium, Docker)
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

run: install ## Run the whole system locally (SQLite, a local Redis it installs if needed, a local model cache)
	@PYTHON=$(PY) scripts/ensure-redis.sh
	$(PY) -m services.run

simulate: install ## Play simulated games against local gameplay (GAMES=200 PLAYERS=human:70,random:10,cycle:20 URL=...)
	$(PY) -m services.simulator simulate --games $(GAMES) --players '$(PLAYERS)' --url $(URL)

train: install ## Train every family now, here, with a progress bar (--force: new-rows minimum ignored, exit 2 if none trained)
	$(PY) -m services.trainer train --now --force

promote: install ## Run one promotion cycle now, here
	$(PY) -m services.promoter promote --now

rollback: install ## Restore a family's previous Production (FAMILY=rps_bot_xgboost)
	@test -n "$(FAMILY)" || { echo "set FAMILY, e.g. make rollback FAMILY=rps_bot_xgboost"; exit 2; }
	$(PY) -m services.promoter rollback --family $(FAMILY)

screenshots: install services ## Regenerate docs/ui-lite.png and docs/ui-lite-debug.png in headless Chromium
	$(PY) -m tests.ui.screenshots

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
