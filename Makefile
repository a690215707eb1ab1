# `make run` and `make test` work from a fresh clone: each creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
# Two workers: the machines have two cores. Override with `make test PYTEST_ARGS=...`.
PYTEST_ARGS ?= -n 2

.PHONY: run test lint translations messages install install-dev bench bench-reminders bench-scale clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d registry/translations 2>&1 | grep -v '^compiling' || true

# After adding or changing user-facing text: refresh the catalogues, then translate the new entries in
# registry/translations/vi/LC_MESSAGES/messages.po (tests/test_i18n.py fails until every one is translated).
messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		-o registry/translations/messages.pot .
	$(BIN)/pybabel -q update -i registry/translations/messages.pot -d registry/translations \
		--no-fuzzy-matching --width 110

run: install translations
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: install-dev translations lint
	$(BIN)/pytest $(PYTEST_ARGS)

# Benchmarks (bench/README.md), not part of `make test`. The database's schema is dropped and re-created:
# `make bench BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/wt_bench` (add BENCH_ARGS=...).
BENCH_ARGS ?=
bench: install-dev
	@test -n "$(BENCH_DATABASE_URL)" || { echo "make bench BENCH_DATABASE_URL=... (its schema is dropped)"; exit 2; }
	$(BIN)/python -m bench.suspects --url "$(BENCH_DATABASE_URL)" $(BENCH_ARGS)

# The reminders job over 1,000,000 items (PostgreSQL only; its schema is dropped too).
bench-reminders: install-dev
	@test -n "$(BENCH_DATABASE_URL)" || { echo "make bench-reminders BENCH_DATABASE_URL=... (its schema is dropped)"; exit 2; }
	$(BIN)/python -m bench.reminders --url "$(BENCH_DATABASE_URL)" $(BENCH_ARGS)

# The registry at scale (issue 15): every page, the jobs and the API against the hand-written SQL floor, on
# `demo generate` data; one JSON object per operation. BENCH_ARGS="--instruments 1000000" for the national size.
bench-scale: install-dev
	@test -n "$(BENCH_DATABASE_URL)" || { echo "make bench-scale BENCH_DATABASE_URL=... (its schema is dropped)"; exit 2; }
	$(BIN)/python -m bench --url "$(BENCH_DATABASE_URL)" --json $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
