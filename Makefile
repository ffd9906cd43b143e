# The verbs a newcomer types. Each installs what it needs (uv, then the locked dependencies).
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS ?= never
# Compiled once at install: start-up time matters for a one-shot migrator (and PYTHONDONTWRITEBYTECODE
# environments would otherwise recompile every import on every start).
export UV_COMPILE_BYTECODE ?= 1
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
RUN := $(UV) run --frozen --extra api

.PHONY: run test lint e2e bench sync

run: sync ## migrate the embedded default (or $DATABASE_URL), then serve on :8000
	$(RUN) migrate upgrade && exec $(RUN) gunicorn -c gunicorn.conf.py

test: lint ## lint, then every test against a real throwaway MySQL-compatible server
	$(RUN) pytest --ignore=tests/e2e

e2e: sync ## docker compose up --build for real (needs a Docker engine), checked, then removed
	$(RUN) pytest -s tests/e2e

lint: sync ## ruff (lint and format), mypy, the import contracts, the container files
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy
	$(RUN) lint-imports
	$(RUN) migrate lint --all
	$(RUN) hadolint Dockerfile.api Dockerfile.migrate
	$(RUN) docker-compose config -q

bench: sync ## measured tables (bench/README.md): the API against the driver's ceiling, the migrator
	$(RUN) python -m bench.api
	$(RUN) python -m bench.migrator
	$(RUN) python -m bench.migration_traffic

sync: $(UV)
	$(UV) sync --frozen --extra api

.tools/bin/uv:
	python3 -m pip install --quiet --disable-pip-version-check --target .tools uv
