# Entry points only: what each target does lives in Python modules and scripts.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# npm ci's stamp: the contract tools of package.json (scripts/install_node_tools.sh).
NODE_STAMP := node_modules/.installed
# checkov, for tests/deploy/test_kubernetes_tools.py, in an environment of its own: it pins packaging<24.
TOOLS_VENV := .venv-tools
TOOLS_STAMP := $(TOOLS_VENV)/.installed
# What the coverage gate of `make test` measures, and its floor in percent.
COVERED := --cov=server --cov=loadclient
COVERAGE_FLOOR := 90
COMPOSE ?= docker compose
# The image docker-compose.yml builds (its `image:`; tests/deploy checks they agree).
SERVICE_IMAGE := records-shop-service:local

.PHONY: install run test test-fast lint format bench migrate serve generate-client lock up down dashboard-picture fuzz
.PHONY: docs tools

# scripts/install.sh is also the Dockerfile's recipe: the image installs what the tests ran with.
$(STAMP): pyproject.toml constraints.txt generated_client/pyproject.toml scripts/install.sh
	$(PYTHON) -m venv $(VENV)
	scripts/install.sh $(PY) deps dev
	scripts/install.sh $(PY) project
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json scripts/install_node_tools.sh
	scripts/install_node_tools.sh
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

lock: install
	$(PY) -m pip install --quiet --upgrade -e '.[dev]' -e ./generated_client
	{ head -2 constraints.txt; $(PY) -m pip freeze --exclude-editable | grep -v '^-e'; } > constraints.new
	mv constraints.new constraints.txt

# checkov (constraints-tools.txt, every version exact), in an environment of its own: not the project's, so
# not installed by scripts/install.sh (which keeps the image and the tests on the same lock). `make test`
# installs it; `make test-fast` leaves its tests out (they are marked slow).
$(TOOLS_STAMP): constraints-tools.txt
	$(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r constraints-tools.txt
	touch $(TOOLS_STAMP)

tools: $(TOOLS_STAMP)

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
	$(VENV)/bin/lint-imports
	$(PY) -m pymarkdown --strict-config --config .pymarkdown.json scan -r --respect-gitignore -e generated_client/ .
	$(PY) -m scripts.lint_contracts
	$(PY) -m scripts.contract_breaks

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# The contracts' reference pages (docs/api/, served at /docs and /docs/chat), built by Redocly: commit them.
docs: install
	$(PY) -m scripts.build_reference

test: lint tools
	$(PY) -m pytest $(COVERED) --cov-report=term-missing:skip-covered --cov-fail-under=$(COVERAGE_FLOOR)

# The inner loop: no process starts, no timeouts waited out.
test-fast: install
	$(PY) -m pytest -m "not slow" -x -q

bench: install
	scripts/ensure_system_packages.sh wrk
	$(PY) -m bench $(BENCH_ARGS)

# The whole system in containers (docker-compose.yml): build, start, then follow the API and load client.
up:
	python3 -m scripts.compose_preflight --grafana-password
	$(COMPOSE) up --build --detach
	$(COMPOSE) logs --follow api loadclient

# Stop and remove the containers and the image `up` built; the database volume stays unless VOLUMES=1.
down:
	python3 -m scripts.compose_preflight
	$(COMPOSE) down --remove-orphans $(if $(VOLUMES),--volumes)
	docker image rm --force $(SERVICE_IMAGE)

# docs/dashboard.png: the dashboard's queries from the end-to-end run against a real Prometheus, plotted.
dashboard-picture: install
	scripts/ensure_system_packages.sh prometheus
	mkdir -p build
	DASHBOARD_RESULTS=build/dashboard-results.json $(PY) -m pytest tests/metrics/test_end_to_end.py -q
	$(PY) -m scripts.plot_dashboard build/dashboard-results.json docs/dashboard.png

# Schemathesis over the whole contract, every phase and check; reports under reports/ (FUZZ_ARGS: --seed N).
fuzz: install
	$(PY) -m scripts.fuzz $(FUZZ_ARGS)
