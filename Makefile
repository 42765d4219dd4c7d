# The two commands a newcomer needs: `make run` and `make test`. Each sets up
# the project's virtual environment (.venv) and dependencies on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
READY := $(VENV)/.ready

.PHONY: run test lint format bench assets clean chaos

run: $(READY)  ## run the product: demo city, web + worker on http://127.0.0.1:8000
	$(VENV)/bin/civicdesk demo

test: $(READY) node_modules/.ready  ## run every test on SQLite, then on a throw-away PostgreSQL if installed
	scripts/test

lint: $(READY)  ## ruff, format check, mypy, import contracts (the rings), Django checks, missing migrations
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache
	CIVICDESK_DATA_DIR=$$(mktemp -d) $(VENV)/bin/python manage.py check --fail-level WARNING
	CIVICDESK_DATA_DIR=$$(mktemp -d) $(VENV)/bin/python manage.py makemigrations --check --dry-run

chaos: $(READY)  ## 100 crash trials (kill -9 of web and worker during intake and sweeps), SQLite then PostgreSQL
	CIVICDESK_DATA_DIR=$$(mktemp -d) CIVICDESK_CRASH_TRIALS=$${TRIALS:-100} $(VENV)/bin/python -m pytest -q tests/durability/test_crash_trials.py
	if $(VENV)/bin/python scripts/with_postgres.py --find >/dev/null; then \
	  CIVICDESK_DATA_DIR=$$(mktemp -d) CIVICDESK_CRASH_TRIALS=$${TRIALS:-100} $(VENV)/bin/python scripts/with_postgres.py -- $(VENV)/bin/python -m pytest -q tests/durability/test_crash_trials.py; fi

format: $(READY)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(READY)  ## print the performance figures of DESIGN.md
	$(VENV)/bin/pip install -q -e '.[bench]'
	$(VENV)/bin/python bench/run.py

$(READY): pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e '.[dev]'
	@touch $(READY)

# axe-core for the browser tests (the served assets are committed under static/vendor).
node_modules/.ready: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: browser accessibility tests will be skipped (install nodejs and npm)"; fi

assets: node_modules/.ready  ## refresh the vendored front-end assets from node_modules
	$(VENV)/bin/python scripts/build_assets.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
