# Entry points only: what each target does lives in Python modules and scripts.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# What the coverage gate of `make test` measures, and its floor in percent.
COVERED := --cov=server --cov=loadclient
COVERAGE_FLOOR := 90

.PHONY: install run test test-fast lint format bench migrate serve generate-client lock fuzz

$(STAMP): pyproject.toml constraints.txt generated_client/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]' -e ./generated_client
	touch $(STAMP)

install: $(STAMP)

lock: install
	$(PY) -m pip install --quiet --upgrade -e '.[dev]' -e ./generated_client
	{ head -2 constraints.txt; $(PY) -m pip freeze --exclude-editable | grep -v '^-e'; } > constraints.new
	mv constraints.new constraints.txt

run: install
	$(PY) -m scripts.run_with_load_client

serve: install
	$(PY) -m server

migrate: install
	$(PY) -m server migrate

generate-client: install
	$(PY) -m scripts.generate_client
	$(PY) -m pip install --quiet -e ./generated_client

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

test: lint
	$(PY) -m pytest $(COVERED) --cov-report=term-missing:skip-covered --cov-fail-under=$(COVERAGE_FLOOR)

# The inner loop: no process starts, no timeouts waited out.
test-fast: install
	$(PY) -m pytest -m "not slow" -x -q

bench: install
	$(PY) -m bench

# Schemathesis over the whole contract, every phase and check; reports under reports/ (FUZZ_ARGS: --seed N).
fuzz: install
	$(PY) -m scripts.fuzz $(FUZZ_ARGS)
