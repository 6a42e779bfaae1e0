# BZPEER: `make run` serves the site on http://127.0.0.1:8000, `make test` runs the whole suite.
# Without DATABASE_URL both use an embedded PostgreSQL under .data/; without REDIS_URL Celery tasks
# run inline.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
SAMPLE := sample_data

# The commands that build and serve a local site run in development mode (the only mode that may
# use the public development key). The tests bring their own key (tests/environment.py), the
# benchmarks theirs (benchmarks/common.py); both run with DEBUG off, like production.
migrate sample run lint: export BZPEER_DEBUG ?= 1

.PHONY: install run serve migrate sample test lint browser wrk bench clean-db stop-db

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]' --config-settings editable_mode=compat
	touch $@

migrate: install
	$(PY) manage.py migrate --noinput

sample: migrate
	$(PY) manage.py import_arxiv --no-progress --show-skipped 3 $(SAMPLE)
	$(PY) manage.py convert_work_text
	$(PY) manage.py recompute_scores

run: sample
	$(PY) manage.py runserver $(HOST):$(PORT)

# $(call debian,COMMAND,PURPOSE,IF MISSING): install Debian's package COMMAND unless it is there.
define debian
	@command -v $(1) >/dev/null 2>&1 || { \
	  echo "installing Debian's $(1) for $(2)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null) \
	  || echo "could not install $(1): $(3)"; }
endef

# Chromium for the browser tests comes from Debian (never a downloaded browser build).
browser:
	$(call debian,chromium,the browser tests,browser tests will be skipped)

test: install browser
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(PY) manage.py makemigrations --check --dry-run

# wrk, the HTTP load generator of the page, API and graph benchmarks, also from Debian.
wrk:
	$(call debian,wrk,the HTTP benchmarks,the HTTP benchmarks will stop with an error)

bench: install wrk
	$(PY) -m benchmarks.run $(BENCH_ARGS)

stop-db:
	$(PY) -c "from bzpeer.embedded_db import stop; stop()"

clean-db: stop-db
	rm -rf .data/postgres
