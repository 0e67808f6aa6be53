# The two commands a newcomer needs: `make run` (the product) and `make test` (the whole suite).
# The first Python 3.11+ that actually runs (pyenv shims exist for versions that are not active).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && command -v $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# pytest on every core (pytest-xdist); `make test PYTEST_ARGS="-n 0"` runs one process.
# loadfile keeps each test file in one process; on a shared 2-core machine it measured 5.6-7.7 min
# against 7.5-7.8 min for test-by-test scheduling (load, worksteal).
PYTEST_ARGS ?= -n auto --dist loadfile

.PHONY: run test install lint bench bench-smoke smoke

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Fulcrum needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_instruments
	$(BIN)/python manage.py seed_demo
	DEBUG=true $(BIN)/python manage.py run_embedded

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

test: lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	@$(BIN)/python -c 'import os; print("Test backends: database =", "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite", "| broker =", "redis" if os.environ.get("REDIS_URL") else "filesystem")'
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench.run_all

# Every benchmark at tiny sizes (well under a minute): CI runs it so the scripts keep working.
bench-smoke: install
	$(BIN)/python -m bench.run_all --smoke

# What `make run` does before serving, without serving: CI runs it on both backends.
smoke: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_instruments
	$(BIN)/python manage.py load_instruments
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py seed_demo
