# Two commands on a fresh clone (README): `make run` and `make test`.
# Everything installs into ./.venv so the machine's Python stays untouched: `.[all]` (the core
# plus the pdf, server and celery extras) for run/demo, `.[dev]` (all of that and the test tools) for test.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run demo test lint bench install dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[all]"
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

## run the product on its embedded defaults: the API and web page on http://127.0.0.1:8000
## (SQLite and blobs in ./.reportgen, jobs in-process, the offline engine unless an LLM is configured)
run: $(VENV)/.installed
	$(BIN)/reportgen serve

## a report from the bundled sample meeting, in every format, into .reportgen/demo/
demo: $(VENV)/.installed
	$(BIN)/reportgen demo

## the whole test suite (lint and type check first)
test: $(VENV)/.installed-dev
	$(BIN)/ruff check reportgen tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check reportgen tests bench
	$(BIN)/mypy

CORPUS ?= ../shared/corpus
## every benchmark, against the peers measured in the same run (one table of ratios; see docs/eval.md)
bench: $(VENV)/.installed-dev
	$(BIN)/python bench/run_all.py $(if $(wildcard $(CORPUS)),--corpus $(CORPUS)) --json .reportgen/bench.json

## every gold set, strict, each figure beside its random baseline: hand-made, QMSum validation, and the
## AMI and CUAD validation folds (reportgen/evals/folds.json) -> .reportgen/eval.md and .reportgen/eval.json
.PHONY: eval
eval: $(VENV)/.installed
	$(BIN)/python -m reportgen.evals.suite --corpus $(CORPUS) --out .reportgen

## retrain the models shipped in reportgen/extract/local/models/ from the corpus (needs the train extra)
.PHONY: train train-boundaries train-ami train-cuad
train: train-boundaries train-ami train-cuad

## sentence ends for unpunctuated captions, from AMI's fit fold; then their precision/recall on held-out text
train-boundaries: $(VENV)/.installed-dev
	$(BIN)/python -m reportgen.evals.boundary_train --corpus $(CORPUS)
	$(BIN)/python -m reportgen.evals.boundary_eval --corpus $(CORPUS)

## action-item and decision detectors from AMI's fit fold (threshold chosen out of fold); then their
## strict and detection-level precision/recall on the validation fold
train-ami: $(VENV)/.installed-dev
	$(BIN)/python -m reportgen.evals.ami_train --corpus $(CORPUS)
	$(BIN)/python -m reportgen.evals.ami_train --corpus $(CORPUS) --check

## contract clause kinds from CUAD's fit fold (reportgen/evals/cuad_train.py); `make eval` reports validation
## CUAD_CACHE=/tmp/cuad-cache/docs keeps the ingested PDFs between runs (outside the repo)
train-cuad: $(VENV)/.installed-dev
	$(BIN)/python -m reportgen.evals.cuad_train --corpus $(CORPUS) $(if $(CUAD_CACHE),--cache $(CUAD_CACHE))

clean:
	rm -rf $(VENV) .reportgen .pytest_cache .ruff_cache
