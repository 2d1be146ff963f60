# The only way to set up, run, test and benchmark Sportello: README, CI and people share it.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Offline and deterministic: no telemetry, no hub look-ups, one OpenMP thread per process.
export DO_NOT_TRACK := 1
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export RAGAS_DO_NOT_TRACK := true
export UNSTRUCTURED_DISABLE_NOTICE := 1
export OMP_NUM_THREADS ?= 1

.PHONY: install run ingest test test-shifted wheel-check eval-determinism lint typecheck bench eval clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install the pinned dependencies

ingest: install  ## ingest the bundled knowledge base (idempotent)
	$(BIN)/sportello ingest knowledge/corpus

# The demo: a fixed one-time code (123456) and an operator token, refused outside demo mode.
DEMO_ENV := SPORTELLO_ENV=demo OTP_FIXED_CODE=123456 OPERATOR_TOKENS=demo:demo-token

run: ingest  ## set everything up and serve the demo on http://127.0.0.1:8000
	$(DEMO_ENV) $(BIN)/sportello demo customers > /dev/null
	@echo
	@echo "Sportello demo on http://127.0.0.1:8000"
	@echo "  web chat:   http://127.0.0.1:8000/  (customer code LM00010001, one-time code 123456)"
	@echo "  inbox:      http://127.0.0.1:8000/static/operator.html  (token demo-token)"
	@echo "  dashboard:  http://127.0.0.1:8000/static/dashboard.html"
	@echo "  API docs:   http://127.0.0.1:8000/docs"
	@echo "  terminal:   $(DEMO_ENV) $(BIN)/sportello chat"
	$(DEMO_ENV) $(BIN)/sportello serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

test: install lint typecheck  ## lint, type-check, then the whole test suite
	$(BIN)/pytest -q

# The suite never reads the machine's date: run it again with the system clock moved ahead
# (libfaketime, Debian package `faketime`). Monotonic time moves by the same offset: with
# FAKETIME_DONT_FAKE_MONOTONIC, Python's time.sleep fails with EINVAL under libfaketime 0.9.10.
SHIFTS ?= +45d +400d
test-shifted: install  ## the test suite again with the system clock 45 and 400 days ahead
	@for shift in $(SHIFTS); do \
	  echo "== pytest with the system clock at $$shift"; \
	  faketime -f "$$shift" $(BIN)/pytest -q -p no:cacheprovider || exit 1; \
	done

wheel-check:  ## build the wheel, install it without [dev] in a fresh venv: ingest, ask, serve
	PYTHON=$(PYTHON) bash .ci/check-wheel

eval-determinism: ingest  ## the evaluation under two CPU settings gives the same decisions
	$(BIN)/python -m benchmarks.eval_determinism

eval: ingest  ## offline evaluation of the datasets; fails when a metric regresses
	$(BIN)/sportello eval

bench: install  ## retrieval quality, routing, search latency, ingestion throughput, LLM-mode overhead, WhatsApp load burst
	$(BIN)/python -m benchmarks.retrieval_quality
	$(BIN)/python -m benchmarks.retrieval_quality --dataset evals/datasets/retrieval_test.jsonl
	$(BIN)/python -m benchmarks.routing_accuracy
	$(BIN)/python -m benchmarks.search_latency
	$(BIN)/python -m benchmarks.ingest_throughput
	$(BIN)/python -m benchmarks.llm_overhead
	$(BIN)/python -m benchmarks.load_burst

clean:
	rm -rf .sportello .pytest_cache
