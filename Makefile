# Signpost: `make run` serves the app with demo data on SQLite; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
export INSTANCE_DIR ?= $(CURDIR)/instance

.PHONY: run test setup lint format bench assets db demo clean

$(BIN)/activate:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/activate pyproject.toml requirements.lock
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

catalogue/static/css/app.css: node_modules/.installed assets/scss/app.scss scripts/build-assets.mjs catalogue/static/init.js
	npm run --silent build

assets: catalogue/static/css/app.css

setup: $(VENV)/.installed assets

db: setup
	$(FLASK) db upgrade
	$(FLASK) seed reference

demo: db
	$(FLASK) seed demo

run: demo
	$(FLASK) run --host 127.0.0.1 --port 5000

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: setup lint
	$(BIN)/pytest -n 2 --dist loadgroup -p no:cacheprovider $(PYTEST_ARGS)

bench: setup
	$(BIN)/pytest tests/benchmarks -p no:cacheprovider -s -o addopts="" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules catalogue/static/css catalogue/static/govuk catalogue/static/vendor catalogue/static/dist instance
