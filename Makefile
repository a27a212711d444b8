# Flashcall — `make run` to start, `make test` to test. See README.md.
PORT ?= 5000
# One gunicorn process with threads: the in-memory request limits (Flask-Limiter's memory://) are
# then counted once, exactly as configured. More processes need a shared store (Redis). Four threads
# by measurement (README, Performance: `bench/api.py --tiers`): on SQLite more threads only queue at the
# write lock (8 had a p99 of 0.5-0.9 s), fewer leave too few for a long download beside the API.
WORKERS ?= 1
THREADS ?= 4
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
export FLASK_APP := app

.PHONY: install install-dev translations catalog-update migrate check-limits run dev test bench mutate clean

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

# Several web processes with per-process (memory://) limit counters would each allow the full
# limit: refuse that before starting anything.
check-limits:
	@case "$(WORKERS):$${RATELIMIT_STORAGE_URI:-memory://}" in \
	  1:*|*:redis*|*:rediss*|*:memcached*) ;; \
	  *) echo "WORKERS=$(WORKERS) needs RATELIMIT_STORAGE_URI=redis://HOST:6379 (shared request limits);" \
	          "with memory:// each process would allow the whole limit. Use THREADS for more concurrency." >&2; \
	     exit 1;; \
	esac

# Web (gunicorn) and dispatcher together; Ctrl-C stops both. The worker timeout (30 s) is above
# SQLite's busy timeout, so a request waiting on a lock answers 503 rather than being killed.
run: check-limits translations migrate
	@echo "Flashcall on http://127.0.0.1:$(PORT)"
	@trap 'kill 0' EXIT INT TERM; \
	$(FLASK) dispatcher & \
	$(VENV)/bin/gunicorn --workers $(WORKERS) --threads $(THREADS) --timeout 30 --bind 127.0.0.1:$(PORT) \
	  --access-logfile - app:app

# Flask's development server with reload, plus a dispatcher.
dev: translations migrate
	@trap 'kill 0' EXIT INT TERM; \
	$(FLASK) dispatcher & \
	$(FLASK) run --debug --port $(PORT)

# The layer contracts (.importlinter) first: a broken one fails the run before any test. The tests run in
# TEST_PROCESSES processes (pytest-xdist, a module's tests together; much of the suite waits on browsers,
# phones and servers, so more processes than cores pay); TEST_PROCESSES=0 runs them in this one.
TEST_PROCESSES ?= 4
test: install-dev translations
	$(VENV)/bin/lint-imports --no-logo
	$(VENV)/bin/pytest -q -n $(TEST_PROCESSES) --dist loadfile $(PYTEST_ARGS)

bench: install-dev translations
	$(PY) bench/api.py
	$(PY) bench/cpu.py
	$(PY) bench/dispatcher.py
	$(PY) bench/sip.py
	$(PY) bench/reports.py

# Mutation testing with mutmut (setup.cfg [mutmut]; slow, not in CI; README "Mutation testing"): mutants of
# the engine, money, telephony, dispatch, webhooks and /telphin/ against the fast tests, on SQLite.
# Results are kept in mutants/: a run tests the mutants not yet tested (new or changed code), then tries the
# earlier survivors against the current tests. MUTATE='flashcall.billing.*' instead (re)tests every mutant
# of those names. MUTATE_CHILDREN runs that many at once (the default, 1, leaves a shared machine usable).
MUTATE ?=
MUTATE_CHILDREN ?= 1
MUTATE_DATABASE_URL ?=
MUTMUT := env -u TEST_DATABASE_URL -u FLASHCALL_REQUIRE_ALL $(if $(MUTATE_DATABASE_URL),TEST_DATABASE_URL=$(MUTATE_DATABASE_URL)) $(VENV)/bin/mutmut
MUTMUT_LOG := mutants/mutmut.log
mutate: install-dev translations
	mkdir -p mutants
	$(MUTMUT) run --max-children $(MUTATE_CHILDREN) $(if $(MUTATE),'$(MUTATE)') >$(MUTMUT_LOG) 2>&1 \
	  || (tail -c 3000 $(MUTMUT_LOG); exit 1)
ifeq ($(MUTATE),)
	survivors="$$($(PY) -m tests.mutation_score --survivors)"; \
	if [ -n "$$survivors" ]; then $(MUTMUT) run --max-children $(MUTATE_CHILDREN) $$survivors >>$(MUTMUT_LOG) 2>&1 \
	  || (tail -c 3000 $(MUTMUT_LOG); exit 1); fi
endif
	$(PY) -m tests.mutation_score $(if $(MUTATE),'$(MUTATE)')

clean:
	rm -rf $(VENV) .pytest_cache mutants
