# Flashcall — `make run` to start, `make test` to test. See README.md.
PORT ?= 5000
WORKERS ?= 2
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
export FLASK_APP := app

.PHONY: install install-dev translations catalog-update migrate run dev test bench clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

translations: install
	$(VENV)/bin/pybabel compile -d translations >/dev/null

# Refresh the catalogs after adding strings, then translate the new entries in translations/fa
# (tests/test_catalog.py fails while a string is unextracted or untranslated).
catalog-update: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy -o $(VENV)/messages.pot . >/dev/null
	$(VENV)/bin/pybabel update -i $(VENV)/messages.pot -d translations --no-fuzzy-matching

migrate: install
	$(FLASK) db upgrade
	$(FLASK) admin ensure

# Web (gunicorn) and dispatcher together; Ctrl-C stops both.
run: translations migrate
	@echo "Flashcall on http://127.0.0.1:$(PORT)"
	@trap 'kill 0' EXIT INT TERM; \
	$(FLASK) dispatcher & \
	$(VENV)/bin/gunicorn --workers $(WORKERS) --bind 127.0.0.1:$(PORT) --access-logfile - app:app

# Flask's development server with reload, plus a dispatcher.
dev: translations migrate
	@trap 'kill 0' EXIT INT TERM; \
	$(FLASK) dispatcher & \
	$(FLASK) run --debug --port $(PORT)

# The layer contracts (.importlinter) first: a broken one fails the run before any test.
test: install-dev translations
	$(VENV)/bin/lint-imports --no-logo
	$(VENV)/bin/pytest -q $(PYTEST_ARGS)

bench: install-dev translations
	$(PY) bench/api.py
	$(PY) bench/reports.py

clean:
	rm -rf $(VENV) .pytest_cache
