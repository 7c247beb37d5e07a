# The two commands: `make run` and `make test`. Everything else is a helper of theirs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint format bench

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

.local/dev.env: | $(STAMP)
	$(PY) bin/make_dev_env.py $@

## Start everything on SQLite: sandbox, web server and worker; prints the URL, login and keys.
run: $(STAMP) .local/dev.env
	bin/run-dev

## Run the whole test suite (browser tests too when Debian's chromium is installed), one test
## process per core (TEST_WORKERS=1 for a single one).
TEST_WORKERS ?= auto
test: $(STAMP)
	$(VENV)/bin/pytest -n $(TEST_WORKERS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## Benchmarks: printed as ratios against a baseline measured in the same run. The sync's and the
## pages' on SQLite and (when it answers on localhost) PostgreSQL: the pages at 100,000 incidents,
## and on PostgreSQL at BENCH_SIZES (`make bench BENCH_SIZES=100000,1000000` adds 1,000,000, the
## size issue 14's budgets are set for). Exits non-zero when any budget is missed.
BENCH_PG ?= postgres://postgres@127.0.0.1:5432/evidencehub_bench
BENCH_SIZES ?= 100000
BENCH_SYNC_SIZES ?= 2000,20000
BENCH_ALERT_SIZES ?= 2000,20000
bench: $(STAMP)
	@status=0; \
	BENCH_SIZES=$(BENCH_SYNC_SIZES) $(PY) tests/bench/bench_sync.py || status=1; \
	BENCH_ALERT_SIZES=$(BENCH_ALERT_SIZES) $(PY) tests/bench/bench_alerts.py || status=1; \
	BENCH_SIZES=100000 $(PY) tests/bench/bench_pages.py || status=1; \
	$(PY) tests/bench/bench_library.py || status=1; \
	$(PY) tests/bench/bench_staff.py || status=1; \
	$(PY) tests/bench/bench_accounts.py || status=1; \
	if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
	  BENCH_SIZES=$(BENCH_SYNC_SIZES) BENCH_DATABASE_URL=$(BENCH_PG) $(PY) tests/bench/bench_sync.py || status=1; \
	  BENCH_ALERT_SIZES=$(BENCH_ALERT_SIZES) BENCH_DATABASE_URL=$(BENCH_PG) $(PY) tests/bench/bench_alerts.py || status=1; \
	  BENCH_SIZES=$(BENCH_SIZES) BENCH_DATABASE_URL=$(BENCH_PG) $(PY) tests/bench/bench_pages.py || status=1; \
	  BENCH_DATABASE_URL=$(BENCH_PG) $(PY) tests/bench/bench_library.py || status=1; \
	  BENCH_DATABASE_URL=$(BENCH_PG) $(PY) tests/bench/bench_accounts.py || status=1; \
	else \
	  echo "PostgreSQL does not answer on 127.0.0.1:5432: the sync and page benchmarks did not run on it."; \
	  status=1; \
	fi; \
	exit $$status

## Load: gunicorn with the README's production settings on PostgreSQL, 100,000 incidents, 8
## clients for 30 s on loopback (tests/bench/load.py; 4 workers × 1 thread by default); exits
## non-zero when p99 reaches 300 ms or a request fails. LOAD_INCIDENTS, LOAD_SECONDS,
## LOAD_WORKERS and LOAD_THREADS change it.
.PHONY: load
LOAD_PG ?= postgres://postgres@127.0.0.1:5432/evidencehub_load
load: $(STAMP)
	LOAD_DATABASE_URL=$(LOAD_PG) $(PY) tests/bench/load.py
