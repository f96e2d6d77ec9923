# Entry points only: what each target does lives in Python modules and scripts.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test lint format bench migrate serve generate-client

$(STAMP): pyproject.toml generated_client/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]' -e ./generated_client
	touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) -m harness.together

serve: install
	$(PY) -m server

migrate: install
	$(PY) -m server migrate

generate-client: install
	$(PY) -m harness.client_generation
	$(PY) -m pip install --quiet -e ./generated_client

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

test: lint
	$(PY) -m pytest

bench: install
	$(PY) -m bench
