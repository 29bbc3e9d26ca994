# lineage-stream: `make demo` and `make test` do all the set-up on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Real OpenLineage producers the tests run (dbt on DuckDB), in a virtualenv of their own: dbt-core's
# pins conflict with the test extra's.
PRODUCERS := .local/producers-venv
PRODUCERS_REQ := tests/integration/producers/requirements.txt
PRODUCERS_STAMP := $(PRODUCERS)/.installed
CLI := $(BIN)/lineage-stream
SAMPLE_NAMESPACE := s3://lake
SAMPLE_NAME := curated/orders_enriched

.PHONY: install bytecode lock assets browser prometheus producers services demo test unit integration bench down status lint clean

# Exact versions with hashes from requirements/ci.lock, then the package itself (editable). A dependency
# added to pyproject.toml but not yet locked still installs, and tests/unit/test_lock_files.py says so.
$(STAMP): pyproject.toml devtools/pyproject.toml requirements/ci.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements/ci.lock
	$(BIN)/pip install --quiet -e ".[worker,test,dev]" -e ./devtools
	touch $(STAMP)

# The lineage page's graph library, from npm (package.json, package-lock.json), shipped in the package.
VENDOR_JS := lineage_stream/api/static/vendor/cytoscape.min.js
$(VENDOR_JS): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	mkdir -p $(dir $(VENDOR_JS))
	cp node_modules/cytoscape/dist/cytoscape.min.js $(VENDOR_JS)

assets: $(VENDOR_JS)

# The project's own bytecode, as a wheel install writes it: an editable install leaves it to be written at
# the first import, and where PYTHONDONTWRITEBYTECODE is set every process compiled every module at start
# (60 ms of the worker's 0.44 s of imports). Up to date, this checks the timestamps and writes nothing.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q lineage_stream devtools/lineage_stream_dev

install: $(STAMP) $(VENDOR_JS) bytecode

# The page's browser test drives Debian's Chromium (never a downloaded browser build).
# The alert-rule and dashboard tests run Debian's promtool and a Prometheus of their own.
prometheus:
	test -x /usr/bin/promtool || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus)

browser:
	test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

# requirements/worker.lock: the application (the Docker image installs it); requirements/ci.lock: everything,
# the development tooling (devtools/) included.
UV_COMPILE := $(BIN)/uv pip compile --generate-hashes --universal --python-version 3.11 \
	--custom-compile-command "make lock" --quiet

lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet "$$(grep -o 'uv==[0-9.]*' pyproject.toml)"
	$(UV_COMPILE) pyproject.toml --extra worker -o requirements/worker.lock
	$(UV_COMPILE) pyproject.toml devtools/pyproject.toml --extra worker --extra test --extra dev -o requirements/ci.lock

# Real OpenLineage producers the tests run (dbt on DuckDB), in a virtualenv of their own: dbt-core's
# pins conflict with the test extra's. Only the tests need it.
$(PRODUCERS_STAMP): $(PRODUCERS_REQ)
	test -x $(PRODUCERS)/bin/python || $(PYTHON) -m venv $(PRODUCERS)
	$(PRODUCERS)/bin/pip install --quiet --upgrade pip
	$(PRODUCERS)/bin/pip install --quiet -r $(PRODUCERS_REQ)
	touch $(PRODUCERS_STAMP)

producers: $(PRODUCERS_STAMP)

services: install
	$(CLI) infra up

demo: services
	$(CLI) produce examples/nightly_orders.jsonl
	$(CLI) worker --until-idle
	$(CLI) lineage both "$(SAMPLE_NAMESPACE)" "$(SAMPLE_NAME)"
	@echo
	@echo "Neo4j:      bolt://127.0.0.1:7687 (user neo4j, password lineage-stream-dev); Browser http://127.0.0.1:7474/browser/"
	@echo "Metrics:    http://127.0.0.1:9108/metrics while a worker runs; Prometheus at http://127.0.0.1:9090"
	@echo "Look:       $(CLI) serve, then http://127.0.0.1:5050/?dataset=s3://lake/curated/orders_enriched"
	@echo "Next:       $(CLI) lineage --help, docs/cypher-cookbook.md, $(CLI) infra down"

test: install browser producers prometheus
	$(BIN)/python -m pytest tests

unit: install prometheus
	$(BIN)/python -m pytest tests/unit

integration: install browser producers prometheus
	$(BIN)/python -m pytest tests/integration

lint: install
	$(BIN)/lint-imports
	$(BIN)/python -m mypy

# The sustained benchmark; its figures replace the generated block of docs/benchmarks.md. It empties
# the graph between phases, so on a graph holding other data it refuses: BENCH_FLAGS=--wipe allows it.
BENCH_FLAGS ?=
bench: services
	$(CLI) bench --write-doc $(BENCH_FLAGS)

status: install
	$(CLI) infra status

down: install
	$(CLI) infra down

clean: down
	rm -rf .local
