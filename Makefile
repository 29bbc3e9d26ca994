# lineage-stream: `make demo` and `make test` do all the set-up on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CLI := $(BIN)/lineage-stream
SAMPLE_NAMESPACE := s3://lake
SAMPLE_NAME := curated/orders_enriched

.PHONY: install services demo test unit integration bench down status lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test,bench]"
	touch $(STAMP)

install: $(STAMP)

services: install
	$(CLI) infra up

demo: services
	$(CLI) produce examples/nightly_orders.jsonl
	$(CLI) worker --until-idle
	$(CLI) lineage "$(SAMPLE_NAMESPACE)" "$(SAMPLE_NAME)"
	@echo
	@echo "Neo4j:      bolt://127.0.0.1:7687 (user neo4j, password lineage-stream-dev)"
	@echo "Metrics:    http://127.0.0.1:9108/metrics while a worker runs; Prometheus at http://127.0.0.1:9090"
	@echo "Next:       $(CLI) lineage --help, docs/graph-model.md, $(CLI) infra down"

test: install
	$(BIN)/python -m pytest tests

unit: install
	$(BIN)/python -m pytest tests/unit

integration: install
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
