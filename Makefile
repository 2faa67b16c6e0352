# Two commands: `make run` serves the dashboard on the embedded SQLite store with sample data;
# `make test` provides PostgreSQL, Chromium and axe-core (npm) and runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8501

.PHONY: run test lint sample bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(PY) -m data_loaders load-sample
	$(PY) scripts/serve.py --server.address $(HOST) --server.port $(PORT)

node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

test: $(VENV)/.dev
	@pg_url=$$(bash scripts/test_services.sh) || exit 1; \
	$(MAKE) --no-print-directory node_modules/axe-core/axe.min.js >&2 || [ "$$CI" != "true" ] || exit 1; \
	DASHBOARD_TEST_POSTGRES_URL="$$pg_url" $(PY) -m pytest -rs $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

sample: $(VENV)/.runtime
	$(PY) -m sample_data.generate

# `make bench BENCH_LONDON=--quick` for a smoke run of the London benchmark (3 areas, 3 years).
BENCH_LONDON ?=
bench: $(VENV)/.dev
	@rm -rf bench/.results; failed=""; \
	for script in run untrusted boardpack pages maps export_scale london; do \
		[ -f bench/$$script.py ] || continue; \
		args=""; [ $$script = london ] && args="$(BENCH_LONDON)"; \
		echo "== bench/$$script.py $$args"; \
		$(PY) bench/$$script.py $$args || failed="$$failed $$script"; \
	done; \
	$(PY) bench/summary.py; \
	if [ -n "$$failed" ]; then echo "failed:$$failed" >&2; exit 1; fi

clean:
	rm -rf $(VENV) data
