# The two commands a newcomer needs: `make run` (the product) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.13 || command -v python3.12 || command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test install lint bench smoke

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

test: lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	@$(BIN)/python -c 'import os; print("Test backends: database =", "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite", "| broker =", "redis" if os.environ.get("REDIS_URL") else "filesystem")'
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench.run_all

# What `make run` does before serving, without serving: CI runs it on both backends.
smoke: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_instruments
	$(BIN)/python manage.py load_instruments
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py seed_demo
