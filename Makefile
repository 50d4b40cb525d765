# ProNexis Portal — `make run` serves the demo, `make test` runs the suite.
# Both work on a fresh machine: an embedded PostgreSQL starts under .data/ unless DATABASE_URL is set.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?= -n 2

.PHONY: install run test test-fast browser-deps lint migrations-check worker beat db-stop ci clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	@touch $(STAMP)

install: $(STAMP)

run: install
	DEBUG=1 $(PY) manage.py vapid_keys --development
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo
	@echo "Open http://$(HOST):$(PORT)/ — owner@demo.test / demo"
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# Chromium (Debian package) and axe-core (npm) for the browser tests.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { echo "Installing Debian's chromium for browser tests"; \
		(apt-get install -y -qq chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)); }
	@test -f node_modules/axe-core/axe.min.js || npm ci --silent --no-audit --no-fund

test: install browser-deps
	$(PY) -m pytest $(PYTEST_ARGS)

# The suite without the slow browser and worker tests.
test-fast: install
	$(PY) -m pytest -m "not browser and not worker" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

worker: install
	$(VENV)/bin/celery -A pronexis worker -l info

beat: install
	$(VENV)/bin/celery -A pronexis beat -l info

db-stop:
	$(PY) -c "from pronexis.embedded_db import stop; stop()"

ci: lint migrations-check test

clean:
	rm -rf $(VENV) node_modules .pytest_cache
